"""A referral taken in over HL7 for a patient we never saw: outreach starts on its own,
within what the referral allows (calls by default), and ends when its window lapses."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime

from sqlalchemy.orm import Session
from tests.outreach.support import STAFF, FakeCalls, FakeTwilio, hl7_sample, take_in_hl7, twilio

from referraldesk.models import OutreachAttempt
from referraldesk.outreach.service import run_outreach
from referraldesk.outreach.worklist import worklist
from referraldesk.patients.staff_consents import record_by_staff

Freeze = Callable[[datetime | str], datetime]
KNEE = "ref_i12_orthopedics.hl7"
# Wednesday 4 March 2026, 10:00 PST.
MORNING = "2026-03-04T18:00:00+00:00"


def attempts(session: Session, referral_id: str) -> list[tuple[str, str]]:
    rows = session.query(OutreachAttempt).filter(OutreachAttempt.referral_id == referral_id)
    return sorted((row.channel, row.status) for row in rows)


def test_an_hl7_referral_for_a_new_patient_reaches_outreach(
    session: Session, frozen_now: Freeze
) -> None:
    frozen_now(MORNING)
    referral = take_in_hl7(session, hl7_sample(KNEE))
    calls, texts = FakeCalls(), FakeTwilio()
    assert referral.patient.identity_confirmed is False
    assert referral.status == "accepted"

    report = run_outreach(session, sms=twilio(texts), calls=calls)

    assert (report.attempted, report.blocked) == ([referral.id], {})
    assert calls.calls == [{"to": "+15595550117", "language": "en", "referral_id": referral.id}]
    # Texts wait for the patient's own yes (the practice's default policy).
    assert texts.requests == []
    assert attempts(session, referral.id) == [("voice", "queued")]
    assert referral.status == "contacting"


def test_texts_start_once_staff_record_the_patients_yes(
    session: Session, frozen_now: Freeze
) -> None:
    frozen_now(MORNING)
    referral = take_in_hl7(session, hl7_sample(KNEE))
    record_by_staff(session, STAFF, referral.patient_id, "texts", True, "yes to texts by phone")
    calls, texts = FakeCalls(), FakeTwilio()

    run_outreach(session, sms=twilio(texts), calls=calls)

    assert attempts(session, referral.id) == [("sms", "sent"), ("voice", "queued")]
    assert [request["data"]["To"] for request in texts.requests] == ["+15595550117"]


def test_a_referral_whose_expiration_date_has_passed_expires(
    session: Session, frozen_now: Freeze
) -> None:
    frozen_now(MORNING)
    referral = take_in_hl7(session, hl7_sample(KNEE))
    calls = FakeCalls()
    # RF1-8 says the referral is good until 17 April; outreach still works on the 17th.
    assert run_outreach(session, now=datetime.fromisoformat("2026-04-17T17:00:00+00:00"),
                        calls=calls, sms=twilio(FakeTwilio())).expired == []

    report = run_outreach(session, now=datetime.fromisoformat("2026-04-18T17:00:00+00:00"),
                          calls=calls, sms=twilio(FakeTwilio()))

    assert report.expired == [referral.id]
    assert (referral.status, referral.leakage_reason) == ("expired", "authorization_expired")


def test_the_worklist_shows_the_next_call_not_a_missing_consent(
    session: Session, frozen_now: Freeze
) -> None:
    frozen_now("2026-03-04T06:00:00+00:00")  # 22:00 PST the night before: too late to call

    referral = take_in_hl7(session, hl7_sample(KNEE))

    [item] = worklist(session)
    # The next call waits for 08:00 PST.
    assert (item.referral_id, item.blocked_reason) == (referral.id, None)
    assert (item.next_step, item.next_attempt_at) == ("wait", "2026-03-04T16:00:00+00:00")
