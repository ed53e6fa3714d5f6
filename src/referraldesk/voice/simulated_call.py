"""A phone call without a phone line: Twilio's side of a call, played in-process.

`SimulatedCall` sends what Twilio would send to the voice webhooks and the
ConversationRelay WebSocket, signed with the configured auth token over the public
URL exactly as Twilio signs, and reads back the TwiML and relay messages. The
terminal phone (`referraldesk phone`), the caller-case player and the tests all use
it, so each of them goes through the same handlers a real call does.
"""

from __future__ import annotations

import json
import os
import secrets
import xml.etree.ElementTree as ET
from contextlib import AbstractContextManager
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlencode

from fastapi import FastAPI
from sqlalchemy import Engine
from sqlalchemy.orm import Session
from starlette.testclient import TestClient, WebSocketTestSession

from referraldesk.channels.twilio_signature import sign, websocket_base
from referraldesk.conversation import runtime, store
from referraldesk.conversation.turn import AgentTurn
from referraldesk.db.session import session_factory
from referraldesk.errors import InvalidArgument
from referraldesk.settings import get_settings, reset_settings_cache
from referraldesk.voice import calls, urls
from referraldesk.voice.relay import greeting_aside

TRANSPORTS = ("turn", "streaming")
_FORM = "application/x-www-form-urlencoded"


def ensure_signing_token() -> str:
    """The configured Twilio auth token, or a throwaway one set for this process."""
    settings = get_settings()
    if settings.twilio_auth_token is not None:
        return settings.twilio_auth_token.get_secret_value()
    token = secrets.token_hex(16)
    # The simulated call and the app in this process must agree on the token.
    os.environ["REFERRALDESK_TWILIO_AUTH_TOKEN"] = token
    reset_settings_cache()
    return token


@dataclass
class Heard:
    """What the phone did after one caller action."""

    said: list[str] = field(default_factory=list)
    turn: AgentTurn | None = None
    dialed: str | None = None
    ended: bool = False
    language: str | None = None  # a relay `language` switch, as a BCP 47 code

    @property
    def text(self) -> str:
        return " ".join(self.said)


