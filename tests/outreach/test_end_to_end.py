"""A referral from intake to a closed loop: outreach inside the calling hours across the
spring DST change, booking by the agent over SMS, the kept visit, the consult note, and
every message back to the referring practice acknowledged."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy.orm import Session
from tests.outreach.support import (
    STAFF,
    FakeMllp,
    FakeTwilio,
    outbox,
    refer,
    register,
    segment,
    twilio,
)

from referraldesk.conversation import runtime
from referraldesk.loop.consult import attach_consult_note
from referraldesk.loop.sender import send_due
from referraldesk.loop.transports import MllpTransport
from referraldesk.loop.visits import record_visit
from referraldesk.models import Appointment
from referraldesk.outreach.service import run_outreach

Freeze = Callable[[datetime | str], datetime]


def at(text: str) -> datetime:
    return datetime.fromisoformat(text)


def reply(session: Session, phone: str, text: str) -> Any:
    conversation, _ = runtime.continue_text_thread(session, "sms", phone)
    return conversation, runtime.handle_message(session, conversation.id, text)


def test_a_referral_walks_from_intake_to_a_closed_loop(
    session: Session, frozen_now: Freeze
) -> None:
    # Friday 6 March 2026, 19:00 PST: the referral arrives as intake would create it.
    frozen_now("2026-03-07T03:00:00+00:00")
    patient = register(session)
    referral = refer(session, patient, placer_id="VFM-R-88310")
    fake = FakeTwilio()
    assert referral.status == "accepted"

    # Saturday 07:30 PST is too early; 20:30 PST is inside the hours.
    assert (
        run_outreach(session, now=at("2026-03-07T15:30:00+00:00"), sms=twilio(fake)).attempted == []
    )
    assert run_outreach(
        session, now=at("2026-03-08T04:30:00+00:00"), sms=twilio(fake)
    ).attempted == [referral.id]
    assert referral.status == "contacting"
    # 24 hours later it is Sunday 21:30 PDT (clocks sprang forward): too late. The
    # next round waits for Monday 08:00 PDT, which is 15:00 UTC, not 16:00.
    for quiet in ("2026-03-09T04:30:00+00:00", "2026-03-09T14:59:00+00:00"):
        assert run_outreach(session, now=at(quiet), sms=twilio(fake)).attempted == []
    frozen_now("2026-03-09T15:00:00+00:00")
    assert run_outreach(session, sms=twilio(fake)).attempted == [referral.id]
    assert len(fake.requests) == 2

    # The patient answers the second text; the agent books through the same thread.
    phone = patient.primary_phone or ""
    conversation, _ = reply(session, phone, "Soy María Elena López García")
    reply(session, phone, "el 3 de abril del 85")
    reply(session, phone, "temprano, antes de las 9")
    reply(session, phone, "1")
    _, booked = reply(session, phone, "sí")

    assert conversation.referral_id == referral.id
    assert conversation.direction == "outbound"
    assert booked.outcome == "booked"
    assert referral.status == "scheduled"
    appointment = session.get(Appointment, referral.appointment_id)
    assert appointment is not None and appointment.referral_id == referral.id

    # The visit is kept and the consult note closes the loop.
    frozen_now("2026-03-12T01:00:00+00:00")
    record_visit(session, STAFF, referral.id, kept=True)
    attach_consult_note(
        session, STAFF, referral.id, "Contact dermatitis; topical steroid for 2 weeks."
    )
    assert referral.status == "closed"

    messages = outbox(session, referral.id)
    assert [(m.kind, m.message_type) for m in messages] == [
        ("accepted", "RRI^I12"),
        ("scheduled", "SIU^S12"),
        ("visit_kept", "RRI^I12"),
        ("closed", "RRI^I12"),
    ]
    accepted = messages[0].payload
    assert segment(accepted, "RF1")[1] == "A^Accepted^HL70283"
    assert segment(accepted, "RF1")[6] == "VFM-R-88310"
    assert segment(accepted, "PID")[5] == "López García^María Elena"

    siu = messages[1].payload
    local_start = appointment.start_at.astimezone(ZoneInfo("America/Los_Angeles"))
    assert segment(siu, "MSH")[8] == "SIU^S12^SIU_S12"
    assert segment(siu, "SCH")[2] == f"{appointment.id}^REFERRALDESK"
    assert segment(siu, "SCH")[25] == "Booked"
    assert segment(siu, "SCH")[26] == "VFM-R-88310"
    assert segment(siu, "TQ1")[7] == appointment.start_at.strftime("%Y%m%d%H%M%S+0000")
    assert local_start.hour < 9
    assert segment(siu, "AIP")[3].startswith(f"{appointment.provider.npi}^Villanueva^")
    assert segment(siu, "AIL")[3] == "^^^Sequoia Valley Occupational Health - Visalia"
    assert "Contact dermatitis; topical steroid for 2 weeks." in messages[3].payload

    # Every message reaches the referrer's MLLP listener, in order, and is acknowledged.
    listener = FakeMllp()
    report = send_due(session, transports={"hl7_mllp": MllpTransport(connect=listener)})

    assert report.acked == [m.id for m in messages]
    assert {m.status for m in messages} == {"acked"}
    assert listener.addresses[0] == ("interfaces.valleyfamilymedicine.example", 2575)
    assert [segment(m, "MSH")[8].split("^")[0] for m in listener.received] == [
        "RRI",
        "SIU",
        "RRI",
        "RRI",
    ]
