"""Silence reprompts twice, then offers a person; an emergency hears 911 first."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime

import pytest
from sqlalchemy import Engine, select
from tests.voice.conftest import (
    DANIEL_PHONE,
    MARIA_PHONE,
    STAFF_LINE,
    CheckedCall,
    the_conversation,
)

from referraldesk.db.session import session_factory
from referraldesk.models import StaffTask, Turn

Phone = Callable[..., CheckedCall]


def test_silence_is_reprompted_twice_then_a_person_is_offered_then_connected(
    phone: Phone, engine: Engine, open_desk: datetime
) -> None:
    call = phone(caller=DANIEL_PHONE)
    call.dial()
    asked = call.say("I need an appointment").text

    first, second, offer, last = (call.stay_silent() for _ in range(4))

    assert first.text == f"Sorry, I didn't hear anything. {asked}"
    assert second.text == first.text
    assert offer.text == (
        "I still can't hear you. To talk with a person, press 0, or stay on the line and "
        "I'll connect you."
    )
    assert last.text == "I'll connect you with a member of our staff now."
    assert last.dialed == STAFF_LINE
    with session_factory(engine)() as session:
        [task] = session.scalars(select(StaffTask)).all()
        assert task.reason == "caller silent on the line"
        caller_turns = session.scalars(select(Turn).where(Turn.speaker == "caller")).all()
    assert len(caller_turns) == 1


def test_a_retried_silence_webhook_opens_one_task(
    phone: Phone, engine: Engine, open_desk: datetime
) -> None:
    call = phone(caller=DANIEL_PHONE)
    call.dial()
    for _ in range(3):
        call.stay_silent()
    action = call.pending_action()

    call.post(action, {})
    call.post(action, {})

    with session_factory(engine)() as session:
        assert len(session.scalars(select(StaffTask)).all()) == 1


def test_zero_at_the_offer_reaches_a_person(
    phone: Phone, engine: Engine, open_desk: datetime
) -> None:
    call = phone(caller=DANIEL_PHONE)
    call.dial()
    for _ in range(3):
        call.stay_silent()

    heard = call.press("0")

    assert heard.dialed == STAFF_LINE


def test_speech_after_a_reprompt_goes_on_with_the_conversation(
    phone: Phone, open_desk: datetime
) -> None:
    call = phone(caller=DANIEL_PHONE)
    call.dial()
    call.stay_silent()

    heard = call.say("I need to book an appointment")

    assert heard.turn is not None and heard.turn.awaiting == "name"


@pytest.mark.parametrize("transport", ["turn", "streaming"])
def test_an_emergency_is_told_to_hang_up_and_dial_911_before_anything_else(
    phone: Phone, engine: Engine, open_desk: datetime, transport: str
) -> None:
    call = phone(caller=DANIEL_PHONE, transport=transport)
    call.dial()

    heard = call.say("my father has chest pain and can't breathe")

    assert heard.text.startswith("This sounds like an emergency. Please hang up and call 911")
    assert heard.ended and heard.dialed is None
    assert the_conversation(engine, call.call_sid).outcome == "emergency"


def test_a_spanish_emergency_hears_911_in_spanish(
    phone: Phone, engine: Engine, open_desk: datetime
) -> None:
    call = phone(caller=MARIA_PHONE)
    call.dial()

    heard = call.say("mi esposo tiene dolor de pecho y no puede respirar")

    assert heard.text.startswith("Esto parece una emergencia. Por favor cuelgue y llame al 911")
    assert heard.ended
