"""A phone number is read back; an answer the agent cannot use is asked again, then a
person is offered, on both transports."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime

import pytest
from sqlalchemy import Engine, select
from tests.voice.conftest import DANIEL_PHONE, STAFF_LINE, CheckedCall, the_conversation

from referraldesk.db.session import session_factory
from referraldesk.models import Turn

Phone = Callable[..., CheckedCall]
NEW_CALLER = "+15595550999"


def register_until_the_phone(call: CheckedCall, opening: str) -> str:
    """A new patient's call up to the question for a phone number; returns that question."""
    call.dial()
    call.say(opening)
    call.say("Rosa Mendez")
    return call.press("07141990").text


@pytest.mark.parametrize(
    ("transport", "answer"),
    [("turn", "559 555 0188"), ("turn", "#5595550188"), ("streaming", "#5595550188")],
)
def test_a_new_patients_phone_number_is_read_back_digit_by_digit(
    phone: Phone, engine: Engine, open_desk: datetime, transport: str, answer: str
) -> None:
    call = phone(caller=NEW_CALLER, transport=transport)
    asked = register_until_the_phone(call, "I'm a new patient and need to see a dermatologist")

    heard = call.press(answer[1:]) if answer.startswith("#") else call.say(answer)

    assert asked.endswith(
        "What's the best phone number to reach you? You can also key in the ten digits."
    )
    assert heard.text.startswith("I have 5 5 9, 5 5 5, 0 1 8 8. What health insurance do you have?")
    with session_factory(engine)() as session:
        said = session.scalars(
            select(Turn.text).where(Turn.speaker == "agent").order_by(Turn.seq.desc()).limit(1)
        ).one()
    assert said.startswith("I have 5 5 9, 5 5 5, 0 1 8 8.")


def test_a_spanish_phone_number_is_read_back_in_spanish(phone: Phone, open_desk: datetime) -> None:
    call = phone(caller=NEW_CALLER)
    register_until_the_phone(call, "Soy paciente nueva y necesito ver al dermatólogo")

    heard = call.press("5595550188")

    assert heard.text.startswith("Anoté el 5 5 9, 5 5 5, 0 1 8 8. ¿Qué seguro médico tiene?")


@pytest.mark.parametrize("transport", ["turn", "streaming"])
def test_an_answer_not_understood_is_asked_twice_more_then_a_person_is_offered(
    phone: Phone, engine: Engine, open_desk: datetime, transport: str
) -> None:
    call = phone(caller=DANIEL_PHONE, transport=transport)
    call.dial()
    asked = call.say("I need an appointment")

    again = call.say("uh")
    once_more = call.say("mm")
    offer = call.say("uh")
    connected = call.press("1")

    assert asked.text == "Sure. First, what's the patient's full name?"
    assert again.text == once_more.text == asked.text
    assert offer.text == (
        "I'm having trouble getting that right. Would you like me to connect you with a person?"
    )
    assert offer.turn is not None and offer.turn.awaiting == "confirm"
    assert connected.dialed == STAFF_LINE
    assert the_conversation(engine, call.call_sid).outcome == "transferred"
