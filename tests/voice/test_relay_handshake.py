"""The ConversationRelay socket opens for the call its URL was made for, and no other."""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from datetime import datetime

import pytest
from fastapi import FastAPI
from starlette.testclient import TestClient
from starlette.websockets import WebSocketDisconnect
from tests.voice.conftest import TOKEN, CheckedCall
from tests.voice.test_relay_protocol import RELAY_URL, answered_call, relay_url

from referraldesk.channels.twilio_signature import sign
from referraldesk.voice.relay_token import token_for

Phone = Callable[..., CheckedCall]
OTHER_CALL = "CA" + "b" * 32


def refused(app: FastAPI, url: str, signature: str) -> int:
    """The close code of a handshake to `url` (wss) that must be refused."""
    path = url.removeprefix("wss://clinic.example.org")
    with (
        pytest.raises(WebSocketDisconnect) as closed,
        TestClient(app).websocket_connect(path, headers={"x-twilio-signature": signature}) as ws,
    ):
        ws.receive_text()  # never reached: the handshake itself is refused
    return closed.value.code


def test_the_relay_url_names_its_call_and_carries_its_token_only(
    phone: Phone, open_desk: datetime
) -> None:
    call = answered_call(phone)

    url = relay_url(call.call_sid)

    assert re.fullmatch(rf"{re.escape(RELAY_URL)}\?call={call.call_sid}&token=[0-9a-f]{{32}}", url)
    assert token_for(call.call_sid) != token_for(OTHER_CALL)


def test_a_token_made_for_another_call_is_refused(
    app: FastAPI, phone: Phone, open_desk: datetime
) -> None:
    call = answered_call(phone)
    # Signed as Twilio would sign it: only the token gives it away.
    forged = f"{RELAY_URL}?call={call.call_sid}&token={token_for(OTHER_CALL)}"

    assert refused(app, forged, sign(TOKEN, forged)) == 1008


@pytest.mark.parametrize("query", ["", "?call=CA" + "a" * 32, "?token=" + "0" * 32])
def test_a_relay_url_without_its_call_or_token_is_refused(
    app: FastAPI, open_desk: datetime, query: str
) -> None:
    url = RELAY_URL + query

    assert refused(app, url, sign(TOKEN, url)) == 1008


def test_the_signature_of_one_calls_handshake_does_not_open_another_call(
    app: FastAPI, phone: Phone, open_desk: datetime
) -> None:
    leaked = sign(TOKEN, relay_url(answered_call(phone).call_sid))
    other = answered_call(phone)

    assert refused(app, relay_url(other.call_sid), leaked) == 1008


def test_a_setup_for_another_call_than_the_urls_is_ended(
    app: FastAPI, phone: Phone, open_desk: datetime
) -> None:
    mine, other = answered_call(phone), answered_call(phone)
    url = relay_url(mine.call_sid)
    path = url.removeprefix("wss://clinic.example.org")

    with TestClient(app).websocket_connect(
        path, headers={"x-twilio-signature": sign(TOKEN, url)}
    ) as socket:
        socket.send_json({"type": "setup", "callSid": other.call_sid})
        ended = socket.receive_json()

    assert ended == {"type": "end", "handoffData": json.dumps({"kind": "hang_up"})}
