"""A <Gather> answer reaches the engine with the language the Gather listened in.

Twilio's Gather webhook does not say which language it transcribed in; the Gather
listened in the language of the agent turn it played, so that turn's language is the
hint. Words that read as either language keep a Spanish call in Spanish; plain English
still switches it.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import Any

import pytest
from sqlalchemy.engine import Engine
from tests.voice.conftest import DANIEL_PHONE, MARIA_PHONE, CheckedCall, the_conversation

from referraldesk.voice import calls

Phone = Callable[..., CheckedCall]
EITHER_LANGUAGE = "hospital general"


@pytest.fixture
def hints(monkeypatch: pytest.MonkeyPatch) -> list[str | None]:
    """The language_hint of every caller message the phone hands the engine."""
    seen: list[str | None] = []
    handle_message = calls.runtime.handle_message

    def spy(*args: Any, **kwargs: Any) -> Any:
        seen.append(kwargs.get("language_hint"))
        return handle_message(*args, **kwargs)

    monkeypatch.setattr(calls.runtime, "handle_message", spy)
    return seen


def _spanish_call(phone: Phone) -> CheckedCall:
    call = phone(caller=MARIA_PHONE)
    call.dial()
    call.say("necesito una cita con el dermatólogo")
    return call


def test_words_of_either_language_heard_by_a_spanish_gather_keep_the_call_in_spanish(
    engine: Engine, phone: Phone, open_desk: datetime, hints: list[str | None]
) -> None:
    call = _spanish_call(phone)

    call.say(EITHER_LANGUAGE)

    conversation = the_conversation(engine, call.call_sid)
    assert hints == ["en", "es"]
    assert conversation.language == "es"
    assert [t.language for t in conversation.turns if t.speaker == "caller"] == ["es", "es"]
    assert 'language="es-MX"' in call.twiml


def test_plain_english_heard_by_a_spanish_gather_still_switches_to_english(
    engine: Engine, phone: Phone, open_desk: datetime, hints: list[str | None]
) -> None:
    call = _spanish_call(phone)

    call.say("I would rather speak English please")

    conversation = the_conversation(engine, call.call_sid)
    assert hints == ["en", "es"]
    assert conversation.language == "en"
    assert [t.language for t in conversation.turns if t.speaker == "caller"] == ["es", "en"]
    assert 'language="en-US"' in call.twiml


def test_an_english_gather_hints_english_and_keys_alone_hint_nothing(
    engine: Engine, phone: Phone, open_desk: datetime, hints: list[str | None]
) -> None:
    call = phone(caller=DANIEL_PHONE)
    call.dial()

    call.say(EITHER_LANGUAGE)
    call.press("1")

    assert hints == ["en", None]
    assert the_conversation(engine, call.call_sid).language == "en"
