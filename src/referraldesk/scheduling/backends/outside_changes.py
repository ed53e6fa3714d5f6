"""Changes made in the practice's own calendar, applied to our copy of an appointment.

The practice-management system (over HL7 SIU) and the EHR (read back over FHIR)
cancel, move and close visits without asking us. These apply such a change to the
local Appointment row and move its referral the way a change made here would: a
kept visit or a no-show through the loop's `record_visit` (the referrer hears), a
cancellation through the referral hooks. Nothing is sent back to the calendar the
change came from. The caller has locked the appointment and checked it is booked.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy.orm import Session

from referraldesk.audit.trail import Actor, record
from referraldesk.clock import now
from referraldesk.loop.outbox import queue_for_reschedule
from referraldesk.loop.visits import FULFILLED, MISSED, record_visit
from referraldesk.models import Appointment, Referral
from referraldesk.referrals.appointments import on_appointment_cancelled
from referraldesk.referrals.lifecycle import SCHEDULED

CANCELLED = "cancelled"


def referral_of(session: Session, appointment: Appointment) -> Referral | None:
    return session.get(Referral, appointment.referral_id) if appointment.referral_id else None


def apply_cancel(
    session: Session, actor: Actor, appointment: Appointment, reason: str, *, source: str
) -> Referral | None:
    """Cancelled there: cancelled here, and a scheduled referral goes back to contacting."""
    appointment.status = CANCELLED
    appointment.cancelled_at = now()
    appointment.cancel_reason = reason[:200]
    session.flush()
    referral = on_appointment_cancelled(session, actor, appointment)
    audit(session, actor, "cancel", appointment, f"cancelled by {source}")
    return referral or referral_of(session, appointment)


def apply_visit(
    session: Session, actor: Actor, appointment: Appointment, *, kept: bool, source: str
) -> Referral | None:
    """Kept or missed there: the appointment closes and its scheduled referral moves."""
    referral = referral_of(session, appointment)
    if (
        referral is not None
        and referral.status == SCHEDULED
        and referral.appointment_id == appointment.id
    ):
        # The loop's own path: the referral moves and the referrer hears (SIU^S26).
        record_visit(session, actor, referral.id, kept, from_calendar=True)
    else:
        appointment.status = FULFILLED if kept else MISSED
        session.flush()
        audit(
            session,
            actor,
            "update",
            appointment,
            f"visit {'kept' if kept else 'missed'} per {source}",
        )
    return referral


def apply_move(
    session: Session,
    actor: Actor,
    appointment: Appointment,
    start: datetime,
    end: datetime,
    *,
    source: str,
) -> Referral | None:
    """Moved there: new times here; the referrer of a scheduled referral hears of it."""
    was = appointment.start_at
    appointment.start_at, appointment.end_at = start, end
    session.flush()
    session.refresh(appointment)
    referral = referral_of(session, appointment)
    if (
        referral is not None
        and referral.status == SCHEDULED
        and referral.appointment_id == appointment.id
    ):
        queue_for_reschedule(session, referral)
    audit(session, actor, "reschedule", appointment, f"moved by {source} from {was.isoformat()}")
    return referral


def audit(
    session: Session, actor: Actor, action: str, appointment: Appointment, reason: str
) -> None:
    record(
        session,
        actor,
        action,
        "appointment",
        appointment.id,
        patient_id=appointment.patient_id,
        reason=reason,
    )