class SimulatedCall:
    """One call from `caller` to the practice, over the `transport` the test or user picks."""

    def __init__(
        self,
        app: FastAPI,
        *,
        transport: str = "turn",
        caller: str = "+15595550123",
        to: str = "+15595550600",
        call_sid: str | None = None,
    ) -> None:
        if transport not in TRANSPORTS:
            raise InvalidArgument(
                f"transport {transport!r} is not one of {', '.join(TRANSPORTS)}", field="transport"
            )
        self.app = app
        self.client = TestClient(app, raise_server_exceptions=True)
        self.transport = transport
        self.caller, self.to = caller, to
        self.call_sid = call_sid or "CA" + secrets.token_hex(16)
        self.token = ensure_signing_token()
        self.public_url = get_settings().public_url.rstrip("/")
        self.ended = False
        self._status_sent = False
        self._action: str | None = None  # the Gather's or the Dial's action URL
        self._relay_action: str | None = None
        # The language ConversationRelay transcribes in, as its prompts report it.
        self._relay_language = "en-US"
        self._socket: WebSocketTestSession | None = None
        self._socket_context: AbstractContextManager[WebSocketTestSession] | None = None

    # -- what the caller does -------------------------------------------------------

    def dial(self) -> Heard:
        """The call reaches the practice: Twilio asks POST /twilio/voice what to do."""
        url = urls.public(urls.VOICE, transport=self.transport)
        return self._read(self.post(url, {}))

    def say(self, words: str, *, confidence: float = 0.93) -> Heard:
        """The caller speaks."""
        if self._socket is not None:
            return self._relay(
                {"type": "prompt", "voicePrompt": words, "lang": self._relay_language, "last": True}
            )
        return self._read(
            self.post(self.pending_action(), {"SpeechResult": words, "Confidence": str(confidence)})
        )

    def press(self, keys: str) -> Heard:
        """The caller presses keys (a Gather collects them; the relay gets one at a time)."""
        if self._socket is None:
            return self._read(self.post(self.pending_action(), {"Digits": keys}))
        for key in keys[:-1]:
            self._socket.send_text(json.dumps({"type": "dtmf", "digit": key}))
        return self._relay({"type": "dtmf", "digit": keys[-1]})

    def stay_silent(self) -> Heard:
        """The caller says nothing until the Gather times out (turn-based calls)."""
        if self._socket is not None:
            raise InvalidArgument("silence is timed by the relay socket itself; use turn-based")
        return self._read(self.post(self.pending_action(), {}))

    def interrupt(self, heard: str) -> None:
        """The caller talks over the agent after hearing `heard` of its reply (streaming)."""
        if self._socket is None:
            raise InvalidArgument("only a streaming call can be interrupted")
        message = {
            "type": "interrupt",
            "utteranceUntilInterrupt": heard,
            "durationUntilInterruptMs": 900,
        }
        self._socket.send_text(json.dumps(message))

    def transfer_result(self, status: str) -> Heard:
        """How the <Dial> to staff ended (DialCallStatus: completed, busy, no-answer ...)."""
        return self._read(self.post(self.pending_action(), {"DialCallStatus": status}))

    def hang_up(self, status: str = "completed") -> None:
        """The call is over: Twilio's status callback (sent once)."""
        self._close_socket()
        if not self._status_sent:
            self.post(urls.public(urls.STATUS), {"CallStatus": status})
        self._status_sent = self.ended = True

    # -- what Twilio does -----------------------------------------------------------

    def post(self, url: str, fields: dict[str, str]) -> Any:
        """POST `fields` (plus the call's own) to public `url`, signed as Twilio signs."""
        if not url.startswith(self.public_url):
            raise InvalidArgument(f"{url!r} is not under the public URL {self.public_url!r}")
        form = list((dict(self.call_fields()) | fields).items())
        response = self.client.post(
            url.removeprefix(self.public_url),
            content=urlencode(form),
            headers={"content-type": _FORM, "x-twilio-signature": sign(self.token, url, form)},
        )
        response.raise_for_status()
        return response

    def last_turn(self) -> AgentTurn | None:
        """The engine's latest turn in this call (from the database, as stored)."""
        with session_factory(self.app.state.engine)() as session:
            conversation = calls.find_call(session, self.call_sid)
            row = store.last_agent_turn(session, conversation.id) if conversation else None
            return store.as_agent_turn(row) if row is not None else None

    def conversation_id(self) -> str | None:
        with session_factory(self.app.state.engine)() as session:
            conversation = calls.find_call(session, self.call_sid)
            return conversation.id if conversation else None

    def call_fields(self) -> list[tuple[str, str]]:
        """The fields Twilio sends with every request of this call."""
        return [
            ("AccountSid", "AC" + "0" * 32),
            ("CallSid", self.call_sid),
            ("From", self.caller),
            ("To", self.to),
            ("CallStatus", "in-progress"),
            ("Direction", "inbound"),
        ]

    def pending_action(self) -> str:
        """The URL Twilio posts next (the Gather's or the Dial's action)."""
        if self.ended or self._action is None:
            raise InvalidArgument("the call is over; nothing is listening")
        return self._action

    def _read(self, response: Any) -> Heard:
        """Act on a TwiML document as Twilio would, up to where it waits for the caller."""
        heard = Heard()
        root = ET.fromstring(response.text)
        self._action = None
        for verb in root:
            self._verb(verb, heard)
        heard.turn = self.last_turn()
        heard.ended = heard.ended or self.ended
        return heard

    def _verb(self, verb: ET.Element, heard: Heard) -> None:
        if verb.tag == "Say":
            heard.said.append(verb.text or "")
        elif verb.tag == "Gather":
            heard.said.extend(say.text or "" for say in verb.iter("Say"))
            self._action = verb.get("action")
        elif verb.tag == "Dial":
            heard.dialed = next((n.text for n in verb.iter("Number")), None)
            self._action = verb.get("action")
        elif verb.tag == "Hangup":
            self.ended = heard.ended = True
        elif verb.tag == "Connect":
            self._connect(verb, heard)

    def _connect(self, verb: ET.Element, heard: Heard) -> None:
        relay = verb.find("ConversationRelay")
        if relay is None:
            raise InvalidArgument("<Connect> without <ConversationRelay>")
        heard.said.append(relay.get("welcomeGreeting") or "")
        self._relay_action = verb.get("action")
        self._relay_language = relay.get("language") or self._relay_language
        url = relay.get("url") or ""
        base = websocket_base(self.public_url)
        self._socket_context = self.client.websocket_connect(
            url.removeprefix(base), headers={"x-twilio-signature": sign(self.token, url)}
        )
        self._socket = self._socket_context.__enter__()
        setup = {
            "type": "setup",
            "callSid": self.call_sid,
            "from": self.caller,
            "to": self.to,
            "direction": "inbound",
            "customParameters": {},
        }
        self._socket.send_text(json.dumps(setup))
        if self._greeting_has_aside():
            # The greeting's aside in the other language is the relay's first message.
            heard.said.extend(self._relay_reply().said)

    def _greeting_has_aside(self) -> bool:
        with session_factory(self.app.state.engine)() as session:
            conversation = calls.find_call(session, self.call_sid)
            return conversation is not None and greeting_aside(session, conversation) is not None

    def _relay(self, message: dict[str, Any]) -> Heard:
        """Send one message and read the relay's answer up to its last token or its end."""
        assert self._socket is not None
        self._socket.send_text(json.dumps(message))
        return self._relay_reply()

    def _relay_reply(self) -> Heard:
        """Read the relay's messages up to its last token or its end."""
        assert self._socket is not None
        heard = Heard()
        while True:
            reply = self._socket.receive_json()
            if reply.get("type") == "language":
                heard.language = reply.get("ttsLanguage")
                self._relay_language = reply.get("transcriptionLanguage") or self._relay_language
            elif reply.get("type") == "text":
                heard.said.append(reply.get("token", ""))
                if reply.get("last"):
                    heard.turn = self.last_turn()
                    return heard
            elif reply.get("type") == "end":
                return self._session_ended(heard, reply.get("handoffData") or "")

    def _session_ended(self, heard: Heard, handoff: str) -> Heard:
        self._close_socket()
        if self._relay_action is None:
            raise InvalidArgument("the relay ended but <Connect> had no action URL")
        after = self._read(
            self.post(self._relay_action, {"HandoffData": handoff, "SessionStatus": "ended"})
        )
        after.said = [*heard.said, *after.said]
        after.language = heard.language
        return after

    def _close_socket(self) -> None:
        if self._socket_context is not None:
            self._socket_context.__exit__(None, None, None)
        self._socket = self._socket_context = None


