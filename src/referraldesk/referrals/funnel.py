"""The referral funnel over a date range: received -> scheduled -> kept -> closed.

The cohort is every referral received on a local day of [start, end] in the practice's
zone. A referral counts at a stage when its history ever reached it (a scheduled
referral that later missed its visit still counts as scheduled), so each stage is a
subset of the one before. Lost means it ended in a leaking state (rejected, declined,
unreachable, expired), counted by leakage reason.

Counts are aggregated in the database (GROUP BY over per-referral flags); the two
medians are taken in Python over the cohort's durations, a set bounded by the range.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from statistics import median
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import ColumnElement, Select, case, exists, func, select
from sqlalchemy.orm import Session

from referraldesk.errors import InvalidArgument
from referraldesk.models import (
    Appointment,
    Patient,
    Referral,
    ReferralTransition,
    ReferringPractice,
)
from referraldesk.referrals.lifecycle import CLOSED, LEAKING, SCHEDULED, VISIT_KEPT

STAGES = ("received", "scheduled", "kept", "closed")
MAX_RANGE_DAYS = 366
SECONDS_PER_DAY = 86_400


@dataclass(frozen=True)
class FunnelRange:
    """Local days `start`..`end` (inclusive) in `zone`."""

    start: date
    end: date
    zone: str

    def __post_init__(self) -> None:
        if self.start > self.end:
            raise InvalidArgument(
                f"from {self.start} is after to {self.end}; swap them", field="from"
            )
        if (self.end - self.start).days > MAX_RANGE_DAYS:
            raise InvalidArgument(
                f"the range {self.start}..{self.end} is longer than {MAX_RANGE_DAYS} days; "
                "ask for less",
                field="to",
            )

    def instants(self) -> tuple[datetime, datetime]:
        # Local midnights, so a DST change inside the range moves the UTC bounds, not the days.
        tz = ZoneInfo(self.zone)
        return (
            datetime.combine(self.start, time.min, tz),
            datetime.combine(self.end + timedelta(days=1), time.min, tz),
        )


def funnel(session: Session, period: FunnelRange) -> dict[str, Any]:
    """Every funnel figure for the referrals received in `period`."""
    cohort = _cohort(period).subquery()
    totals = session.execute(select(*_sums(cohort))).one()
    counts = dict(
        zip(("received", "scheduled", "kept", "closed", "lost"), map(int, totals), strict=True)
    )
    return {
        "from": period.start.isoformat(),
        "to": period.end.isoformat(),
        "timezone": period.zone,
        "counts": counts,
        "rates": {
            "scheduled": _rate(counts["scheduled"], counts["received"]),
            "kept": _rate(counts["kept"], counts["scheduled"]),
            "closed": _rate(counts["closed"], counts["kept"]),
        },
        "of_received": {
            stage: _rate(counts[stage], counts["received"])
            for stage in ("scheduled", "kept", "closed", "lost")
        },
        "median_days_to_schedule": _median_days(session, _days_to_schedule(period)),
        "median_days_to_visit": _median_days(session, _days_to_visit(period)),
        "timely_access": _timely(session, period),
        "leakage": _leakage(session, cohort),
        "by_referring_practice": _breakdown(
            session, cohort, cohort.c.practice, cohort.c.practice_name
        ),
        "by_specialty": _breakdown(session, cohort, cohort.c.specialty, cohort.c.specialty),
        "by_language": _breakdown(session, cohort, cohort.c.language, cohort.c.language),
    }


def _reached(status: str) -> ColumnElement[int]:
    step = ReferralTransition
    return case(
        (exists().where(step.referral_id == Referral.id, step.to_status == status), 1), else_=0
    )


def _cohort(period: FunnelRange) -> Select[Any]:
    start, end = period.instants()
    return (
        select(
            Referral.id.label("id"),
            Referral.referring_practice_id.label("practice"),
            func.coalesce(ReferringPractice.name, "(none)").label("practice_name"),
            Referral.specialty_key.label("specialty"),
            Patient.preferred_language.label("language"),
            Referral.leakage_reason.label("leakage_reason"),
            _reached(SCHEDULED).label("scheduled"),
            _reached(VISIT_KEPT).label("kept"),
            _reached(CLOSED).label("closed"),
            case((Referral.status.in_(LEAKING), 1), else_=0).label("lost"),
        )
        .join(Patient, Patient.id == Referral.patient_id)
        .outerjoin(ReferringPractice, ReferringPractice.id == Referral.referring_practice_id)
        .where(Referral.received_at >= start, Referral.received_at < end)
    )


def _sums(cohort: Any) -> list[ColumnElement[Any]]:
    return [
        func.count(cohort.c.id),
        func.coalesce(func.sum(cohort.c.scheduled), 0),
        func.coalesce(func.sum(cohort.c.kept), 0),
        func.coalesce(func.sum(cohort.c.closed), 0),
        func.coalesce(func.sum(cohort.c.lost), 0),
    ]


def _breakdown(
    session: Session, cohort: Any, key: ColumnElement[Any], name: ColumnElement[Any]
) -> list[dict[str, Any]]:
    rows = session.execute(
        select(key, name, *_sums(cohort))
        .group_by(key, name)
        .order_by(func.count(cohort.c.id).desc(), name)
    ).all()
    result = []
    for row in rows:
        received, scheduled, kept, closed, lost = (int(value) for value in row[2:])
        result.append(
            {
                "key": row[0],
                "name": row[1],
                "received": received,
                "scheduled": scheduled,
                "kept": kept,
                "closed": closed,
                "lost": lost,
                "scheduled_rate": _rate(scheduled, received),
            }
        )
    return result


def _leakage(session: Session, cohort: Any) -> dict[str, int]:
    rows = session.execute(
        select(cohort.c.leakage_reason, func.count(cohort.c.id))
        .where(cohort.c.lost == 1)
        .group_by(cohort.c.leakage_reason)
        .order_by(cohort.c.leakage_reason)
    ).all()
    return {str(reason or "unknown"): int(count) for reason, count in rows}


def _days_to_schedule(period: FunnelRange) -> Select[datetime, datetime]:
    start, end = period.instants()
    return (
        select(Referral.received_at, func.min(ReferralTransition.at))
        .join(ReferralTransition, ReferralTransition.referral_id == Referral.id)
        .where(
            ReferralTransition.to_status == SCHEDULED,
            Referral.received_at >= start,
            Referral.received_at < end,
        )
        .group_by(Referral.id, Referral.received_at)
    )


def _days_to_visit(period: FunnelRange) -> Select[datetime, datetime]:
    start, end = period.instants()
    return (
        select(Referral.received_at, Appointment.start_at)
        .join(Appointment, Appointment.id == Referral.appointment_id)
        .where(
            _reached(VISIT_KEPT) == 1,
            Referral.received_at >= start,
            Referral.received_at < end,
        )
    )


def _median_days(session: Session, query: Select[datetime, datetime]) -> float | None:
    spans = [
        (later - earlier).total_seconds() / SECONDS_PER_DAY
        for earlier, later in session.execute(query)
    ]
    return round(median(spans), 1) if spans else None


def _timely(session: Session, period: FunnelRange) -> dict[str, Any]:
    start, end = period.instants()
    rows = session.execute(
        select(Referral.target_date, Appointment.start_at, Appointment.timezone)
        .join(Appointment, Appointment.id == Referral.appointment_id)
        .where(_reached(SCHEDULED) == 1, Referral.received_at >= start, Referral.received_at < end)
    ).all()
    judged = [(target, at, zone) for target, at, zone in rows if target is not None]
    within = sum(1 for target, at, zone in judged if at.astimezone(ZoneInfo(zone)).date() <= target)
    return {
        "within_target": within,
        "with_appointment": len(judged),
        "share": _rate(within, len(judged)),
    }


def _rate(part: int, whole: int) -> float | None:
    return round(part / whole, 3) if whole else None
