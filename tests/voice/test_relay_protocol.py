"""The ConversationRelay WebSocket, message by message, as Twilio speaks it."""

from __future__ import annotations

import json
import xml.etree.ElementTree as ET
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import datetime
from typing import Any

import pytest
from fastapi import FastAPI
from sqlalchemy import Engine, select
from starlette.testclient import TestClient, WebSocketTestSession
from starlette.websockets import WebSocketDisconnect
from tests.voice.conftest import DANIEL_PHONE, TOKEN, CheckedCall

from referraldesk.channels.twilio_signature import sign
from referraldesk.db.session import session_factory
from referraldesk.models import Turn
from referraldesk.voice import urls
from referraldesk.voice.relay import RelayCall
from referraldesk.voice.relay_token import token_for

Phone = Callable[..., CheckedCall]
RELAY_URL = "wss://clinic.example.org/twilio/voice/relay"


def relay_url(call_sid: str) -> str:
    """The relay URL the TwiML of call `call_sid` names: its CallSid and its token."""
    return f"{RELAY_URL}?call={call_sid}&token={token_for(call_sid)}"


@contextmanager
def relay(
    app: FastAPI, call_sid: str, signature: str | None = None, *, greeted: bool = True
) -> Iterator[WebSocketTestSession]:
    """A relay socket for the call, set up; `greeted` reads the greeting's aside first."""
    url = relay_url(call_sid)
    headers = {"x-twilio-signature": signature if signature is not None else sign(TOKEN, url)}
    path = url.removeprefix("wss://clinic.example.org")
    with TestClient(app).websocket_connect(path, headers=headers) as socket:
        socket.send_json({"type": "setup", "callSid": call_sid, "from": DANIEL_PHONE})
        if greeted:
            aside = socket.receive_json()
            assert (aside["lang"], aside["token"][-26:]) == ("es-MX", "Para español, oprima el 2.")
        yield socket


def answered_call(phone: Phone) -> CheckedCall:
    """A call the agent answered on the streaming transport (no socket opened yet)."""
    call = phone(caller=DANIEL_PHONE, transport="streaming")
    response = call.post(urls.public(urls.VOICE, transport="streaming"), {})
    relay_element = ET.fromstring(response.text).find("Connect/ConversationRelay")
    assert relay_element is not None
    assert relay_element.get("url") == relay_url(call.call_sid)
    assert relay_element.get("dtmfDetection") == "true"
    assert relay_element.get("interruptible") == "any"
    assert [lang.get("code") for lang in relay_element.iter("Language")] == ["en-US", "es-MX"]
    return call


def agent_turns(engine: Engine) -> list[Turn]:
    with session_factory(engine)() as session:
        return list(session.scalars(select(Turn).where(Turn.speaker == "agent").order_by(Turn.seq)))


def test_a_prompt_gets_the_agents_reply_as_one_last_text_token(
    app: FastAPI, phone: Phone, open_desk: datetime
) -> None:
    call = answered_call(phone)
    with relay(app, call.call_sid) as socket:
        socket.send_json(
            {
                "type": "prompt",
                "voicePrompt": "I need an appointment",
                "lang": "en-US",
                "last": True,
            }
        )

        reply = socket.receive_json()

    assert reply == {
        "type": "text",
        "token": "Sure. First, what's the patient's full name?",
        "last": True,
        "lang": "en-US",
    }


def test_a_reply_cut_off_by_the_caller_is_recorded_with_what_was_heard(
    app: FastAPI, phone: Phone, engine: Engine, open_desk: datetime
) -> None:
    call = answered_call(phone)
    with relay(app, call.call_sid) as socket:
        socket.send_json({"type": "prompt", "voicePrompt": "I need an appointment", "last": True})
        socket.receive_json()
        socket.send_json(
            {
                "type": "interrupt",
                "utteranceUntilInterrupt": "Sure. First,",
                "durationUntilInterruptMs": "460",
            }
        )
        socket.send_json({"type": "prompt", "voicePrompt": "Daniel Ortega", "last": True})
        reply = socket.receive_json()

    cut, answered = agent_turns(engine)[1:3]
    assert (cut.interrupted, cut.heard_text) == (True, "Sure. First,")
    assert cut.text == "Sure. First, what's the patient's full name?"
    assert answered.interrupted is False
    assert reply["token"].startswith("Thank you. What's the patient's date of birth?")


