"""One round of outreach: who is texted or called, when, and how outreach ends."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, datetime, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session
from tests.outreach.support import PHOENIX_PHONE, FakeTwilio, outbox, refer, register, twilio

from referraldesk.conversation import runtime
from referraldesk.models import Conversation, OutreachAttempt, Referral
from referraldesk.outreach.calls import VoiceChannelCalls
from referraldesk.outreach.service import run_outreach
from referraldesk.outreach.sms import NoCredentials
from referraldesk.outreach.worklist import worklist
from referraldesk.voice.outbound import TwilioVoice

# Wednesday 15 July 2026, 10:00 in California.
MORNING = "2026-07-15T17:00:00+00:00"

Freeze = Callable[[datetime | str], datetime]


def attempts(session: Session, referral_id: str) -> list[OutreachAttempt]:
    return list(
        session.scalars(
            select(OutreachAttempt)
            .where(OutreachAttempt.referral_id == referral_id)
            .order_by(OutreachAttempt.at, OutreachAttempt.channel)
        )
    )


def at(text: str) -> datetime:
    return datetime.fromisoformat(text)


def test_the_first_text_goes_out_in_spanish_and_moves_the_referral_to_contacting(
    session: Session, frozen_now: Freeze
) -> None:
    frozen_now(MORNING)
    referral = refer(session, register(session, consents=("texts",)))
    fake = FakeTwilio()

    report = run_outreach(session, sms=twilio(fake))

    assert report.attempted == [referral.id]
    assert referral.status == "contacting"
    assert referral.outreach_attempts == 1
    [attempt] = attempts(session, referral.id)
    assert (attempt.channel, attempt.status, attempt.round) == ("sms", "sent", 1)
    assert attempt.external_id == "SM" + "1".zfill(32)
    [request] = fake.requests
    assert request["data"]["To"] == "+15595550143"
    assert request["data"]["From"] == "+15595550600"
    assert request["data"]["Body"].startswith(
        "Hola, le llamamos de Sequoia Valley Occupational Health"
    )
    assert request["data"]["Body"].endswith("Responda STOP para no recibir más mensajes.")
    conversation = session.get(Conversation, attempt.conversation_id)
    assert conversation is not None
    assert (conversation.channel, conversation.direction) == ("sms", "outbound")
    assert conversation.referral_id == referral.id
    assert conversation.status == "active"


def test_it_texts_nobody_before_eight_in_the_morning_of_the_patients_zone_row_s3(
    session: Session, frozen_now: Freeze
) -> None:
    frozen_now("2026-07-15T14:30:00+00:00")  # 07:30 in Phoenix (and in California)
    referral = refer(session, register(session, phone=PHOENIX_PHONE, consents=("texts",)))
    fake = FakeTwilio()

    early = run_outreach(session, sms=twilio(fake))
    late = run_outreach(session, now=at("2026-07-16T03:30:00+00:00"), sms=twilio(fake))

    assert early.attempted == []
    assert late.attempted == [referral.id]
    assert [a.at for a in attempts(session, referral.id)] == [at("2026-07-16T03:30:00+00:00")]


def test_without_twilio_credentials_the_attempt_is_skipped_and_the_worklist_says_why(
    session: Session, frozen_now: Freeze
) -> None:
    frozen_now(MORNING)
    referral = refer(session, register(session, consents=("texts",)))

    run_outreach(session, sms=NoCredentials())

    [attempt] = attempts(session, referral.id)
    assert (attempt.status, attempt.reason, attempt.conversation_id) == (
        "skipped",
        "no_twilio_credentials",
        None,
    )
    assert referral.status == "accepted"
    [item] = worklist(session)
    assert item.last_skip_reason == "no_twilio_credentials"
    assert item.rounds == 0
    assert item.next_attempt_at == at("2026-07-16T17:00:00+00:00").isoformat()


def test_calls_are_skipped_without_twilio_credentials(session: Session, frozen_now: Freeze) -> None:
    frozen_now(MORNING)
    referral = refer(session, register(session))

    run_outreach(session, sms=twilio(FakeTwilio()))

    assert [(a.channel, a.status, a.reason) for a in attempts(session, referral.id)] == [
        ("sms", "sent", None),
        ("voice", "skipped", "no_twilio_credentials"),
    ]


def test_a_call_is_placed_through_the_voice_channel(session: Session, frozen_now: Freeze) -> None:
    frozen_now(MORNING)
    referral = refer(session, register(session, consents=("automated_calls",)))
    fake = FakeTwilio()
    voice = VoiceChannelCalls(TwilioVoice("AC" + "0" * 32, "token-for-tests", http_client=fake))

    run_outreach(session, sms=NoCredentials(), calls=voice)

    [attempt] = attempts(session, referral.id)
    assert (attempt.channel, attempt.status, attempt.external_id) == (
        "voice",
        "queued",
        "SM" + "1".zfill(32),
    )
    assert referral.status == "contacting"
    [request] = fake.requests
    assert request["uri"].endswith("/Calls.json")
    assert request["data"]["To"] == "+15595550143"
    assert referral.id in str(request["data"]["Url"])


def test_a_patient_without_consent_gets_no_automatic_contact(
    session: Session, frozen_now: Freeze
) -> None:
    frozen_now(MORNING)
    referral = refer(session, register(session, consents=()))
    fake = FakeTwilio()

    report = run_outreach(session, sms=twilio(fake))

    assert report.blocked == {referral.id: "no_consent"}
    assert fake.requests == []
    assert worklist(session)[0].blocked_reason == "no_consent"


def test_it_retries_with_back_off_and_marks_the_patient_unreachable_after_the_last_round(
    session: Session, frozen_now: Freeze
) -> None:
    start = frozen_now(MORNING)
    referral = refer(session, register(session, consents=("texts",)))
    fake = FakeTwilio()

    def run(hours: float) -> list[str]:
        return run_outreach(session, now=start + timedelta(hours=hours), sms=twilio(fake)).attempted

    assert run(0) == [referral.id]
    assert run(23.75) == []
    assert run(24) == [referral.id]
    assert run(24 + 47.75) == []
    assert run(24 + 48) == [referral.id]
    assert run(72 + 95.75) == []
    final = run_outreach(session, now=start + timedelta(hours=72 + 96), sms=twilio(fake))

    assert final.unreachable == [referral.id]
    assert (referral.status, referral.leakage_reason) == ("unreachable", "unreachable")
    assert len(fake.requests) == 3
    assert [a.round for a in attempts(session, referral.id)] == [1, 2, 3]


def test_stop_ends_outreach_for_the_patient_at_once(session: Session, frozen_now: Freeze) -> None:
    start = frozen_now(MORNING)
    patient = register(session)
    referral = refer(session, patient)
    fake = FakeTwilio()
    run_outreach(session, sms=twilio(fake))

    conversation, _ = runtime.continue_text_thread(session, "sms", patient.primary_phone or "")
    turn = runtime.handle_message(session, conversation.id, "STOP", external_id="SMreply1")
    report = run_outreach(session, now=start + timedelta(days=2), sms=twilio(fake))

    assert conversation.referral_id == referral.id
    assert turn.outcome_reason == "opted_out"
    assert report.attempted == []
    assert report.blocked == {referral.id: "opted_out"}
    assert len(fake.requests) == 1
    assert worklist(session, now=start + timedelta(days=2))[0].blocked_reason == "opted_out"


def test_no_me_llamen_also_ends_outreach(session: Session, frozen_now: Freeze) -> None:
    start = frozen_now(MORNING)
    patient = register(session)
    refer(session, patient)
    fake = FakeTwilio()
    run_outreach(session, sms=twilio(fake))

    conversation, _ = runtime.continue_text_thread(session, "sms", patient.primary_phone or "")
    runtime.handle_message(session, conversation.id, "no me llamen más")
    report = run_outreach(session, now=start + timedelta(days=2), sms=twilio(fake))

    assert report.attempted == []
    assert len(fake.requests) == 1


def test_a_lapsed_authorization_expires_the_referral(session: Session, frozen_now: Freeze) -> None:
    frozen_now(MORNING)
    referral = refer(
        session,
        register(session),
        authorization_number="AUTH-1",
        authorization_until=date(2026, 7, 14).isoformat(),
    )

    report = run_outreach(session, sms=twilio(FakeTwilio()))

    assert report.expired == [referral.id]
    assert (referral.status, referral.leakage_reason) == ("expired", "authorization_expired")
    assert [step.to_status for step in referral.history][-2:] == ["contacting", "expired"]


def test_a_referral_long_past_its_target_expires(session: Session, frozen_now: Freeze) -> None:
    start = frozen_now(MORNING)
    referral = refer(session, register(session, consents=()))
    assert referral.target_date == date(2026, 8, 5)

    quiet = run_outreach(session, now=start + timedelta(days=50))
    late = run_outreach(session, now=start + timedelta(days=52))

    assert quiet.expired == []
    assert late.expired == [referral.id]
    assert referral.leakage_reason == "window_expired"


def test_a_twilio_refusal_is_recorded_as_a_failed_attempt(
    session: Session, frozen_now: Freeze
) -> None:
    frozen_now(MORNING)
    referral = refer(session, register(session, consents=("texts",)))
    fake = FakeTwilio(status=400, error={"code": 21610, "message": "unsubscribed recipient"})

    run_outreach(session, sms=twilio(fake))

    [attempt] = attempts(session, referral.id)
    assert (attempt.status, attempt.reason) == ("failed", "twilio_error:21610")
    conversation = session.get(Conversation, attempt.conversation_id)
    assert conversation is not None and conversation.status == "ended"


def test_the_worklist_puts_urgent_first_then_the_earliest_target_then_the_oldest(
    session: Session, frozen_now: Freeze
) -> None:
    start = frozen_now(MORNING)
    older = refer(session, register(session), placer_id="A")
    frozen_now(start + timedelta(hours=1))
    newer = refer(session, register(session, given="Rosa", phone="+15595550144"), placer_id="B")
    urgent = refer(
        session,
        register(session, given="Luis", phone="+15595550145"),
        placer_id="C",
        urgency="urgent",
    )

    order = [item.referral_id for item in worklist(session)]

    assert order == [urgent.id, older.id, newer.id]
    assert {r.status for r in (older, newer, urgent)} == {"accepted"}


def test_a_stop_keeps_the_referral_open_for_staff(session: Session, frozen_now: Freeze) -> None:
    frozen_now(MORNING)
    patient = register(session)
    referral = refer(session, patient)
    run_outreach(session, sms=twilio(FakeTwilio()))

    conversation, _ = runtime.continue_text_thread(session, "sms", patient.primary_phone or "")
    runtime.handle_message(session, conversation.id, "STOP")

    assert session.get(Referral, referral.id).status == "contacting"  # type: ignore[union-attr]
    assert [m.kind for m in outbox(session, referral.id)] == ["accepted"]


def test_a_retry_that_falls_before_eight_after_clocks_fall_back_waits_for_eight_pst(
    session: Session, frozen_now: Freeze
) -> None:
    # Saturday 31 October 2026, 08:00 PDT; 24 hours later it is Sunday 07:00 PST.
    frozen_now("2026-10-31T15:00:00+00:00")
    referral = refer(session, register(session, consents=("texts",)))
    fake = FakeTwilio()
    run_outreach(session, sms=twilio(fake))

    too_early = run_outreach(session, now=at("2026-11-01T15:00:00+00:00"), sms=twilio(fake))
    on_time = run_outreach(session, now=at("2026-11-01T16:00:00+00:00"), sms=twilio(fake))

    assert too_early.attempted == []
    assert on_time.attempted == [referral.id]
    assert [a.at for a in attempts(session, referral.id)] == [
        at("2026-10-31T15:00:00+00:00"),
        at("2026-11-01T16:00:00+00:00"),
    ]