def open_app(engine: Engine, *, skip_analysis: bool = False) -> FastAPI:
    """The web app on `engine`; `skip_analysis` queues no analysis (throwaway databases)."""
    from referraldesk.api.app import create_app

    app = create_app(engine)
    if skip_analysis:
        sessions = app.state.session_factory

        def skipping() -> Session:
            session: Session = sessions()
            runtime.skip_analysis(session)
            return session

        app.state.session_factory = skipping
    return app


class CaseCall:
    """The caller-case player's phone: the same start / say / end as the runtime, but
    every step is a signed webhook (or relay message) on a fresh app over `engine`."""

    def __init__(self, engine: Engine, *, caller_phone: str | None, transport: str = "turn"):
        app = open_app(engine, skip_analysis=True)
        self.call = SimulatedCall(app, transport=transport, caller=caller_phone or "Anonymous")

    def start(self) -> tuple[str, AgentTurn]:
        """Dial; returns the conversation id and the agent's greeting."""
        heard = self.call.dial()
        conversation_id = self.call.conversation_id()
        if conversation_id is None or heard.turn is None:
            raise InvalidArgument("the call was not answered by the agent (is staff taking calls?)")
        return conversation_id, heard.turn

    def say(self, words: str) -> AgentTurn:
        heard = self.call.say(words)
        if heard.turn is None:
            raise InvalidArgument("the agent did not answer")
        return heard.turn

    def end(self) -> None:
        self.call.hang_up()
