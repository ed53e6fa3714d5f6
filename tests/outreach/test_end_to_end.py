"""A referral from HL7 intake to a closed loop: outreach inside the calling hours across the
spring DST change, the patient's yes to texts recorded by staff, booking by the agent over
SMS, the kept visit, the consult note, and every message back to the referring practice
acknowledged. And calling hours in the patient's own zone: in January, when Phoenix reads
an hour ahead of California, an Arizona number is called at 08:30 MST while a California
one still waits for 08:00 PST."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy.orm import Session
from tests.outreach.support import (
    STAFF,
    FakeCalls,
    FakeMllp,
    FakeTwilio,
    hl7_sample,
    outbox,
    segment,
    take_in_hl7,
    twilio,
)

from referraldesk.conversation import runtime
from referraldesk.loop.consult import attach_consult_note
from referraldesk.loop.sender import send_due
from referraldesk.loop.transports import MllpTransport
from referraldesk.loop.visits import record_visit
from referraldesk.models import Appointment
from referraldesk.outreach.service import run_outreach
from referraldesk.patients.consents import consents_in_force
from referraldesk.patients.staff_consents import record_by_staff

Freeze = Callable[[datetime | str], datetime]
RASH = "ref_i12_dermatology_crlf.hl7"
KNEE = "ref_i12_orthopedics.hl7"


def at(text: str) -> datetime:
    return datetime.fromisoformat(text)


def reply(session: Session, phone: str, text: str) -> Any:
    conversation, _ = runtime.continue_text_thread(session, "sms", phone)
    return conversation, runtime.handle_message(session, conversation.id, text)


def test_a_referral_walks_from_intake_to_a_closed_loop(
    session: Session, frozen_now: Freeze
) -> None:
    # Friday 6 March 2026, 19:00 PST: Valley Family Medicine's EHR sends the REF^I12 for
    # a patient we have never seen. The referral allows automated calls (the practice's
    # default policy); texts wait for the patient's own yes.
    frozen_now("2026-03-07T03:00:00+00:00")
    referral = take_in_hl7(session, hl7_sample(RASH))
    patient = referral.patient
    texts, calls = FakeTwilio(), FakeCalls()
    assert (referral.status, referral.placer_id, referral.source) == (
        "accepted", "VFM-R-88190", "hl7")
    assert consents_in_force(patient)["automated_calls"] is True

    def round_at(instant: str | None = None) -> list[str]:
        when = at(instant) if instant else None
        return run_outreach(session, now=when, sms=twilio(texts), calls=calls).attempted

    # Saturday 07:30 PST is too early; 20:30 PST is inside the hours: a call.
    assert round_at("2026-03-07T15:30:00+00:00") == []
    assert round_at("2026-03-08T04:30:00+00:00") == [referral.id]
    assert (referral.status, calls.numbers, texts.requests) == (
        "contacting", ["+15595550143"], [])

    # She calls the front desk back and says texts are fine; the coordinator records it.
    record_by_staff(session, STAFF, patient.id, "texts", True, "said yes to texts by phone")

    # 24 hours after the call it is Sunday 21:30 PDT (clocks sprang forward): too late.
    # The next round waits for Monday 08:00 PDT, which is 15:00 UTC, not 16:00.
    for quiet in ("2026-03-09T04:30:00+00:00", "2026-03-09T14:59:00+00:00"):
        assert round_at(quiet) == []
    frozen_now("2026-03-09T15:00:00+00:00")
    assert round_at() == [referral.id]
    assert (len(texts.requests), len(calls.calls)) == (1, 2)

    # The patient answers the text; the agent books through the same thread.
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
    assert segment(accepted, "RF1")[6] == "VFM-R-88190"
    assert segment(accepted, "PID")[5] == "López García^María Elena"

    siu = messages[1].payload
    local_start = appointment.start_at.astimezone(ZoneInfo("America/Los_Angeles"))
    assert segment(siu, "MSH")[8] == "SIU^S12^SIU_S12"
    assert segment(siu, "SCH")[2] == f"{appointment.id}^REFERRALDESK"
    assert segment(siu, "SCH")[25] == "Booked"
    assert segment(siu, "SCH")[26] == "VFM-R-88190"
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


def test_in_january_an_arizona_number_is_called_an_hour_before_a_california_one(
    session: Session, frozen_now: Freeze
) -> None:
    # Tuesday 13 January 2026, 16:00 PST: two referrals over HL7, one patient with a
    # Phoenix mobile (602), one with a Fresno one (559).
    frozen_now("2026-01-14T00:00:00+00:00")
    phoenix = take_in_hl7(session, hl7_sample(KNEE, ("^PRN^CP^^1^559^5550117",
                                                     "^PRN^CP^^1^602^5550117")))
    fresno = take_in_hl7(session, hl7_sample(RASH))
    calls = FakeCalls()

    def round_at(instant: str) -> list[str]:
        return run_outreach(session, now=at(instant), sms=twilio(FakeTwilio()),
                            calls=calls).attempted

    # 14:59 UTC is 07:59 in Phoenix (MST all year) and 06:59 in California: nobody.
    assert round_at("2026-01-14T14:59:00+00:00") == []
    # 15:30 UTC is 08:30 in Phoenix but 07:30 in California (PST, an hour behind in
    # winter; in summer PDT reads the same as Phoenix): only the Arizona number is called.
    assert round_at("2026-01-14T15:30:00+00:00") == [phoenix.id]
    assert calls.numbers == ["+16025550117"]
    # 16:00 UTC is 08:00 PST: now California.
    assert round_at("2026-01-14T16:00:00+00:00") == [fresno.id]
    assert calls.numbers == ["+16025550117", "+15595550143"]
