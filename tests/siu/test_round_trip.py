"""Bookings the agent made come back from the PM system: its echo of our SIU^S12 (its
own filler id in SCH-2, ours in SCH-1), then its moves, cancellations, kept visits and
no-shows of that booking move our appointment and the referral."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session
from tests.outreach.support import outbox, refer, register, segment
from tests.siu.support import PM, ack_code, ack_text, siu

from referraldesk.intake.hl7.service import receive_hl7
from referraldesk.models import Appointment, Practice, Provider, Referral, ScheduleFeedMessage
from referraldesk.scheduling.booking import BookingRequest, book, reschedule
from referraldesk.scheduling.slots import slot_id

VISALIA = ZoneInfo("America/Los_Angeles")
MONDAY_NINE = datetime(2026, 3, 9, 9, 0, tzinfo=VISALIA)
MONDAY_NINE_UTC = datetime(2026, 3, 9, 16, 0, tzinfo=UTC)
FILLER_KEY = "siu:PMS:PM-5001"


def take(session: Session, text: str) -> str:
    outcome = receive_hl7(session, PM, text, channel="hl7_http")
    session.commit()
    return outcome.reply


def appointment_count(session: Session) -> int:
    return session.scalar(select(func.count()).select_from(Appointment)) or 0


def feed_types(session: Session) -> list[str]:
    return list(session.scalars(select(ScheduleFeedMessage.message_type)
                                .order_by(ScheduleFeedMessage.created_at)))


@pytest.fixture
def agent_booking(session: Session) -> tuple[Appointment, Referral]:
    """The agent books Monday 09:00 for a referral; the practice has an SIU feed out."""
    practice = session.scalars(select(Practice)).one()
    practice.policy = {**practice.policy, "scheduling_feed": {"send_to": "mllp://pm.example:2575"}}
    patient = register(session)
    referral = refer(session, patient)
    provider = session.scalars(select(Provider).where(Provider.npi == "1904000118")).one()
    appointment = book(session, PM, BookingRequest(
        patient_id=patient.id, provider_id=provider.id, start=MONDAY_NINE,
        referral_id=referral.id, channel="voice"))
    session.commit()
    assert referral.status == "scheduled"
    return appointment, referral


def test_the_echo_of_our_s12_is_the_same_booking_and_keeps_the_pm_filler_id(
    session: Session, agent_booking: tuple[Appointment, Referral]
) -> None:
    appointment, referral = agent_booking
    [sent] = session.scalars(select(ScheduleFeedMessage)).all()
    placer = segment(sent.payload, "SCH")[1]

    reply = take(session, siu("S12", "PM-5001", our_id=placer.split("^")[0]))

    session.refresh(appointment)
    session.refresh(referral)
    assert placer == f"{appointment.id}^REFERRALDESK"
    assert ack_code(reply) == "AA"
    assert ack_text(reply) == f"appointment {appointment.id} unchanged"
    assert appointment.filler_id == FILLER_KEY
    assert appointment.status == "booked" and appointment.start_at == MONDAY_NINE_UTC
    assert appointment_count(session) == 1
    assert referral.status == "scheduled" and referral.appointment_id == appointment.id
    # Nothing is sent back for a change the PM system made itself.
    assert feed_types(session) == ["SIU^S12"]


def test_s26_naming_only_the_pm_filler_id_records_the_no_show(
    session: Session, agent_booking: tuple[Appointment, Referral]
) -> None:
    appointment, referral = agent_booking
    take(session, siu("S12", "PM-5001", our_id=appointment.id))

    reply = take(session, siu("S26", "PM-5001", status="Noshow"))

    session.refresh(appointment)
    session.refresh(referral)
    assert ack_code(reply) == "AA"
    assert ack_text(reply) == f"appointment {appointment.id} no-show"
    assert appointment.status == "no_show"
    assert [t.to_status for t in referral.history][-2:] == ["no_show", "contacting"]
    assert "SIU^S26" in [m.message_type for m in outbox(session, referral.id)]


def test_s14_kept_with_our_id_in_sch1_closes_the_visit(
    session: Session, agent_booking: tuple[Appointment, Referral]
) -> None:
    appointment, referral = agent_booking

    reply = take(session, siu("S14", "PM-5001", status="Complete", our_id=appointment.id))

    session.refresh(appointment)
    session.refresh(referral)
    assert ack_text(reply) == f"appointment {appointment.id} kept"
    assert appointment.status == "fulfilled"
    assert appointment.filler_id == FILLER_KEY
    assert referral.status == "visit_kept"


def test_s15_cancels_the_agent_booking_and_the_referral_goes_back_to_contacting(
    session: Session, agent_booking: tuple[Appointment, Referral]
) -> None:
    appointment, referral = agent_booking

    reply = take(session, siu("S15", "PM-5001", status="Cancelled", our_id=appointment.id))
    repeat = take(session, siu("S15", "PM-5001", status="Cancelled"))

    session.refresh(appointment)
    session.refresh(referral)
    assert ack_code(reply) == "AA" and ack_code(repeat) == "AA"
    assert ack_text(repeat) == f"appointment {appointment.id} unchanged"
    assert appointment.status == "cancelled"
    assert appointment.cancel_reason == "Follow-up"
    assert referral.status == "contacting" and referral.appointment_id is None
    assert feed_types(session) == ["SIU^S12"]


def test_s13_moves_the_agent_booking_and_the_referrer_hears_s13(
    session: Session, agent_booking: tuple[Appointment, Referral]
) -> None:
    appointment, referral = agent_booking

    reply = take(session, siu("S13", "PM-5001", start="202603091030", our_id=appointment.id))

    session.refresh(appointment)
    session.refresh(referral)
    assert ack_text(reply) == f"appointment {appointment.id} moved"
    assert appointment.start_at == MONDAY_NINE_UTC + timedelta(minutes=90)
    assert referral.status == "scheduled" and referral.appointment_id == appointment.id
    assert outbox(session, referral.id)[-1].message_type == "SIU^S13"
    assert appointment_count(session) == 1


def test_sch1_names_the_first_booking_of_a_chain_and_the_current_one_is_changed(
    session: Session, agent_booking: tuple[Appointment, Referral]
) -> None:
    first, referral = agent_booking
    moved = reschedule(session, PM, first.id,
                       slot_id(first.provider_id, first.location_id,
                               MONDAY_NINE + timedelta(hours=1)))
    session.commit()
    placer = segment(session.scalars(select(ScheduleFeedMessage).where(
        ScheduleFeedMessage.message_type == "SIU^S13")).one().payload, "SCH")[1]

    reply = take(session, siu("S26", "PM-5001", status="Noshow", our_id=placer.split("^")[0]))

    session.refresh(first)
    session.refresh(moved)
    session.refresh(referral)
    assert placer == f"{first.id}^REFERRALDESK"
    assert ack_text(reply) == f"appointment {moved.id} no-show"
    assert (first.status, moved.status) == ("cancelled", "no_show")
    assert moved.filler_id == FILLER_KEY and first.filler_id is None
    assert referral.status == "contacting"


def test_an_unknown_id_of_ours_in_sch1_is_refused_and_books_nothing(session: Session) -> None:
    reply = take(session, siu("S12", "PM-5001", our_id="nosuchappointment00"))

    assert ack_code(reply) == "AE"
    assert "ERR||SCH^1^1|204^Unknown key identifier" in reply
    assert appointment_count(session) == 0


def test_what_we_send_after_the_echo_names_the_pm_filler_id_in_sch2(
    session: Session, agent_booking: tuple[Appointment, Referral]
) -> None:
    first, _ = agent_booking
    [sent] = session.scalars(select(ScheduleFeedMessage)).all()
    take(session, siu("S12", "PM-5001", our_id=segment(sent.payload, "SCH")[1].split("^")[0]))

    moved = reschedule(session, PM, first.id,
                       slot_id(first.provider_id, first.location_id,
                               MONDAY_NINE + timedelta(hours=1)))
    session.commit()
    s13 = session.scalars(select(ScheduleFeedMessage).where(
        ScheduleFeedMessage.message_type == "SIU^S13")).one()
    sch = segment(s13.payload, "SCH")

    assert moved.id != first.id
    # Our first booking in SCH-1, the PM system's own id for it in SCH-2.
    assert (sch[1], sch[2]) == (f"{first.id}^REFERRALDESK", "PM-5001")
