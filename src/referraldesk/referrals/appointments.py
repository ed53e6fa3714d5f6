"""What happens to a referral when its appointment is booked, moved, missed or kept.

The scheduling service calls these hooks in its own transaction, after it has
changed the appointment. A hook never refuses the booking: when the referral cannot
move (still needs information, already closed) the appointment is linked and the
state is left for a coordinator, with an event in the log.
"""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from referraldesk.audit.trail import Actor
from referraldesk.logging import get_logger
from referraldesk.models import Appointment, Provider, Referral
from referraldesk.referrals.lifecycle import (
    ACCEPTED,
    CONTACTING,
    NO_SHOW,
    SCHEDULED,
    VISIT_KEPT,
    check_transition,
)
from referraldesk.referrals.transitions import transition

log = get_logger(__name__)

# The legal walk from each state to `scheduled`; a no-show goes back through
# contacting, as the lifecycle table says.
_TO_SCHEDULED: dict[str, tuple[str, ...]] = {
    ACCEPTED: (SCHEDULED,),
    CONTACTING: (SCHEDULED,),
    NO_SHOW: (CONTACTING, SCHEDULED),
    SCHEDULED: (),
}


def link_appointment(
    session: Session,
    actor: Actor,
    referral: Referral,
    appointment: Appointment,
    *,
    reason: str | None = None,
) -> Referral:
    """Link the appointment and move the referral to scheduled along legal moves.

    Raises IllegalTransition when the referral's state has no way to scheduled
    (received, needs_info, or terminal).
    """
    steps = _TO_SCHEDULED.get(referral.status)
    if steps is None:
        check_transition(referral.status, SCHEDULED)
        steps = ()
    _link(referral, appointment)
    for step in steps:
        step_reason = "appointment booked" if step == SCHEDULED else "rebooking after a no-show"
        transition(session, actor, referral, step, reason=reason or step_reason)
    session.flush()
    return referral


def on_appointment_booked(
    session: Session, actor: Actor, appointment: Appointment
) -> Referral | None:
    """Booked: move the appointment's referral (or the patient's open referral for
    that specialty) to scheduled. Returns the referral touched, or None."""
    referral = _referral_of(session, appointment) or _waiting_referral(session, appointment)
    if referral is None:
        return None
    if referral.status not in _TO_SCHEDULED:
        _link(referral, appointment)
        session.flush()
        log.info(
            "referral_not_advanced",
            referral_id=referral.id,
            status=referral.status,
            appointment_id=appointment.id,
        )
        return referral
    return link_appointment(session, actor, referral, appointment)


def on_appointment_rescheduled(
    session: Session, actor: Actor, old: Appointment, new: Appointment
) -> Referral | None:
    """Moved: the referral follows the new appointment without leaving scheduled."""
    referral = _referral_of(session, old)
    if referral is None:
        return on_appointment_booked(session, actor, new)
    if referral.appointment_id in (None, old.id) and referral.status == SCHEDULED:
        _link(referral, new)
        session.flush()
        # The referrer heard SIU^S12 for the old time; a cycle with loop.outbox, hence here.
        from referraldesk.loop.outbox import queue_for_reschedule

        queue_for_reschedule(session, referral)
        log.info("referral_appointment_moved", referral_id=referral.id, appointment_id=new.id)
        return referral
    return on_appointment_booked(session, actor, new)


def on_appointment_cancelled(
    session: Session, actor: Actor, appointment: Appointment
) -> Referral | None:
    """Cancelled: a scheduled referral goes back to contacting and loses the link."""
    referral = _linked_referral(session, appointment)
    if referral is None:
        return None
    referral.appointment_id = None
    if referral.status == SCHEDULED:
        transition(session, actor, referral, CONTACTING, reason="appointment cancelled")
    session.flush()
    return referral


def on_appointment_no_show(
    session: Session, actor: Actor, appointment: Appointment
) -> Referral | None:
    """Missed: a scheduled referral records the no-show (outreach moves it on)."""
    return _advance_linked(session, actor, appointment, NO_SHOW, "patient did not come")


def on_appointment_fulfilled(
    session: Session, actor: Actor, appointment: Appointment
) -> Referral | None:
    """Kept: the referral waits only for the consult note to reach the referrer."""
    return _advance_linked(session, actor, appointment, VISIT_KEPT, "visit kept")


def _advance_linked(
    session: Session, actor: Actor, appointment: Appointment, to_status: str, reason: str
) -> Referral | None:
    referral = _linked_referral(session, appointment)
    if referral is None or referral.status != SCHEDULED:
        return referral
    return transition(session, actor, referral, to_status, reason=reason)


def _link(referral: Referral, appointment: Appointment) -> None:
    referral.appointment_id = appointment.id
    if appointment.referral_id is None:
        appointment.referral_id = referral.id


def _referral_of(session: Session, appointment: Appointment) -> Referral | None:
    if appointment.referral_id is None:
        return None
    return session.get(Referral, appointment.referral_id)


def _linked_referral(session: Session, appointment: Appointment) -> Referral | None:
    # Only the appointment the referral currently points at moves it: cancelling an
    # older one after a reschedule must not undo the new booking.
    referral = _referral_of(session, appointment)
    if referral is None or referral.appointment_id != appointment.id:
        return None
    return referral


def _waiting_referral(session: Session, appointment: Appointment) -> Referral | None:
    provider = appointment.provider or session.get(Provider, appointment.provider_id)
    if provider is None:
        return None
    return session.scalar(
        select(Referral)
        .where(
            Referral.patient_id == appointment.patient_id,
            Referral.specialty_key == provider.specialty_key,
            Referral.status.in_((ACCEPTED, CONTACTING, NO_SHOW)),
        )
        .order_by(Referral.received_at.desc(), Referral.id)
        .limit(1)
    )
