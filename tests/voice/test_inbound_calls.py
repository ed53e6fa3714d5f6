"""Whole inbound calls through the signed webhooks, on both transports."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime

import pytest
from sqlalchemy import Engine, select
from tests.voice.conftest import (
    DANIEL_PHONE,
    MARIA_PHONE,
    CheckedCall,
    set_policy,
    the_conversation,
)

from referraldesk.db.session import session_factory
from referraldesk.models import Appointment, Turn

Phone = Callable[..., CheckedCall]


def answer(call: CheckedCall, step: str) -> str:
    heard = call.press(step[1:]) if step.startswith("#") else call.say(step)
    return heard.text


@pytest.mark.parametrize("transport", ["turn", "streaming"])
def test_an_english_caller_books_with_keyed_birth_date_and_choice(
    phone: Phone, engine: Engine, open_desk: datetime, transport: str
) -> None:
    call = phone(caller=DANIEL_PHONE, transport=transport)

    greeting = call.dial().text
    said = [
        answer(call, step)
        for step in (
            "Hi, my doctor said I need to see a bone specialist for my knee",
            "Daniel Ortega",
            "#11221979",
            "anything after 5 in the evening",
            "#1",
            "#1",
            "no, that's it",
        )
    ]
    call.hang_up()

    assert greeting.startswith("Hi, thanks for contacting Sequoia Valley Occupational Health.")
    assert greeting.endswith("Para español, oprima el 2.")
    assert said[1].endswith(
        "You can also key it in: two digits for the month, two for the day and four for the year."
    )
    assert said[2].startswith("I have November 22, 1979. Thank you, I found the record.")
    assert said[3].endswith("You can also press the number of your choice.")
    assert said[4] == (
        "Monday May 11 at 5:00 PM with Dr. Kevin Thao at Sequoia Valley Occupational Health"
        " - Visalia. Shall I book it?"
    )
    assert said[5].startswith("You're all set for Monday May 11 at 5:00 PM")
    assert call.ended
    conversation = the_conversation(engine, call.call_sid)
    assert (conversation.channel, conversation.outcome, conversation.status) == (
        "voice",
        "booked",
        "ended",
    )
    with session_factory(engine)() as session:
        booked = session.scalars(
            select(Appointment).where(Appointment.patient_id == conversation.patient_id)
        ).one()
    assert booked.channel == "voice"


@pytest.mark.parametrize("transport", ["turn", "streaming"])
def test_a_spanish_caller_who_simply_starts_in_spanish_is_followed_and_books(
    phone: Phone, engine: Engine, open_desk: datetime, transport: str
) -> None:
    call = phone(caller=MARIA_PHONE, transport=transport)
    call.dial()

    first = call.say("Buenos días, mi doctora me mandó con un especialista de la piel")
    said = [
        answer(call, step)
        for step in (
            "Soy María Elena López García",
            "el 3 de abril del 85",
            "temprano, antes de las 8",
            "#1",
            "sí, perfecto",
            "no, es todo, gracias",
        )
    ]
    call.hang_up()

    assert first.text == "Con gusto. Primero, ¿cuál es el nombre completo del paciente?"
    if transport == "streaming":
        assert first.language == "es-MX"
    assert said[1].startswith("Anoté el 3 de abril de 1985. Gracias, encontré el registro.")
    assert said[4].startswith("Listo, su cita quedó para el miércoles 13 de mayo a las 6:30 a. m.")
    conversation = the_conversation(engine, call.call_sid)
    assert (conversation.language, conversation.outcome) == ("es", "booked")


def test_key_two_at_the_greeting_picks_spanish(phone: Phone, open_desk: datetime) -> None:
    call = phone(caller=MARIA_PHONE)
    call.dial()

    heard = call.press("2")

    assert heard.text == "Claro, seguimos en español. ¿En qué le puedo ayudar?"
    assert heard.turn is not None and heard.turn.language == "es"


def test_saying_espanol_at_the_greeting_picks_spanish(phone: Phone, open_desk: datetime) -> None:
    call = phone(caller=MARIA_PHONE)
    call.dial()

    heard = call.say("Español")

    assert heard.turn is not None and heard.turn.language == "es"


def test_a_recorded_line_says_so_before_anything_else(
    phone: Phone, engine: Engine, open_desk: datetime
) -> None:
    set_policy(engine, record_calls=True)
    call = phone(caller=DANIEL_PHONE)

    greeting = call.dial().text

    assert greeting.startswith(
        "This call is recorded. By staying on the line you agree to the recording. "
        "Hi, thanks for contacting Sequoia Valley Occupational Health."
    )
    assert the_conversation(engine, call.call_sid).recording_disclosed is True


def test_a_line_that_is_not_recorded_says_nothing_about_recording(
    phone: Phone, engine: Engine, open_desk: datetime
) -> None:
    call = phone(caller=DANIEL_PHONE)

    greeting = call.dial().text

    assert "recorded" not in greeting
    assert the_conversation(engine, call.call_sid).recording_disclosed is False


def test_each_turn_keeps_the_speech_confidence_and_the_agents_latency(
    phone: Phone, engine: Engine, open_desk: datetime
) -> None:
    call = phone(caller=DANIEL_PHONE)
    call.dial()

    call.say("I need to book an appointment", confidence=0.61)
    call.press("0")

    with session_factory(engine)() as session:
        conversation_id = the_conversation(engine, call.call_sid).id
        turns = session.scalars(
            select(Turn).where(Turn.conversation_id == conversation_id).order_by(Turn.seq)
        ).all()
    caller = [turn for turn in turns if turn.speaker == "caller"]
    agent = [turn for turn in turns if turn.speaker == "agent"]
    assert [turn.confidence for turn in caller] == [0.61, None]
    assert [turn.external_id for turn in caller] == [f"{call.call_sid}:1", f"{call.call_sid}:3"]
    assert all(turn.latency_ms is not None and turn.latency_ms > 0 for turn in agent)


def test_the_status_callback_ends_the_call_once(
    phone: Phone, engine: Engine, open_desk: datetime
) -> None:
    call = phone(caller=DANIEL_PHONE)
    call.dial()
    call.say("I need to book an appointment")

    call.hang_up("completed")
    call.post("https://clinic.example.org/twilio/voice/status", {"CallStatus": "completed"})

    conversation = the_conversation(engine, call.call_sid)
    assert (conversation.status, conversation.outcome) == ("ended", "abandoned")
    assert conversation.outcome_reason == "call_completed"
