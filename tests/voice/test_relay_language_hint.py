"""The language each relay prompt was transcribed in reaches the engine as a hint.

Words that read as either language ("hospital general") follow the recognizer's
language; a lone "ok" or a time does not switch anyone; without a `lang` the words
alone decide, as before.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import Any

from fastapi import FastAPI
from sqlalchemy.engine import Engine
from tests.voice.conftest import CheckedCall, the_conversation
from tests.voice.test_relay_protocol import answered_call

from referraldesk.voice.relay import RelayCall

Phone = Callable[..., CheckedCall]
EITHER_LANGUAGE = "hospital general"


def _relay(app: FastAPI, call: CheckedCall) -> RelayCall:
    relay_call = RelayCall(app.state.session_factory, call_sid=call.call_sid)
    relay_call.handle({"type": "setup", "callSid": call.call_sid})
    return relay_call


def _prompt(words: str, lang: str | None) -> dict[str, Any]:
    message: dict[str, Any] = {"type": "prompt", "voicePrompt": words, "last": True}
    if lang is not None:
        message["lang"] = lang
    return message


def test_words_of_either_language_heard_in_spanish_switch_the_call_to_spanish(
    app: FastAPI, engine: Engine, phone: Phone, open_desk: datetime
) -> None:
    call = answered_call(phone)

    messages = _relay(app, call).handle(_prompt(EITHER_LANGUAGE, "es-MX"))

    conversation = the_conversation(engine, call.call_sid)
    assert conversation.language == "es"
    assert conversation.languages == ["en", "es"]
    assert [turn.language for turn in conversation.turns if turn.speaker == "caller"] == ["es"]
    assert [message["lang"] for message in messages if message["type"] == "text"] == ["es-MX"]


def test_the_same_words_without_a_lang_keep_the_call_in_english(
    app: FastAPI, engine: Engine, phone: Phone, open_desk: datetime
) -> None:
    call = answered_call(phone)

    messages = _relay(app, call).handle(_prompt(EITHER_LANGUAGE, None))

    conversation = the_conversation(engine, call.call_sid)
    assert conversation.language == "en"
    assert conversation.languages == ["en"]
    assert [message["lang"] for message in messages if message["type"] == "text"] == ["en-US"]


def test_ok_heard_in_spanish_does_not_switch_the_call(
    app: FastAPI, engine: Engine, phone: Phone, open_desk: datetime
) -> None:
    call = answered_call(phone)

    messages = _relay(app, call).handle(_prompt("ok", "es-MX"))

    conversation = the_conversation(engine, call.call_sid)
    assert conversation.language == "en"
    assert conversation.languages == ["en"]
    assert [message["lang"] for message in messages if message["type"] == "text"] == ["en-US"]


def test_a_time_heard_in_spanish_does_not_switch_the_call(
    app: FastAPI, engine: Engine, phone: Phone, open_desk: datetime
) -> None:
    call = answered_call(phone)

    _relay(app, call).handle(_prompt("7:30", "es-MX"))

    assert the_conversation(engine, call.call_sid).language == "en"
