"""Whether the patient came: recorded by staff, read from the calendar, or imported.

A kept visit moves the referral scheduled -> visit_kept (the loop then waits for the
consult note). A missed one moves it scheduled -> no_show (the referrer gets SIU^S26)
and straight on to contacting, so outreach offers the patient a new visit.
"""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass, field
from datetime import timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import select
from sqlalchemy.orm import Session

from referraldesk.audit import trail
from referraldesk.audit.trail import Actor
from referraldesk.clock import now
from referraldesk.errors import IllegalTransition, InvalidArgument, NotFound
from referraldesk.logging import get_logger
from referraldesk.models import Appointment, Referral
from referraldesk.referrals.appointments import on_appointment_fulfilled, on_appointment_no_show
from referraldesk.referrals.lifecycle import CONTACTING, NO_SHOW, SCHEDULED, VISIT_KEPT
from referraldesk.referrals.transitions import transition

log = get_logger(__name__)

FULFILLED = "fulfilled"
MISSED = "no_show"
_KEPT_WORDS = {
    "kept": True,
    "fulfilled": True,
    "attended": True,
    "arrived": True,
    "seen": True,
    "no_show": False,
    "noshow": False,
    "no-show": False,
    "missed": False,
}
CSV_COLUMNS = ("appointment_id", "referral_id", "status")
# A patient checked in this long before the booked time may be recorded as seen.
EARLY_CHECK_IN = timedelta(hours=2)


@dataclass
class VisitImport:
    """What a schedule import did: referral ids kept / missed, and rows left alone."""

    kept: list[str] = field(default_factory=list)
    missed: list[str] = field(default_factory=list)
    unchanged: list[int] = field(default_factory=list)


def record_visit(
    session: Session, actor: Actor, referral_id: str, kept: bool, *, from_calendar: bool = False
) -> Referral:
    """Record whether the patient came to the referral's booked visit.

    Staff and schedule files may record a visit only once it has begun (a patient may
    check in a little early); `from_calendar` is for the practice's own calendar, which
    saw the patient arrive or not and is taken at its word."""
    referral = session.get(Referral, referral_id)
    if referral is None:
        raise NotFound(f"no referral with id {referral_id!r}", field="referral_id")
    if referral.status != SCHEDULED:
        raise IllegalTransition(
            f"referral {referral_id!r} is {referral.status}; a visit can be recorded only for a "
            "scheduled referral (book the visit first)",
            field="status",
        )
    appointment = (
        session.get(Appointment, referral.appointment_id) if referral.appointment_id else None
    )
    if appointment is not None and not from_calendar:
        problem = visit_still_to_come(appointment, kept)
        if problem:
            raise IllegalTransition(f"referral {referral_id!r}: {problem}", field="kept")
    if appointment is not None:
        appointment.status = FULFILLED if kept else MISSED
        session.flush()
        hook = on_appointment_fulfilled if kept else on_appointment_no_show
        hook(session, actor, appointment)
    if referral.status == SCHEDULED:
        # No appointment on our calendar (booked elsewhere): move the referral itself.
        transition(
            session,
            actor,
            referral,
            VISIT_KEPT if kept else NO_SHOW,
            reason="visit kept" if kept else "patient did not come",
        )
    if referral.status == NO_SHOW:
        transition(session, actor, referral, CONTACTING, reason="rebooking after a no-show")
    trail.record(
        session,
        actor,
        "update",
        "referral",
        referral.id,
        patient_id=referral.patient_id,
        reason=f"visit {'kept' if kept else 'missed'}",
    )
    return referral


def visit_still_to_come(appointment: Appointment, kept: bool) -> str | None:
    """Why the visit cannot be recorded yet, or None when it can."""
    at = now()
    start = appointment.start_at
    if kept and start > at + EARLY_CHECK_IN:
        return (
            f"the visit at {_local(appointment)} has not begun; record it once the patient arrives"
        )
    if not kept and start > at:
        return f"the visit at {_local(appointment)} has not begun, so it cannot be missed yet"
    return None


def _local(appointment: Appointment) -> str:
    local = appointment.start_at.astimezone(ZoneInfo(appointment.timezone))
    return f"{local:%Y-%m-%d %H:%M} ({appointment.timezone})"


