"""The scheduling feed in: SIU events move the built-in calendar and the referral states."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session
from tests.outreach.support import outbox, refer, register
from tests.siu.support import PM, ack_code, ack_text, siu

from referraldesk.intake.hl7.service import receive_hl7
from referraldesk.models import Appointment, IntakeMessage, Patient, Referral
from referraldesk.scheduling.slots import SlotQuery, find_slots

MONDAY_NINE_UTC = datetime(2026, 3, 9, 16, 0, tzinfo=UTC)


def take(session: Session, text: str) -> str:
    outcome = receive_hl7(session, PM, text, channel="hl7_http")
    session.commit()
    return outcome.reply


def appointment_of(session: Session, filler_id: str = "PM-1001") -> Appointment:
    return session.scalars(
        select(Appointment).where(Appointment.external_id == f"siu:PMS:{filler_id}")
    ).one()


def test_it_books_a_new_patient_from_s12_in_the_sites_zone(session: Session) -> None:
    reply = take(session, siu("S12"))

    appointment = appointment_of(session)
    patient = session.get(Patient, appointment.patient_id)
    assert ack_code(reply) == "AA"
    assert ack_text(reply) == f"appointment {appointment.id} booked"
    assert appointment.start_at == MONDAY_NINE_UTC
    assert appointment.end_at == MONDAY_NINE_UTC + timedelta(minutes=30)
    assert appointment.status == "booked"
    assert appointment.channel == "hl7_siu"
    assert patient is not None and patient.identity_confirmed is False
    assert patient.dob == date(1985, 4, 3)


def test_a_feed_booking_occupies_the_calendar_for_the_agent(session: Session) -> None:
    take(session, siu("S12"))

    slots = find_slots(session, SlotQuery(provider_id=appointment_of(session).provider_id,
                                           start=date(2026, 3, 9), end=date(2026, 3, 9),
                                           limit=50))
    assert slots
    assert MONDAY_NINE_UTC not in {slot.start for slot in slots}


def test_s12_with_the_placer_id_schedules_the_referral_and_tells_the_referrer(
    session: Session,
) -> None:
    patient = register(session)
    referral = refer(session, patient)
    session.commit()
    assert referral.status == "accepted"

    reply = take(session, siu("S12", placer_id=referral.placer_id or ""))

    session.refresh(referral)
    appointment = appointment_of(session)
    assert ack_code(reply) == "AA"
    assert appointment.patient_id == patient.id
    assert referral.status == "scheduled"
    assert referral.appointment_id == appointment.id
    assert [m.message_type for m in outbox(session, referral.id)][-1] == "SIU^S12"


def test_a_repeated_message_changes_nothing(session: Session) -> None:
    take(session, siu("S12"))

    again = take(session, siu("S12"))

    assert ack_code(again) == "AA"
    assert ack_text(again).endswith("unchanged")
    assert session.scalar(select(Appointment.id).where(Appointment.status == "booked")) \
        == appointment_of(session).id
    assert len(session.scalars(select(Appointment)).all()) == 1


def test_s13_moves_the_appointment_and_sends_s13_to_the_referrer(session: Session) -> None:
    referral = refer(session, register(session))
    session.commit()
    take(session, siu("S12", placer_id=referral.placer_id or ""))

    reply = take(session, siu("S13", start="202603091030"))

    appointment = appointment_of(session)
    session.refresh(referral)
    assert ack_text(reply) == f"appointment {appointment.id} moved"
    assert appointment.start_at == datetime(2026, 3, 9, 17, 30, tzinfo=UTC)
    assert referral.status == "scheduled"
    last = outbox(session, referral.id)[-1]
    assert last.message_type == "SIU^S13"
    assert "SIU^S13^SIU_S12" in last.payload
    assert "20260309173000+0000" in last.payload


def test_s15_cancels_and_sends_the_referral_back_to_contacting(session: Session) -> None:
    referral = refer(session, register(session))
    session.commit()
    take(session, siu("S12", placer_id=referral.placer_id or ""))

    reply = take(session, siu("S15", status="Cancelled"))
    repeat = take(session, siu("S15", status="Cancelled"))

    session.refresh(referral)
    assert ack_code(reply) == "AA"
    assert ack_text(repeat).endswith("unchanged")
    assert appointment_of(session).status == "cancelled"
    assert referral.status == "contacting"
    assert referral.appointment_id is None


def test_s26_records_a_no_show_and_the_referrer_hears_s26(session: Session) -> None:
    referral = refer(session, register(session))
    session.commit()
    take(session, siu("S12", placer_id=referral.placer_id or ""))

    reply = take(session, siu("S26", status="Noshow"))

    session.refresh(referral)
    assert ack_code(reply) == "AA"
    assert appointment_of(session).status == "no_show"
    assert [t.to_status for t in referral.history][-2:] == ["no_show", "contacting"]
    assert "SIU^S26" in [m.message_type for m in outbox(session, referral.id)]


def test_s14_with_a_kept_status_moves_the_referral_to_visit_kept(session: Session) -> None:
    referral = refer(session, register(session))
    session.commit()
    take(session, siu("S12", placer_id=referral.placer_id or ""))

    reply = take(session, siu("S14", status="Complete"))

    session.refresh(referral)
    assert ack_text(reply).endswith("kept")
    assert appointment_of(session).status == "fulfilled"
    assert referral.status == "visit_kept"


def test_a_clash_with_a_booking_here_is_refused_whole(session: Session) -> None:
    take(session, siu("S12"))
    patients_before = session.scalars(select(Patient.id)).all()
    other = siu("S12", "PM-2002", patient="PID|1||MRN-88^^^PMS^MR||Ramírez^José||19700101|M|||||"
                                          "^PRN^CP^^1^559^5550199")

    reply = take(session, other)

    stored = session.scalars(select(IntakeMessage).order_by(IntakeMessage.received_at)).all()
    assert ack_code(reply) == "AE"
    assert "already has appointment" in reply
    assert session.scalars(select(Patient.id)).all() == patients_before
    assert len(session.scalars(select(Appointment)).all()) == 1
    assert stored[-1].status == "failed"


def test_an_unknown_provider_is_an_error_kept_for_replay(session: Session) -> None:
    reply = take(session, siu("S12", npi="1999999999"))

    message = session.scalars(select(IntakeMessage)).one()
    assert ack_code(reply) == "AE"
    assert "AIP^1^3" in reply
    assert message.status == "failed"
    assert session.scalars(select(Appointment)).all() == []


def test_a_message_without_a_filler_id_or_start_lists_both_problems(session: Session) -> None:
    text = siu("S12", filler_id="", start="")

    reply = take(session, text)

    assert ack_code(reply) == "AE"
    assert "SCH-2" in reply and "TQ1-7" in reply


def test_an_unsupported_schedule_event_is_rejected(session: Session) -> None:
    reply = take(session, siu("S17"))

    assert ack_code(reply) == "AR"


def test_a_cancel_for_an_unknown_appointment_waits_for_replay(session: Session) -> None:
    reply = take(session, siu("S15", "PM-404"))

    assert ack_code(reply) == "AE"
    assert "PM-404" in ack_text(reply) or "PM-404" in reply


def test_referral_ids_come_back_on_the_referral(session: Session) -> None:
    referral = refer(session, register(session))
    session.commit()

    take(session, siu("S12", placer_id=referral.placer_id or ""))

    stored = session.scalars(select(IntakeMessage)).one()
    assert stored.referral_id == referral.id
    assert session.get(Referral, referral.id) is not None
