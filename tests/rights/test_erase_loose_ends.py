"""Erasure ties the loose ends: the booked visit is cancelled and its slot freed, open
referrals and staff tasks are closed, nothing goes to the referrer, and the call
recording is deleted at Twilio (or the report says it was not)."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from datetime import datetime

import pytest
from sqlalchemy import Engine, select
from tests.rights.world import History
from tests.voice.fake_twilio import FakeTwilio

from referraldesk.audit.trail import Actor
from referraldesk.db.session import session_factory
from referraldesk.models import (
    Appointment,
    Conversation,
    OutboundMessage,
    Referral,
    StaffTask,
)
from referraldesk.rights.erase import ERASURE_REASON, ErasureReport, erase_patient
from referraldesk.settings import reset_settings_cache
from referraldesk.voice import recording

ADMIN = Actor(name="staff:admin@clinic.example.org", role="admin")
# The world's SMS booking was made on 8 March 2026; the visit is still to come then.
AFTER_BOOKING = "2026-03-08T06:00:00+00:00"
RECORDING_SID = "RE" + "a" * 32
RECORDING_URL = (f"https://api.twilio.com/2010-04-01/Accounts/AC{'1' * 32}"
                 f"/Recordings/{RECORDING_SID}")


@pytest.fixture
def twilio_account(monkeypatch: pytest.MonkeyPatch) -> Iterator[FakeTwilio]:
    monkeypatch.setenv("REFERRALDESK_TWILIO_ACCOUNT_SID", "AC" + "1" * 32)
    monkeypatch.setenv("REFERRALDESK_TWILIO_AUTH_TOKEN", "test-token")
    reset_settings_cache()
    fake = FakeTwilio(status=204)
    recording.use_http_client(fake)
    yield fake
    recording.use_http_client(None)
    monkeypatch.undo()
    reset_settings_cache()


def _prepare(engine: Engine, history: History) -> tuple[str, str]:
    """A transfer task left open and a recorded call; returns (task id, appointment id)."""
    with session_factory(engine)() as session:
        [appointment] = session.scalars(
            select(Appointment).where(Appointment.patient_id == history.patient_id)).all()
        task = StaffTask(kind="transfer", patient_id=history.patient_id,
                         conversation_id=history.conversation_id, reason="Transfer: María Elena",
                         summary="wants to talk to someone", callback_phone="+15595550143")
        session.add(task)
        conversation = session.get(Conversation, history.conversation_id)
        assert conversation is not None
        conversation.recording_sid, conversation.recording_url = RECORDING_SID, RECORDING_URL
        session.commit()
        return task.id, appointment.id


def _erase(engine: Engine, history: History) -> ErasureReport:
    with session_factory(engine)() as session:
        report = erase_patient(session, ADMIN, history.patient_id, reason="deletion request",
                               confirm=history.patient_id)
        session.commit()
    return report


def test_the_booked_visit_is_cancelled_tasks_closed_and_the_referrer_told_nothing(
    sqlite_world: tuple[Engine, History], twilio_account: FakeTwilio,
    frozen_now: Callable[[str], datetime],
) -> None:
    engine, history = sqlite_world
    frozen_now(AFTER_BOOKING)
    task_id, appointment_id = _prepare(engine, history)
    with session_factory(engine)() as session:
        before = set(session.scalars(select(OutboundMessage.id)))

    report = _erase(engine, history)

    with session_factory(engine)() as session:
        appointment = session.get(Appointment, appointment_id)
        assert appointment is not None
        assert (appointment.status, appointment.cancel_reason) == ("cancelled", ERASURE_REASON)
        assert appointment.cancelled_at is not None
        referral = session.get(Referral, history.referral_id)
        assert referral is not None and referral.status == "cancelled"
        assert referral.appointment_id is None
        task = session.get(StaffTask, task_id)
        assert task is not None
        assert (task.status, task.reason, task.summary, task.callback_phone) == (
            "done", "[erased]", None, None)
        assert session.scalars(select(StaffTask).where(
            StaffTask.patient_id == history.patient_id, StaffTask.status == "open")).all() == []
        # The cancellation and the referral's moves queued messages; none may go out.
        queued = session.scalars(select(OutboundMessage).where(
            OutboundMessage.id.not_in(before))).all()
        assert queued and all(m.status == "failed" and m.payload == "[erased]" for m in queued)
        assert session.scalars(select(OutboundMessage).where(
            OutboundMessage.referral_id == history.referral_id,
            OutboundMessage.status == "pending")).all() == []
    assert report.counts["appointments_cancelled"] == 1
    assert report.counts["referrals_cancelled"] == 1


def test_past_visits_are_left_as_they_were(
    sqlite_world: tuple[Engine, History], frozen_now: Callable[[str], datetime],
) -> None:
    engine, history = sqlite_world
    frozen_now("2027-01-01T00:00:00+00:00")

    report = _erase(engine, history)

    with session_factory(engine)() as session:
        statuses = session.scalars(select(Appointment.status).where(
            Appointment.patient_id == history.patient_id)).all()
    assert statuses == ["booked"]
    assert report.counts["appointments_cancelled"] == 0


def test_the_recording_is_deleted_at_twilio(
    sqlite_world: tuple[Engine, History], twilio_account: FakeTwilio,
    frozen_now: Callable[[str], datetime],
) -> None:
    engine, history = sqlite_world
    frozen_now(AFTER_BOOKING)
    _prepare(engine, history)

    report = _erase(engine, history)

    deletes = [sent for sent in twilio_account.sent if sent.method == "DELETE"]
    assert [sent.url.rsplit("/", 1)[-1] for sent in deletes] == [f"{RECORDING_SID}.json"]
    assert report.recordings_not_deleted == []
    assert report.counts["recordings"] == 1
    with session_factory(engine)() as session:
        conversation = session.get(Conversation, history.conversation_id)
        assert conversation is not None
        assert (conversation.recording_sid, conversation.recording_url) == (None, None)


def test_a_recording_twilio_refuses_to_delete_is_reported(
    sqlite_world: tuple[Engine, History], twilio_account: FakeTwilio,
    frozen_now: Callable[[str], datetime],
) -> None:
    engine, history = sqlite_world
    frozen_now(AFTER_BOOKING)
    _prepare(engine, history)
    twilio_account.status = 503

    report = _erase(engine, history)

    assert report.recordings_not_deleted == [history.conversation_id]
    assert report.counts["recordings_not_deleted"] == 1
    with session_factory(engine)() as session:
        conversation = session.get(Conversation, history.conversation_id)
        assert conversation is not None and conversation.recording_sid is None


def test_without_twilio_credentials_the_recording_is_reported_not_deleted(
    sqlite_world: tuple[Engine, History], monkeypatch: pytest.MonkeyPatch,
    frozen_now: Callable[[str], datetime],
) -> None:
    monkeypatch.delenv("REFERRALDESK_TWILIO_ACCOUNT_SID", raising=False)
    monkeypatch.delenv("REFERRALDESK_TWILIO_AUTH_TOKEN", raising=False)
    reset_settings_cache()
    engine, history = sqlite_world
    frozen_now(AFTER_BOOKING)
    _prepare(engine, history)

    report = _erase(engine, history)

    assert report.recordings_not_deleted == [history.conversation_id]
    reset_settings_cache()
