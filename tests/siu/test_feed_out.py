"""The scheduling feed out: bookings made here reach the PM system as SIU, with retries."""

from __future__ import annotations

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import select
from sqlalchemy.orm import Session
from tests.outreach.support import FakeMllp, outbox, refer, register, segment
from tests.siu.support import PM, siu

from referraldesk.intake.hl7.service import receive_hl7
from referraldesk.loop.schedule_feed import send_schedule_feed
from referraldesk.loop.transports import MllpTransport
from referraldesk.models import Practice, Provider, ScheduleFeedMessage
from referraldesk.scheduling.booking import BookingRequest, book, cancel, reschedule
from referraldesk.scheduling.slots import slot_id

VISALIA = ZoneInfo("America/Los_Angeles")
MONDAY_NINE = datetime(2026, 3, 9, 9, 0, tzinfo=VISALIA)


def with_feed(session: Session, send_to: str = "mllp://pm.example:2575") -> None:
    practice = session.scalars(select(Practice)).one()
    practice.policy = {**practice.policy, "scheduling_feed": {"send_to": send_to}}
    session.flush()


def villanueva(session: Session) -> Provider:
    return session.scalars(select(Provider).where(Provider.npi == "1904000118")).one()


def feed(session: Session) -> list[ScheduleFeedMessage]:
    return list(session.scalars(select(ScheduleFeedMessage).order_by(
        ScheduleFeedMessage.created_at, ScheduleFeedMessage.id)))


def test_book_move_and_cancel_write_s12_s13_s15(session: Session) -> None:
    with_feed(session)
    patient = register(session)
    provider = villanueva(session)
    first = book(session, PM, BookingRequest(patient_id=patient.id, provider_id=provider.id,
                                             start=MONDAY_NINE))
    later = MONDAY_NINE + timedelta(hours=1)
    slot = slot_id(provider.id, first.location_id, later)

    moved = reschedule(session, PM, first.id, slot)
    cancel(session, PM, moved.id, "patient asked")

    messages = feed(session)
    assert [m.message_type for m in messages] == ["SIU^S12", "SIU^S13", "SIU^S15"]
    sch = [segment(m.payload, "SCH") for m in messages]
    assert {fields[1] for fields in sch} == {f"{first.id}^REFERRALDESK"}
    assert [fields[25] for fields in sch] == ["Booked", "Booked", "Cancelled"]
    assert segment(messages[1].payload, "TQ1")[7] == "20260309170000+0000"
    assert segment(messages[0].payload, "AIP")[3].startswith("1904000118^Villanueva")
    assert segment(messages[0].payload, "PID")[3] == f"{patient.id}^^^REFERRALDESK^PI"


def test_no_feed_configured_writes_nothing(session: Session) -> None:
    patient = register(session)

    book(session, PM, BookingRequest(patient_id=patient.id, provider_id=villanueva(session).id,
                                     start=MONDAY_NINE))

    assert feed(session) == []


def test_bookings_from_the_feed_are_not_echoed_back(session: Session) -> None:
    with_feed(session)

    receive_hl7(session, PM, siu("S12"), channel="hl7_http")

    assert feed(session) == []


def test_the_sender_delivers_over_mllp_and_retries_an_error(session: Session) -> None:
    with_feed(session)
    patient = register(session)
    book(session, PM, BookingRequest(patient_id=patient.id, provider_id=villanueva(session).id,
                                     start=MONDAY_NINE))
    listener = FakeMllp(codes=["AE", "AA"])
    carriers = {"hl7_mllp": MllpTransport(connect=listener)}
    [message] = feed(session)

    first = send_schedule_feed(session, transports=carriers)
    early = send_schedule_feed(session, transports=carriers)
    second = send_schedule_feed(session, transports=carriers,
                                now=message.next_attempt_at)

    assert first.retrying == [message.id]
    assert early.retrying == []
    assert second.acked == [message.id]
    assert message.status == "acked" and message.attempts == 2
    assert listener.addresses == [("pm.example", 2575)] * 2
    assert listener.received[0].startswith("MSH|^~\\&|REFERRALDESK|")


def test_an_agent_reschedule_sends_s13_to_the_referrer(session: Session) -> None:
    patient = register(session)
    referral = refer(session, patient)
    provider = villanueva(session)
    first = book(session, PM, BookingRequest(patient_id=patient.id, provider_id=provider.id,
                                             start=MONDAY_NINE, referral_id=referral.id))
    slot = slot_id(provider.id, first.location_id, MONDAY_NINE + timedelta(hours=1))

    reschedule(session, PM, first.id, slot)

    kinds = [m.message_type for m in outbox(session, referral.id)]
    assert kinds[-2:] == ["SIU^S12", "SIU^S13"]
    assert "20260309170000+0000" in outbox(session, referral.id)[-1].payload