def test_the_engine_is_told_what_was_heard_of_a_cut_off_reply(
    app: FastAPI, phone: Phone, engine: Engine, open_desk: datetime
) -> None:
    from referraldesk.conversation import brains
    from referraldesk.conversation.brain import TurnContext
    from referraldesk.conversation.turn import AgentTurn

    seen: list[Any] = []

    class Listener:
        name = "guided"

        def start(self, ctx: TurnContext) -> AgentTurn:
            return AgentTurn(reply="Hello, how can I help?", language="en")

        def respond(self, ctx: TurnContext, text: str) -> AgentTurn:
            seen.append(ctx.extra.get("last_reply_heard"))
            return AgentTurn(reply="Which day works for you?", language="en")

    with brains.replaced("guided", Listener):
        call = answered_call(phone)
        with relay(app, call.call_sid) as socket:
            socket.send_json({"type": "prompt", "voicePrompt": "an appointment", "last": True})
            socket.receive_json()
            socket.send_json({"type": "interrupt", "utteranceUntilInterrupt": "Which"})
            socket.send_json({"type": "prompt", "voicePrompt": "Tuesday", "last": True})
            socket.receive_json()

    assert seen == [None, "Which"]


def test_key_two_switches_the_relay_to_spanish_before_the_reply(
    app: FastAPI, phone: Phone, open_desk: datetime
) -> None:
    call = answered_call(phone)
    with relay(app, call.call_sid) as socket:
        socket.send_json({"type": "dtmf", "digit": "2"})

        switch, text = socket.receive_json(), socket.receive_json()

    assert switch == {"type": "language", "ttsLanguage": "es-MX", "transcriptionLanguage": "es-MX"}
    assert text["lang"] == "es-MX"
    assert text["token"] == "Claro, seguimos en español. ¿En qué le puedo ayudar?"


def test_keys_for_a_birth_date_are_collected_until_all_eight_are_in(
    app: FastAPI, phone: Phone, engine: Engine, open_desk: datetime
) -> None:
    call = answered_call(phone)
    with relay(app, call.call_sid) as socket:
        for words in ("I need an appointment", "Daniel Ortega"):
            socket.send_json({"type": "prompt", "voicePrompt": words, "last": True})
            socket.receive_json()
        for digit in "11221979":
            socket.send_json({"type": "dtmf", "digit": digit})

        reply = socket.receive_json()

    assert reply["token"].startswith("I have November 22, 1979. Thank you, I found the record.")
    with session_factory(engine)() as session:
        keyed = session.scalars(
            select(Turn.text).where(Turn.speaker == "caller").order_by(Turn.seq.desc()).limit(1)
        ).one()
    assert keyed == "1979-11-22"


def test_partial_prompts_and_unknown_messages_get_no_answer(
    app: FastAPI, phone: Phone, engine: Engine, open_desk: datetime
) -> None:
    call = answered_call(phone)
    with relay(app, call.call_sid) as socket:
        socket.send_json({"type": "prompt", "voicePrompt": "I need", "last": False})
        socket.send_json({"type": "info", "name": "roundTripDelayMs", "value": 40})
        socket.send_text("not json")
        socket.send_json({"type": "error", "description": "Invalid message"})
        socket.send_json({"type": "prompt", "voicePrompt": "I need an appointment", "last": True})

        reply = socket.receive_json()

    assert reply["token"] == "Sure. First, what's the patient's full name?"
    assert len(agent_turns(engine)) == 2


def test_a_relay_for_an_unknown_call_is_ended(app: FastAPI, open_desk: datetime) -> None:
    with relay(app, "CA" + "9" * 32, greeted=False) as socket:
        ended = socket.receive_json()

    assert ended == {"type": "end", "handoffData": json.dumps({"kind": "hang_up"})}


@pytest.mark.parametrize("signature", ["", "bm90IHRoZSBzaWduYXR1cmU="])
def test_an_unsigned_or_wrongly_signed_handshake_is_refused(
    app: FastAPI, signature: str, open_desk: datetime
) -> None:
    headers = {"x-twilio-signature": signature} if signature else {}

    with (
        pytest.raises(WebSocketDisconnect) as refused,
        TestClient(app).websocket_connect("/twilio/voice/relay", headers=headers) as relay,
    ):
        relay.receive_text()  # never reached: the handshake itself is refused

    assert refused.value.code == 1008


def test_silence_on_the_relay_reprompts_then_offers_a_person(
    app: FastAPI, phone: Phone, engine: Engine, open_desk: datetime
) -> None:
    call = answered_call(phone)
    relay_call = RelayCall(app.state.session_factory)
    relay_call.handle({"type": "setup", "callSid": call.call_sid})
    relay_call.handle({"type": "prompt", "voicePrompt": "I need an appointment", "last": True})

    first, second, offer = (relay_call.on_silence() for _ in range(3))
    connect = relay_call.on_silence()

    assert first[0]["token"] == (
        "Sorry, I didn't hear anything. Sure. First, what's the patient's full name?"
    )
    assert second == first
    assert offer[0]["token"].startswith("I still can't hear you. To talk with a person, press 0")
    assert connect[0]["type"] == "end"
    assert json.loads(connect[0]["handoffData"])["kind"] == "dial"
    assert relay_call.silence_seconds > 8.0
