"""Callback requests are called back: by the job inside office and calling hours, or by
staff from the worklist; whoever answers is put through to the staff line."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from datetime import datetime

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy import Engine, select
from tests.voice.conftest import (
    DANIEL_PHONE,
    MARIA_PHONE,
    STAFF_LINE,
    CheckedCall,
)
from tests.voice.fake_twilio import FakeTwilio
from tests.voice.test_outbound import OutboundCall

from referraldesk import clock
from referraldesk.admin.deps import SESSION_COOKIE
from referraldesk.auth.sessions import hash_secret, start_session
from referraldesk.db.session import session_factory, session_scope
from referraldesk.jobs import callback_tasks
from referraldesk.models import AuditEvent, StaffTask, User
from referraldesk.models.auth import DashboardSession
from referraldesk.settings import reset_settings_cache
from referraldesk.voice import urls
from referraldesk.voice.callbacks import CallbackRound, due_callbacks, run_callbacks
from referraldesk.voice.outbound import TwilioVoice

Phone = Callable[..., CheckedCall]
# Monday 2026-05-11 in California: the desk opens at 06:30, calls may be made from 08:00.
EARLY = datetime.fromisoformat("2026-05-11T07:00:00-07:00")
EIGHT = datetime.fromisoformat("2026-05-11T08:00:00-07:00")


def busy_transfer(phone: Phone, caller: str = DANIEL_PHONE, *words: str) -> str:
    """A caller asks for a person (`words`), the staff line is busy: returns the callback
    request's id."""
    call = phone(caller=caller)
    call.dial()
    for said in words[:-1]:
        call.say(said)
    heard = call.say(words[-1] if words else "I want to talk to a person")
    assert heard.dialed == STAFF_LINE
    call.transfer_result("busy")
    call.hang_up()
    with session_factory(call.app.state.engine)() as session:
        task = session.scalars(select(StaffTask)).one()
        assert (task.kind, task.status, task.callback_phone) == ("callback", "open", caller)
        return task.id


def job_round(engine: Engine, fake: FakeTwilio) -> CallbackRound:
    with session_scope(engine) as session:
        return run_callbacks(session, TwilioVoice.from_settings(http_client=fake))


def task_of(engine: Engine, task_id: str) -> StaffTask:
    with session_factory(engine)() as session:
        task = session.get(StaffTask, task_id)
        assert task is not None
        return task


def test_the_job_calls_a_request_back_once_with_machine_detection(
    phone: Phone, engine: Engine, open_desk: datetime
) -> None:
    task_id = busy_transfer(phone)
    fake = FakeTwilio()

    first, second = job_round(engine, fake), job_round(engine, fake)

    assert (first.placed, second.placed) == ([task_id], [])
    [sent] = fake.sent
    assert sent.data["To"] == DANIEL_PHONE
    assert sent.data["Url"] == f"https://clinic.example.org/twilio/voice/outbound?task={task_id}"
    assert sent.data["StatusCallback"] == "https://clinic.example.org/twilio/voice/status"
    assert sent.data["MachineDetection"] == "DetectMessageEnd"
    with session_factory(engine)() as session:
        records = session.scalars(
            select(AuditEvent).where(AuditEvent.action == "call").order_by(AuditEvent.seq)
        ).all()
    # The first record is committed before Twilio is asked: a killed worker never rings twice.
    assert [(r.resource_id, r.actor, r.reason) for r in records] == [
        (task_id, "system:callbacks", "callback call being placed"),
        (task_id, "system:callbacks", "callback call placed"),
    ]


def test_a_call_interrupted_before_its_result_was_recorded_is_not_placed_again(
    phone: Phone, engine: Engine, open_desk: datetime
) -> None:
    task_id = busy_transfer(phone)

    # The worker dies after Twilio took the request, before the result was written.
    dialing = FakeTwilio(raises=KeyboardInterrupt())
    with pytest.raises(KeyboardInterrupt):
        job_round(engine, dialing)
    again = FakeTwilio()
    after = job_round(engine, again)

    assert len(dialing.sent) == 1
    assert (after.placed, again.sent) == ([], [])
    assert task_of(engine, task_id).status == "open"  # staff still see it on the worklist


