"""What must be true when a case's conversation ends (the case's `expect`)."""

from __future__ import annotations

from zoneinfo import ZoneInfo

from sqlalchemy import select
from sqlalchemy.orm import Session

from referraldesk.models import Appointment, Conversation, Patient, Referral
from referraldesk.simulation.cases import AppointmentExpectation, CallerCase
from referraldesk.simulation.seed import Seeded

_WEEKDAY_KEYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")


def check_case(
    session: Session, case: CallerCase, conversation_id: str, seeded: Seeded, replies: list[str]
) -> list[str]:
    """Every way the ended conversation misses the case's expectations (empty: it passed)."""
    conversation = session.get(Conversation, conversation_id)
    if conversation is None:
        return [f"conversation {conversation_id} was not stored"]
    expect = case.expect
    problems = []
    if conversation.outcome != expect.outcome:
        reason = f" ({conversation.outcome_reason})" if conversation.outcome_reason else ""
        problems.append(f"outcome {conversation.outcome}{reason}, expected {expect.outcome}")
    if expect.language and conversation.language != expect.language:
        problems.append(f"ended in {conversation.language}, expected {expect.language}")
    if expect.max_turns is not None and len(replies) > expect.max_turns:
        problems.append(f"{len(replies)} agent turns, at most {expect.max_turns} allowed")
    problems += _never_said(expect.never_said, replies)
    patient_id = seeded.patient_id or conversation.patient_id
    if expect.appointment is not None:
        problems += _appointment(session, conversation, patient_id, seeded, expect.appointment)
    if expect.outcome in ("rescheduled", "cancelled"):
        problems += _old_appointments_freed(session, seeded)
    if expect.referral_status and seeded.referral_id:
        referral = session.get(Referral, seeded.referral_id)
        if referral is not None and referral.status != expect.referral_status:
            problems.append(f"referral is {referral.status}, expected {expect.referral_status}")
    return problems


def _never_said(forbidden: tuple[str, ...], replies: list[str]) -> list[str]:
    said = " ".join(replies).casefold()
    return [f"the agent said {phrase!r}" for phrase in forbidden if phrase.casefold() in said]


def _appointment(
    session: Session,
    conversation: Conversation,
    patient_id: str | None,
    seeded: Seeded,
    wanted: AppointmentExpectation,
) -> list[str]:
    appointment = _booked_in(session, conversation.id, patient_id, seeded)
    if appointment is None:
        return ["no appointment was booked in this conversation"]
    local = appointment.start_at.astimezone(ZoneInfo(appointment.timezone))
    problems = []
    specialty = appointment.provider.specialty_key
    if wanted.specialty and specialty != wanted.specialty:
        problems.append(f"booked {specialty}, expected {wanted.specialty}")
    if wanted.local_start_before and not local.time() < wanted.local_start_before:
        problems.append(
            f"starts {local:%a %H:%M}, expected before {wanted.local_start_before:%H:%M}"
        )
    if wanted.local_start_after and not local.time() >= wanted.local_start_after:
        problems.append(
            f"starts {local:%a %H:%M}, expected at or after {wanted.local_start_after:%H:%M}"
        )
    if wanted.weekday_in and _WEEKDAY_KEYS[local.weekday()] not in wanted.weekday_in:
        problems.append(f"starts on {local:%a}, expected one of {', '.join(wanted.weekday_in)}")
    if wanted.in_network is not None and _in_network(session, appointment) != wanted.in_network:
        problems.append(f"in network is {not wanted.in_network}, expected {wanted.in_network}")
    return problems


def _booked_in(
    session: Session, conversation_id: str, patient_id: str | None, seeded: Seeded
) -> Appointment | None:
    by_conversation = session.scalars(
        select(Appointment).where(
            Appointment.conversation_id == conversation_id, Appointment.status == "booked"
        )
    ).first()
    if by_conversation is not None or patient_id is None:
        return by_conversation
    # A booking tool that does not stamp the conversation: any new booked appointment.
    return session.scalars(
        select(Appointment).where(
            Appointment.patient_id == patient_id,
            Appointment.status == "booked",
            Appointment.id.not_in(seeded.appointment_ids or [""]),
        )
    ).first()


def _in_network(session: Session, appointment: Appointment) -> bool:
    patient = session.get(Patient, appointment.patient_id)
    if patient is None:
        return False
    plans = [coverage.plan for coverage in patient.coverages if coverage.is_primary]
    if not plans:
        return False
    plan = plans[0]
    return plan.kind == "self_pay" or any(p.id == plan.id for p in appointment.provider.plans)


def _old_appointments_freed(session: Session, seeded: Seeded) -> list[str]:
    problems = []
    for appointment_id in seeded.appointment_ids:
        appointment = session.get(Appointment, appointment_id)
        if appointment is not None and appointment.status == "booked":
            problems.append(
                f"the appointment on file ({appointment.start_at:%Y-%m-%d %H:%M}Z) is still booked"
            )
    return problems