def sync_visits(session: Session, actor: Actor) -> VisitImport:
    """Move every scheduled referral whose appointment is fulfilled or a no-show (nightly)."""
    rows = session.execute(
        select(Referral.id, Appointment.status)
        .join(Appointment, Appointment.id == Referral.appointment_id)
        .where(Referral.status == SCHEDULED, Appointment.status.in_((FULFILLED, MISSED)))
        .order_by(Referral.id)
    ).all()
    done = VisitImport()
    for referral_id, status in rows:
        kept = status == FULFILLED
        record_visit(session, actor, referral_id, kept, from_calendar=True)
        (done.kept if kept else done.missed).append(referral_id)
    log.info("visits_synced", kept=len(done.kept), missed=len(done.missed))
    return done


def import_visits_csv(session: Session, actor: Actor, text: str) -> VisitImport:
    """Apply a CSV of the practice's schedule: `status` (kept | no_show) per
    `appointment_id` or `referral_id`. Every bad row is reported at once, before any change."""
    rows, problems = _read_rows(session, text)
    if problems:
        raise InvalidArgument(
            "the schedule file has problems: " + "; ".join(problems), field="file"
        )
    done = VisitImport()
    for line, referral, kept in rows:
        if referral.status != SCHEDULED:
            done.unchanged.append(line)
            continue
        record_visit(session, actor, referral.id, kept)
        (done.kept if kept else done.missed).append(referral.id)
    return done


def _read_rows(session: Session, text: str) -> tuple[list[tuple[int, Referral, bool]], list[str]]:
    reader = csv.DictReader(io.StringIO(text.lstrip("\ufeff")))
    header = [name.strip().lower() for name in reader.fieldnames or []]
    if "status" not in header or not {"appointment_id", "referral_id"} & set(header):
        return [], [
            "the header must name status and appointment_id or referral_id "
            f"(found: {', '.join(header) or 'none'})"
        ]
    rows: list[tuple[int, Referral, bool]] = []
    problems: list[str] = []
    said: dict[str, tuple[int, bool]] = {}
    for raw in reader:
        # The file's own line (blank lines are skipped, not counted as rows); values
        # past the header's columns (a trailing comma) belong to no column.
        line = reader.line_num
        row = {key.strip().lower(): (value or "").strip() for key, value in raw.items() if key}
        kept = _KEPT_WORDS.get(row.get("status", "").lower())
        referral = _referral_for(session, row)
        if kept is None:
            problems.append(f"line {line}: status {row.get('status')!r} is not kept or no_show")
        if referral is None:
            problems.append(f"line {line}: no referral matches this appointment_id / referral_id")
        if kept is not None and referral is not None:
            problem = _too_early(session, referral, kept) or _contradicts(said, referral, kept)
            said.setdefault(referral.id, (line, kept))
            if problem:
                problems.append(f"line {line}: {problem}")
            else:
                rows.append((line, referral, kept))
    return rows, problems


def _contradicts(said: dict[str, tuple[int, bool]], referral: Referral, kept: bool) -> str | None:
    earlier = said.get(referral.id)
    if earlier is None or earlier[1] == kept:
        return None
    return f"referral {referral.id!r} is marked {_word(earlier[1])} on line {earlier[0]}"


def _word(kept: bool) -> str:
    return "kept" if kept else "no_show"


def _too_early(session: Session, referral: Referral, kept: bool) -> str | None:
    if referral.status != SCHEDULED or not referral.appointment_id:
        return None
    appointment = session.get(Appointment, referral.appointment_id)
    return visit_still_to_come(appointment, kept) if appointment is not None else None


def _referral_for(session: Session, row: dict[str, str]) -> Referral | None:
    if row.get("referral_id"):
        return session.get(Referral, row["referral_id"])
    key = row.get("appointment_id")
    if not key:
        return None
    appointment = session.scalar(
        select(Appointment)
        .where((Appointment.id == key) | (Appointment.external_id == key))
        .limit(1)
    )
    if appointment is None:
        return None
    referral_id = appointment.referral_id
    return session.get(Referral, referral_id) if referral_id else None
