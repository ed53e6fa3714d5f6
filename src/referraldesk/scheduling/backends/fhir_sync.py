"""What changed in the practice's EHR calendar, brought back to the bookings we made there.

Staff cancel, move and close visits in the EHR; the agent booked them, so our copy
(the local Appointment row whose `external_id` is the EHR's id) and the referral
must follow. Each booked copy from LOOKBACK ago onwards is read back by id, a read
every server offers. A change found is applied in its own short transaction,
after the reads: on SQLite a transaction holds the write lock, which must not wait
on the network. Applying re-checks the row under its lock, so a change made here
meanwhile wins, and a second run finds nothing left to do.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import Engine, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from referraldesk.audit.trail import Actor
from referraldesk.clock import now
from referraldesk.db.session import session_scope
from referraldesk.errors import DomainError, NotFound, Unavailable
from referraldesk.logging import get_logger
from referraldesk.models import BOOKED, Appointment
from referraldesk.scheduling.backends import outside_changes
from referraldesk.scheduling.backends.fhir_calendar import FhirCalendar
from referraldesk.scheduling.backends.fhir_http import FhirHttp
from referraldesk.scheduling.backends.selection import calendar_for
from referraldesk.scheduling.locks import lock_appointment, lock_provider

log = get_logger(__name__)

Resource = dict[str, Any]
SYNC_ACTOR = Actor(name="system:fhir_sync", role="system")
SOURCE = "the practice's EHR calendar"
# Visits of the last two weeks may still be marked kept or missed in the EHR.
LOOKBACK = timedelta(days=14)
# Reads per run; the earliest visits first, as they are the ones being closed.
MAX_READS = 1000

CANCEL = "cancelled"
KEPT = "kept"
MISSED = "no_show"
MOVE = "moved"
_EVENTS = {
    "cancelled": CANCEL,
    "entered-in-error": CANCEL,
    "noshow": MISSED,
    "fulfilled": KEPT,
    "arrived": KEPT,
    "checked-in": KEPT,
}
_STILL_BOOKED = ("booked", "pending")


@dataclass(frozen=True)
class Mirror:
    """Our copy of one EHR booking, as it stood before the read."""

    appointment_id: str
    external_id: str
    start: datetime
    end: datetime


@dataclass(frozen=True)
class Change:
    mirror: Mirror
    event: str
    start: datetime | None = None
    end: datetime | None = None
    reason: str = ""


@dataclass
class SyncReport:
    """Appointment ids per outcome; `missing` are gone from the EHR (left for staff)."""

    read: int = 0
    cancelled: list[str] = field(default_factory=list)
    kept: list[str] = field(default_factory=list)
    no_show: list[str] = field(default_factory=list)
    moved: list[str] = field(default_factory=list)
    missing: list[str] = field(default_factory=list)
    refused: list[str] = field(default_factory=list)
    stopped: bool = False

    def counts(self) -> dict[str, int | bool]:
        return {
            "read": self.read,
            "cancelled": len(self.cancelled),
            "kept": len(self.kept),
            "no_show": len(self.no_show),
            "moved": len(self.moved),
            "missing": len(self.missing),
            "refused": len(self.refused),
            "stopped": self.stopped,
        }


def sync_from_ehr(engine: Engine | None = None, *, actor: Actor = SYNC_ACTOR) -> SyncReport:
    """Read back our bookings in the EHR and apply what changed; nothing when the practice
    books into the built-in calendar."""
    report = SyncReport()
    with session_scope(engine) as session:
        calendar = calendar_for(session)
        if not isinstance(calendar, FhirCalendar):
            return report
        mirrors = mirrored(session)
    changes = _read_changes(calendar.http, mirrors, report)
    for change in changes:
        _apply_one(engine, actor, change, report)
    log.info("fhir_sync_done", **report.counts())
    return report


def mirrored(session: Session) -> list[Mirror]:
    """Booked appointments held in the EHR: a bare FHIR id in `external_id` (the SIU feed
    and our own FHIR server key theirs `siu:` and `fhir:`; a FHIR id has no colon)."""
    rows = session.execute(
        select(Appointment.id, Appointment.external_id, Appointment.start_at, Appointment.end_at)
        .where(
            Appointment.status == BOOKED,
            Appointment.external_id.is_not(None),
            Appointment.external_id.not_like("%:%"),
            Appointment.start_at >= now() - LOOKBACK,
        )
        .order_by(Appointment.start_at, Appointment.id)
        .limit(MAX_READS)
    ).all()
    return [Mirror(row.id, row.external_id, row.start_at, row.end_at) for row in rows]


def change_of(mirror: Mirror, remote: Resource) -> Change | None:
    """What the EHR's Appointment says happened to our copy, if anything."""
    status = str(remote.get("status") or "")
    event = _EVENTS.get(status)
    if event == CANCEL:
        reason = (remote.get("cancelationReason") or {}).get("text") or "cancelled in the EHR"
        return Change(mirror, CANCEL, reason=str(reason))
    if event is not None:
        return Change(mirror, event)
    if status not in _STILL_BOOKED:
        return None
    start, end = _instant(remote.get("start")), _instant(remote.get("end"))
    if start is None or end is None or end <= start:
        return None
    if (start, end) == (mirror.start, mirror.end):
        return None
    return Change(mirror, MOVE, start=start, end=end)


