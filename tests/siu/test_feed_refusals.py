"""SIU events the feed refuses with AE and nothing changed: an erased patient's
appointment, a booking or move into the past, a length of zero or less."""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy import func, select
from sqlalchemy.orm import Session
from tests.siu.support import PM, ack_code, ack_text, siu

from referraldesk.audit.trail import Actor
from referraldesk.intake.hl7.service import receive_hl7
from referraldesk.models import Appointment
from referraldesk.rights.erase import erase_patient

ADMIN = Actor(name="admin:dana", role="admin")
MONDAY_NINE_UTC = datetime(2026, 3, 9, 16, 0, tzinfo=UTC)


def take(session: Session, text: str) -> str:
    outcome = receive_hl7(session, PM, text, channel="hl7_http")
    session.commit()
    return outcome.reply


def appointment_of(session: Session, filler_id: str = "PM-1001") -> Appointment | None:
    return session.scalars(
        select(Appointment).where(Appointment.external_id == f"siu:PMS:{filler_id}")
    ).one_or_none()


def appointment_count(session: Session) -> int:
    return session.scalar(select(func.count()).select_from(Appointment)) or 0


def test_it_refuses_to_move_an_erased_patients_appointment(session: Session) -> None:
    take(session, siu("S12"))
    booked = appointment_of(session)
    assert booked is not None
    erase_patient(session, ADMIN, booked.patient_id, reason="deletion request",
                  confirm=booked.patient_id)
    session.commit()

    moved = take(session, siu("S13", start="202603091030", control_id="S13-after-erase"))
    rebooked = take(session, siu("S12", start="202603091100", control_id="S12-after-erase"))

    session.refresh(booked)
    assert [ack_code(moved), ack_code(rebooked)] == ["AE", "AE"]
    assert "erased" in ack_text(moved) and "erased" in ack_text(rebooked)
    assert booked.start_at == MONDAY_NINE_UTC
    assert appointment_count(session) == 1


def test_a_cancel_for_an_erased_patient_still_frees_the_slot(session: Session) -> None:
    take(session, siu("S12"))
    booked = appointment_of(session)
    assert booked is not None
    erase_patient(session, ADMIN, booked.patient_id, reason="deletion request",
                  confirm=booked.patient_id)
    session.commit()

    reply = take(session, siu("S15", status="Cancelled"))

    session.refresh(booked)
    assert ack_code(reply) == "AA"
    assert booked.status == "cancelled"


def test_it_refuses_a_booking_that_starts_in_the_past(session: Session) -> None:
    reply = take(session, siu("S12", start="202001010900"))

    assert ack_code(reply) == "AE"
    assert "past" in ack_text(reply)
    assert appointment_count(session) == 0


def test_it_refuses_a_move_into_the_past_and_keeps_the_booking(session: Session) -> None:
    take(session, siu("S12"))

    reply = take(session, siu("S13", start="202603040900"))

    booked = appointment_of(session)
    assert ack_code(reply) == "AE"
    assert booked is not None and booked.start_at == MONDAY_NINE_UTC


def test_a_kept_visit_in_the_past_is_still_recorded(session: Session) -> None:
    take(session, siu("S12"))

    reply = take(session, siu("S14", status="Complete"))

    booked = appointment_of(session)
    assert ack_code(reply) == "AA"
    assert booked is not None and booked.status == "fulfilled"


def test_it_refuses_a_booking_of_zero_or_negative_length(session: Session) -> None:
    zero = take(session, siu("S12", minutes=0))
    negative = take(session, siu("S12", "PM-1002", minutes=-15))

    assert [ack_code(zero), ack_code(negative)] == ["AE", "AE"]
    assert "AIS-7" in ack_text(zero) and "positive" in ack_text(negative)
    assert appointment_count(session) == 0


def _ending(end: str, filler_id: str) -> str:
    """A booking at Monday nine whose TQ1-8 says it ends at `end`."""
    booked = "TQ1|1||||||202603090900|"
    return siu("S12", filler_id).replace(booked, booked + end)


def test_it_refuses_an_end_outside_the_years_or_days_after_the_start(session: Session) -> None:
    far = take(session, _ending("999912312359", "PM-1003"))
    week = take(session, _ending("202603160900", "PM-1004"))
    shifted = take(session, _ending("202603091000+2500", "PM-1005"))

    assert [ack_code(far), ack_code(week), ack_code(shifted)] == ["AE", "AE", "AE"]
    assert ack_text(far).startswith("TQ1-8: '999912312359' is outside the years 1900-2200")
    assert ack_text(week).startswith("TQ1-8: the appointment ends more than a day")
    assert ack_text(shifted).startswith("TQ1-8: '202603091000+2500' has the offset +2500")
    assert appointment_count(session) == 0


def test_it_books_to_the_end_tq1_8_gives(session: Session) -> None:
    take(session, _ending("202603091045", "PM-1006"))

    booked = appointment_of(session, "PM-1006")
    assert booked is not None
    assert (booked.end_at - booked.start_at).total_seconds() == 105 * 60
