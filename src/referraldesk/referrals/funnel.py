"""The referral funnel over a date range: received -> scheduled -> kept -> closed.

The cohort is every referral received on a local day of [start, end] in the practice's
zone. A referral counts at a stage when its history ever reached it (a scheduled
referral that later missed its visit still counts as scheduled), so each stage is a
subset of the one before. Lost means it ended in a leaking state (rejected, declined,
unreachable, expired), counted by leakage reason.

Counts are aggregated in the database: one GROUP BY over per-referral stage flags
down to a row per practice, specialty, language and ending, which the totals, the
leakage and the breakdowns sum. The two medians are taken in Python over the
cohort's durations, a set bounded by the range.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from statistics import median
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import ColumnElement, case, func, select
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
    groups = _groups(session, period)
    counts = _total(groups)
    spans = _spans(session, period)
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
        "median_days_to_schedule": _median(spans.to_schedule),
        "median_days_to_visit": _median(spans.to_visit),
        "timely_access": spans.timely(),
        "leakage": _leakage(groups),
        "by_referring_practice": _breakdown(groups, "practice", "practice_name"),
        "by_specialty": _breakdown(groups, "specialty", "specialty"),
        "by_language": _breakdown(groups, "language", "language"),
    }


def _reached_flags(period: FunnelRange) -> Any:
    """Per referral of the cohort: did its history reach scheduled, visit_kept, closed,
    and when was it first scheduled.

    One GROUP BY over the cohort's transitions, instead of an EXISTS per referral and
    stage that every breakdown would run again.
    """
    start, end = period.instants()
    step = ReferralTransition

    def reached(status: str) -> ColumnElement[int]:
        return func.max(case((step.to_status == status, 1), else_=0)).label(status)

    return (
        select(step.referral_id.label("referral_id"),
               reached(SCHEDULED), reached(VISIT_KEPT), reached(CLOSED),
               func.min(case((step.to_status == SCHEDULED, step.at))).label("first_scheduled"))
        .join(Referral, Referral.id == step.referral_id)
        .where(Referral.received_at >= start, Referral.received_at < end,
               step.to_status.in_((SCHEDULED, VISIT_KEPT, CLOSED)))
        .group_by(step.referral_id)
        .subquery()
    )


def _groups(session: Session, period: FunnelRange) -> list[dict[str, Any]]:
    """The cohort counted in one GROUP BY over everything the breakdowns split by.

    At most one row per practice x specialty x language x ending: the totals, the
    leakage and each breakdown are sums over these few rows.
    """
    start, end = period.instants()
    flags = _reached_flags(period)
    lost = case((Referral.status.in_(LEAKING), 1), else_=0)
    keys = (
        Referral.referring_practice_id.label("practice"),
        func.coalesce(ReferringPractice.name, "(none)").label("practice_name"),
        Referral.specialty_key.label("specialty"),
        Patient.preferred_language.label("language"),
        Referral.leakage_reason.label("leakage_reason"),
        lost.label("is_lost"),
    )
    rows = session.execute(
        select(
            *keys,
            func.count(Referral.id).label("received"),
            func.coalesce(func.sum(flags.c[SCHEDULED]), 0).label("scheduled"),
            func.coalesce(func.sum(flags.c[VISIT_KEPT]), 0).label("kept"),
            func.coalesce(func.sum(flags.c[CLOSED]), 0).label("closed"),
        )
        .join(Patient, Patient.id == Referral.patient_id)
        .outerjoin(ReferringPractice, ReferringPractice.id == Referral.referring_practice_id)
        .outerjoin(flags, flags.c.referral_id == Referral.id)
        .where(Referral.received_at >= start, Referral.received_at < end)
        .group_by(*keys)
    ).mappings().all()
    return [
        {**row, "lost": int(row["received"]) if row["is_lost"] else 0,
         **{stage: int(row[stage]) for stage in ("received", "scheduled", "kept", "closed")}}
        for row in rows
    ]


def _total(groups: list[dict[str, Any]]) -> dict[str, int]:
    return {stage: sum(group[stage] for group in groups) for stage in (*STAGES, "lost")}


def _breakdown(groups: list[dict[str, Any]], key: str, name: str) -> list[dict[str, Any]]:
    sums: dict[tuple[Any, Any], dict[str, int]] = {}
    for group in groups:
        into = sums.setdefault((group[key], group[name]), dict.fromkeys((*STAGES, "lost"), 0))
        for stage in into:
            into[stage] += group[stage]
    ordered = sorted(sums.items(), key=lambda item: (-item[1]["received"], item[0][1] or ""))
    return [
        {"key": key_value, "name": name_value, **figures,
         "scheduled_rate": _rate(figures["scheduled"], figures["received"])}
        for (key_value, name_value), figures in ordered
    ]


def _leakage(groups: list[dict[str, Any]]) -> dict[str, int]:
    reasons: dict[str | None, int] = {}
    for group in groups:
        reason = group["leakage_reason"]
        if group["lost"]:
            reasons[reason] = reasons.get(reason, 0) + group["lost"]
    ordered = sorted(reasons.items(), key=lambda item: (item[0] is not None, item[0] or ""))
    return {str(reason or "unknown"): count for reason, count in ordered}


def _median(spans: list[int]) -> float | None:
    return round(float(median(spans)), 1) if spans else None


@dataclass(frozen=True)
class _Spans:
    """Days from receipt to the first booking and to a kept visit; booked visits that
    met their target date."""

    to_schedule: list[int]
    to_visit: list[int]
    judged: int
    within: int

    def timely(self) -> dict[str, Any]:
        return {"within_target": self.within, "with_appointment": self.judged,
                "share": _rate(self.within, self.judged)}


def _spans(session: Session, period: FunnelRange) -> _Spans:
    """The time figures from one pass over the cohort's scheduled referrals."""
    start, end = period.instants()
    flags = _reached_flags(period)
    rows = session.execute(
        select(Referral.received_at, flags.c.first_scheduled, flags.c[VISIT_KEPT],
               Referral.target_date, Appointment.start_at, Appointment.timezone)
        .join(flags, flags.c.referral_id == Referral.id)
        .outerjoin(Appointment, Appointment.id == Referral.appointment_id)
        .where(flags.c[SCHEDULED] == 1, Referral.received_at >= start, Referral.received_at < end)
    ).all()
    to_schedule, to_visit, judged, within = [], [], 0, 0
    for received_at, first_scheduled, kept, target, start_at, zone in rows:
        to_schedule.append(_days(received_at, first_scheduled))
        if start_at is None:
            continue
        if kept:
            to_visit.append(_days(received_at, start_at))
        if target is not None:
            judged += 1
            # The target is a local date: the visit's own zone says which day it falls on.
            within += start_at.astimezone(ZoneInfo(zone)).date() <= target
    return _Spans(to_schedule, to_visit, judged, within)


def _days(earlier: datetime, later: datetime) -> int:
    """Whole days, floored and never below 0: the dashboard's per-day roll-up can only
    keep whole days (analytics/rollup_figures.py), and both must say the same."""
    return max(math.floor((later - earlier).total_seconds() / SECONDS_PER_DAY), 0)


def _rate(part: int, whole: int) -> float | None:
    return round(part / whole, 3) if whole else None