def _read_changes(http: FhirHttp, mirrors: list[Mirror], report: SyncReport) -> list[Change]:
    changes = []
    for mirror in mirrors:
        try:
            remote = http.get(f"Appointment/{mirror.external_id}")
        except NotFound:
            report.missing.append(mirror.appointment_id)
            log.warning("fhir_sync_missing", appointment_id=mirror.appointment_id)
            continue
        except Unavailable:
            # The EHR stopped answering: what was read still counts; the rest waits.
            report.stopped = True
            break
        except DomainError:
            report.missing.append(mirror.appointment_id)
            log.warning("fhir_sync_unreadable", appointment_id=mirror.appointment_id)
            continue
        report.read += 1
        if remote.get("resourceType") != "Appointment":
            report.missing.append(mirror.appointment_id)
            continue
        change = change_of(mirror, remote)
        if change is not None:
            changes.append(change)
    return changes


def _apply_one(engine: Engine | None, actor: Actor, change: Change, report: SyncReport) -> None:
    appointment_id = change.mirror.appointment_id
    try:
        with session_scope(engine) as session:
            done = _apply(session, actor, change)
    except (DomainError, IntegrityError) as exc:
        # A local booking holds the new time, say: the next run tries again.
        report.refused.append(appointment_id)
        log.warning(
            "fhir_sync_refused",
            appointment_id=appointment_id,
            change=change.event,
            error=type(exc).__name__,
        )
        return
    if done:
        getattr(report, change.event).append(appointment_id)
        log.info("fhir_sync_applied", appointment_id=appointment_id, change=change.event)


def _apply(session: Session, actor: Actor, change: Change) -> bool:
    current = session.get(Appointment, change.mirror.appointment_id)
    if current is None:
        return False
    lock_provider(session, current.provider_id)
    appointment = lock_appointment(session, current.id)
    if appointment.status != BOOKED or appointment.external_id != change.mirror.external_id:
        return False
    if change.event == CANCEL:
        outside_changes.apply_cancel(session, actor, appointment, change.reason, source=SOURCE)
    elif change.event in (KEPT, MISSED):
        outside_changes.apply_visit(
            session, actor, appointment, kept=change.event == KEPT, source=SOURCE
        )
    else:
        assert change.start is not None and change.end is not None
        outside_changes.apply_move(
            session, actor, appointment, change.start, change.end, source=SOURCE
        )
    return True


def _instant(value: object) -> datetime | None:
    if not isinstance(value, str):
        return None
    try:
        moment = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        return None
    return moment.astimezone(UTC) if moment.tzinfo is not None else None
