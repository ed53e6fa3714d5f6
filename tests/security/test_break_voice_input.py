"""Breaking a phone call with what a caller, or a noisy line, can send: speech longer
than any message the engine takes, and relay messages of the wrong shape. The call must
go on; a dropped call is the one failure a caller cannot recover from."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import Any

import pytest
from fastapi import FastAPI
from sqlalchemy import Engine
from tests.voice import conftest as phone_tests
from tests.voice.conftest import CheckedCall, the_conversation
from tests.voice.test_relay_protocol import answered_call, relay

from referraldesk.conversation.runtime import MAX_MESSAGE_CHARS
from referraldesk.errors import InvalidArgument
from referraldesk.voice.relay import RelayCall

Phone = Callable[..., CheckedCall]
# The phone tests' practice, Twilio settings and signed calls (tests/voice/conftest.py).
template_db = phone_tests.template_db
engine = phone_tests.engine
_logs_to_this_tests_stderr = phone_tests._logs_to_this_tests_stderr
twilio_settings = phone_tests.twilio_settings
fake_twilio_rest = phone_tests.fake_twilio_rest
open_desk = phone_tests.open_desk
app = phone_tests.app
phone = phone_tests.phone
# About three minutes of talk without a pause: a caller telling the whole story, or a
# television Twilio transcribed.
RAMBLING = "my knee has hurt since the fall and " * 60
# Messages Twilio never sends in these shapes; none of them has anything to answer.
WRONG_SHAPES: list[dict[str, Any]] = [
    {"type": "dtmf"},
    {"type": "dtmf", "digit": None},
    {"type": "prompt", "voicePrompt": "   ", "lang": 5, "last": True},
    {"type": "interrupt", "utteranceUntilInterrupt": {"a": 1}, "durationUntilInterruptMs": "x"},
    {"type": "interrupt", "utteranceUntilInterrupt": 5},
    {"type": "error", "description": {"a": 1}},
    {"type": ["setup"]},
    {"type": None},
]


def test_the_rambling_is_longer_than_the_engine_takes() -> None:
    assert len(RAMBLING.strip()) > MAX_MESSAGE_CHARS


def test_a_long_utterance_on_a_turn_based_call_is_answered_from_its_start(
    phone: Phone, open_desk: datetime, engine: Engine, capsys: pytest.CaptureFixture[str]
) -> None:
    call = phone(caller="+15595550117", transport="turn")
    call.dial()

    heard = call.say(RAMBLING)

    assert heard.text
    said = [turn.text for turn in the_conversation(engine, call.call_sid).turns
            if turn.speaker == "caller"]
    assert len(said) == 1 and RAMBLING.startswith(said[0])
    assert MAX_MESSAGE_CHARS // 2 < len(said[0]) <= MAX_MESSAGE_CHARS
    logged = capsys.readouterr()
    assert "caller_speech_shortened" in logged.out + logged.err
    assert "knee" not in logged.out + logged.err


def test_a_long_utterance_on_a_streaming_call_is_answered(
    app: FastAPI, phone: Phone, open_desk: datetime
) -> None:
    call = answered_call(phone)
    with relay(app, call.call_sid) as socket:
        socket.send_json({"type": "prompt", "voicePrompt": RAMBLING, "lang": "en-US",
                          "last": True})
        reply = socket.receive_json()

    assert reply["type"] == "text" and reply["token"]


def test_relay_messages_of_the_wrong_shape_leave_the_call_going(
    app: FastAPI, phone: Phone, open_desk: datetime
) -> None:
    call = answered_call(phone)
    with relay(app, call.call_sid) as socket:
        for message in WRONG_SHAPES:
            socket.send_json(message)
        socket.send_json({"type": "prompt", "voicePrompt": "I need an appointment",
                          "lang": "en-US", "last": True})
        reply = socket.receive_json()

    assert reply["token"] == "Sure. First, what's the patient's full name?"


def test_a_refused_relay_message_leaves_the_call_going(
    app: FastAPI, phone: Phone, open_desk: datetime, monkeypatch: pytest.MonkeyPatch
) -> None:
    handle_text = RelayCall.handle_text
    seen: list[str] = []

    def refuse_the_first_prompt(self: RelayCall, raw: str) -> list[dict[str, Any]]:
        seen.append(raw)
        if '"prompt"' in raw and sum('"prompt"' in text for text in seen) == 1:
            raise InvalidArgument("a message the engine refuses", field="text")
        return handle_text(self, raw)

    monkeypatch.setattr(RelayCall, "handle_text", refuse_the_first_prompt)
    call = answered_call(phone)
    with relay(app, call.call_sid) as socket:
        for _ in range(2):
            socket.send_json({"type": "prompt", "voicePrompt": "I need an appointment",
                              "lang": "en-US", "last": True})
        reply = socket.receive_json()

    assert len(seen) == 3  # the setup and both prompts: the socket outlived the refusal
    assert reply["token"] == "Sure. First, what's the patient's full name?"
