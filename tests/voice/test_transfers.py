"""Reaching a person: the staff line in office hours, a callback request otherwise."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime

import pytest
from sqlalchemy import Engine, select
from tests.voice.conftest import (
    DANIEL_PHONE,
    STAFF_LINE,
    CheckedCall,
    set_practice,
    the_conversation,
)

from referraldesk.db.session import session_factory
from referraldesk.models import StaffTask

Phone = Callable[..., CheckedCall]


def tasks(engine: Engine) -> list[StaffTask]:
    with session_factory(engine)() as session:
        return list(session.scalars(select(StaffTask).order_by(StaffTask.created_at)))


@pytest.mark.parametrize("transport", ["turn", "streaming"])
def test_in_office_hours_a_transfer_rings_staff_with_a_whisper_of_the_reason(
    phone: Phone, engine: Engine, open_desk: datetime, transport: str
) -> None:
    call = phone(caller=DANIEL_PHONE, transport=transport)
    call.dial()

    heard = call.say("I want to talk to a person")

    assert heard.text == "Of course. I'm connecting you with a member of our staff now."
    assert heard.dialed == STAFF_LINE
    [task] = tasks(engine)
    whisper = call.post(f"https://clinic.example.org/twilio/voice/whisper?task={task.id}", {})
    assert "Reason: caller asked for a person." in whisper.text
    assert (task.kind, task.status) == ("transfer", "open")


def test_a_transfer_staff_answered_closes_its_task(
    phone: Phone, engine: Engine, open_desk: datetime
) -> None:
    call = phone(caller=DANIEL_PHONE)
    call.dial()
    call.say("I want to talk to a person")

    after = call.transfer_result("completed")

    assert after.ended and after.text == ""
    [task] = tasks(engine)
    assert task.status == "done"
    assert the_conversation(engine, call.call_sid).outcome == "transferred"


@pytest.mark.parametrize("dial_status", ["busy", "no-answer", "failed"])
def test_a_transfer_nobody_took_becomes_a_callback_request(
    phone: Phone, engine: Engine, open_desk: datetime, dial_status: str
) -> None:
    call = phone(caller=DANIEL_PHONE)
    call.dial()
    call.say("I want to talk to a person")

    after = call.transfer_result(dial_status)

    assert after.text.startswith("I'm sorry, no one could take your call just now.")
    assert after.ended
    [task] = tasks(engine)
    assert (task.kind, task.status, task.callback_phone) == ("callback", "open", DANIEL_PHONE)
    assert task.reason == f"callback (dial_{dial_status}): caller asked for a person"


def test_a_repeated_dial_result_changes_nothing_more(
    phone: Phone, engine: Engine, open_desk: datetime
) -> None:
    call = phone(caller=DANIEL_PHONE)
    call.dial()
    call.say("I want to talk to a person")
    action = call.pending_action()
    call.transfer_result("busy")

    again = call.post(action, {"DialCallStatus": "busy"})

    assert "no one could take your call" in again.text
    [task] = tasks(engine)
    assert task.reason == "callback (dial_busy): caller asked for a person"


@pytest.mark.parametrize("transport", ["turn", "streaming"])
def test_after_hours_the_caller_leaves_a_callback_request_instead(
    phone: Phone, engine: Engine, closed_desk: datetime, transport: str
) -> None:
    call = phone(caller=DANIEL_PHONE, transport=transport)
    call.dial()

    heard = call.say("I want to talk to a person")

    assert heard.dialed is None and heard.ended
    assert heard.text == (
        "Our office is closed right now, so I've asked our staff to call you back at the "
        "number you're calling from. Goodbye."
    )
    [task] = tasks(engine)
    assert (task.kind, task.callback_phone) == ("callback", DANIEL_PHONE)


def test_with_after_hours_coverage_staff_answer_in_office_hours(
    phone: Phone, engine: Engine, open_desk: datetime
) -> None:
    set_practice(engine, coverage_mode="after_hours")
    call = phone(caller=DANIEL_PHONE)

    heard = call.dial()

    assert heard.dialed == STAFF_LINE
    assert call.conversation_id() is None


def test_a_forwarded_call_nobody_answers_comes_back_to_the_agent(
    phone: Phone, engine: Engine, open_desk: datetime
) -> None:
    set_practice(engine, coverage_mode="after_hours")
    call = phone(caller=DANIEL_PHONE)
    call.dial()

    heard = call.transfer_result("no-answer")

    assert heard.text.startswith("Hi, thanks for contacting Sequoia Valley Occupational Health.")
    assert call.conversation_id() is not None


def test_with_after_hours_coverage_the_agent_answers_when_the_desk_is_closed(
    phone: Phone, engine: Engine, closed_desk: datetime
) -> None:
    set_practice(engine, coverage_mode="after_hours")
    call = phone(caller=DANIEL_PHONE)

    heard = call.dial()

    assert heard.dialed is None
    assert heard.text.startswith("Hi, thanks for contacting Sequoia Valley Occupational Health.")