def test_the_job_calls_only_inside_calling_hours_while_the_desk_is_open(
    phone: Phone, engine: Engine
) -> None:
    clock.set_now(EARLY, frozen=True)
    busy_transfer(phone)

    with session_factory(engine)() as session:
        before_eight = due_callbacks(session, EARLY)
        at_eight = due_callbacks(session, EIGHT)
        after_closing = due_callbacks(session, datetime.fromisoformat("2026-05-11T20:00:00-07:00"))

    assert (len(before_eight), len(at_eight), after_closing) == (0, 1, [])


def test_a_failed_placement_is_tried_again_but_a_refused_one_is_not(
    phone: Phone, engine: Engine, open_desk: datetime
) -> None:
    task_id = busy_transfer(phone)

    unavailable = job_round(engine, FakeTwilio(status=503))
    refused = job_round(engine, FakeTwilio(status=400))
    after = job_round(engine, FakeTwilio())

    assert (unavailable.retry, refused.refused, after.placed) == ([task_id], [task_id], [])


def test_a_person_who_answers_is_put_through_to_staff_and_the_request_is_done(
    app: FastAPI, phone: Phone, engine: Engine, open_desk: datetime
) -> None:
    task_id = busy_transfer(phone)
    answer_url = urls.public(urls.OUTBOUND, task=task_id)
    call = OutboundCall(app, answer_url, "human", caller=DANIEL_PHONE)

    heard = call.pick_up()
    after = call.transfer_result("completed")

    assert heard.text == (
        "Hello, this is Sequoia Valley Occupational Health, returning your call. Please hold "
        "while I connect you with our staff."
    )
    assert heard.dialed == STAFF_LINE
    assert after.ended
    assert task_of(engine, task_id).status == "done"


def test_a_spanish_caller_is_called_back_in_spanish_and_told_if_nobody_answers(
    app: FastAPI, phone: Phone, engine: Engine, open_desk: datetime
) -> None:
    task_id = busy_transfer(
        phone, MARIA_PHONE, "necesito una cita", "quiero hablar con una persona"
    )
    call = OutboundCall(app, urls.public(urls.OUTBOUND, task=task_id), "human", caller=MARIA_PHONE)

    heard = call.pick_up()
    after = call.transfer_result("no-answer")

    assert heard.text.startswith("Hola, le llamamos de Sequoia Valley Occupational Health")
    assert after.text.startswith("Lo siento, nadie pudo atender su llamada en este momento.")
    assert task_of(engine, task_id).status == "open"


def test_a_machine_gets_the_voicemail_and_the_request_stays_open(
    app: FastAPI, phone: Phone, engine: Engine, open_desk: datetime
) -> None:
    task_id = busy_transfer(phone)
    call = OutboundCall(
        app, urls.public(urls.OUTBOUND, task=task_id), "machine_end_beep", caller=DANIEL_PHONE
    )

    heard = call.pick_up()

    assert heard.text == (
        "Hello, this is Sequoia Valley Occupational Health. Please call us back at "
        "5 5 9, 5 5 5, 0 6 0 0. Thank you."
    )
    assert heard.dialed is None and heard.ended
    assert task_of(engine, task_id).status == "open"


