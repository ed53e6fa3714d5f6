"""Twilio's status callback ends the call's conversation once, with the call's end as
its reason; a call still going on is left alone."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime

import pytest
from sqlalchemy import Engine
from tests.voice.conftest import DANIEL_PHONE, CheckedCall, the_conversation

from referraldesk.voice import urls

Phone = Callable[..., CheckedCall]


@pytest.mark.parametrize(
    ("status", "reason"),
    [
        ("failed", "call_failed"),
        ("busy", "call_busy"),
        ("no-answer", "call_no_answer"),
        ("canceled", "call_canceled"),
    ],
)
def test_a_call_that_failed_ends_its_conversation_as_abandoned_with_the_status(
    phone: Phone, engine: Engine, open_desk: datetime, status: str, reason: str
) -> None:
    call = phone(caller=DANIEL_PHONE)
    call.dial()
    call.say("I need an appointment")

    call.hang_up(status)

    conversation = the_conversation(engine, call.call_sid)
    assert (conversation.status, conversation.outcome, conversation.outcome_reason) == (
        "ended",
        "abandoned",
        reason,
    )
    assert conversation.ended_at is not None


def test_a_later_status_does_not_change_how_the_call_ended(
    phone: Phone, engine: Engine, open_desk: datetime
) -> None:
    call = phone(caller=DANIEL_PHONE)
    call.dial()
    call.hang_up("failed")
    ended_at = the_conversation(engine, call.call_sid).ended_at

    call.post(urls.public(urls.STATUS), {"CallStatus": "completed"})
    call.post(urls.public(urls.STATUS), {"CallStatus": "busy"})

    conversation = the_conversation(engine, call.call_sid)
    assert (conversation.outcome_reason, conversation.ended_at) == ("call_failed", ended_at)


@pytest.mark.parametrize("status", ["ringing", "in-progress", "queued"])
def test_a_call_still_going_on_stays_active(
    phone: Phone, engine: Engine, open_desk: datetime, status: str
) -> None:
    call = phone(caller=DANIEL_PHONE)
    call.dial()

    call.post(urls.public(urls.STATUS), {"CallStatus": status})

    conversation = the_conversation(engine, call.call_sid)
    assert (conversation.status, conversation.outcome) == ("active", None)


def test_a_failed_status_after_a_booking_keeps_the_booking(
    phone: Phone, engine: Engine, open_desk: datetime
) -> None:
    call = phone(caller=DANIEL_PHONE)
    call.dial()
    for step in ("I need to see a bone specialist for my knee", "Daniel Ortega"):
        call.say(step)
    call.press("11221979")
    call.say("anything after 5 in the evening")
    call.press("1")
    call.press("1")

    call.hang_up("failed")

    conversation = the_conversation(engine, call.call_sid)
    assert (conversation.status, conversation.outcome) == ("ended", "booked")