@pytest.fixture
def desk(app: FastAPI, engine: Engine) -> Iterator[Callable[[str, str], object]]:
    """A staff member signed in to the dashboard: posts with the session's CSRF token."""
    with session_scope(engine) as session:
        user = User(email="desk@clinic.example.org", role="staff", password_hash="-", active=True)
        session.add(user)
        session.flush()
        secret = start_session(session, user, source_address="testclient")
        row = session.get(DashboardSession, hash_secret(secret))
        assert row is not None
        csrf = row.csrf_token
    client = TestClient(app, follow_redirects=False)
    client.cookies.set(SESSION_COOKIE, secret, path="/admin")

    def act(method: str, url: str) -> object:
        if method == "get":
            return client.get(url)
        return client.post(url, data={"csrf_token": csrf})

    yield act
    client.close()


def test_call_back_now_places_the_call_from_the_worklist(
    phone: Phone,
    engine: Engine,
    open_desk: datetime,
    desk: Callable[[str, str], object],
    fake_twilio_rest: FakeTwilio,
) -> None:
    task_id = busy_transfer(phone)
    before = desk("get", "/admin/today")

    response = desk("post", f"/admin/tasks/{task_id}/call")
    page = desk("get", response.headers["location"])  # type: ignore[attr-defined]

    assert f'action="/admin/tasks/{task_id}/call"' in before.text  # type: ignore[attr-defined]
    assert response.status_code == 303  # type: ignore[attr-defined]
    assert "Calling back now: when they answer, the staff line rings." in page.text  # type: ignore[attr-defined]
    [sent] = fake_twilio_rest.sent
    assert sent.data["To"] == DANIEL_PHONE
    with session_factory(engine)() as session:
        called = session.scalars(select(AuditEvent).where(AuditEvent.action == "call")).one()
        assert called.actor == "staff:desk@clinic.example.org"
        # Staff called: the job leaves it alone.
        assert due_callbacks(session, open_desk) == []


def test_without_a_phone_line_call_back_now_says_so_and_places_nothing(
    phone: Phone,
    engine: Engine,
    open_desk: datetime,
    desk: Callable[[str, str], object],
    fake_twilio_rest: FakeTwilio,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    task_id = busy_transfer(phone)
    monkeypatch.delenv("REFERRALDESK_TWILIO_ACCOUNT_SID")
    reset_settings_cache()

    response = desk("post", f"/admin/tasks/{task_id}/call")
    page = desk("get", response.headers["location"])  # type: ignore[attr-defined]

    assert "No phone line is configured here" in page.text  # type: ignore[attr-defined]
    assert fake_twilio_rest.sent == []
    assert task_of(engine, task_id).status == "open"


def test_only_an_open_callback_request_can_be_called_back(
    phone: Phone,
    engine: Engine,
    open_desk: datetime,
    desk: Callable[[str, str], object],
) -> None:
    task_id = busy_transfer(phone)
    desk("post", f"/admin/tasks/{task_id}/done")

    response = desk("post", f"/admin/tasks/{task_id}/call")

    assert response.status_code == 409  # type: ignore[attr-defined]


def test_the_periodic_job_places_the_due_calls_through_the_configured_client(
    phone: Phone, engine: Engine, open_desk: datetime, monkeypatch: pytest.MonkeyPatch
) -> None:
    task_id = busy_transfer(phone)
    fake = FakeTwilio()
    configured = TwilioVoice.from_settings(http_client=fake)
    monkeypatch.setattr(TwilioVoice, "from_settings", classmethod(lambda cls: configured))

    callback_tasks.callback_round.call_local()

    [sent] = fake.sent
    assert sent.data["Url"].endswith(f"/twilio/voice/outbound?task={task_id}")


def test_without_twilio_credentials_the_job_places_nothing(
    phone: Phone,
    engine: Engine,
    open_desk: datetime,
    fake_twilio_rest: FakeTwilio,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    busy_transfer(phone)
    monkeypatch.delenv("REFERRALDESK_TWILIO_AUTH_TOKEN")
    reset_settings_cache()

    callback_tasks.callback_round.call_local()

    assert fake_twilio_rest.sent == []
    with session_factory(engine)() as session:
        assert session.scalars(select(AuditEvent).where(AuditEvent.action == "call")).all() == []
