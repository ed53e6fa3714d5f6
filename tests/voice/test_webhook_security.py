"""Every phone webhook is Twilio's or refused; a replayed one plays nothing twice."""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import datetime, timedelta
from urllib.parse import urlencode

import httpx2
import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy import Engine, select
from tests.voice.conftest import DANIEL_PHONE, PUBLIC_URL, TOKEN, CheckedCall

from referraldesk.channels.twilio_signature import sign
from referraldesk.db.session import session_factory
from referraldesk.models import Conversation, Turn

Phone = Callable[..., CheckedCall]
FORM = "application/x-www-form-urlencoded"
FIELDS = [("CallSid", "CA" + "a" * 32), ("From", DANIEL_PHONE), ("To", "+15595550600")]
ROUTES = [
    "/twilio/voice",
    "/twilio/voice/turn?n=1",
    "/twilio/voice/status",
    "/twilio/voice/transfer?task=t1",
    "/twilio/voice/whisper?task=t1",
    "/twilio/voice/relay/done",
    "/twilio/voice/forward",
    "/twilio/voice/outbound?referral=r1",
    "/twilio/voice/recording",
]


def post(
    app: FastAPI,
    path: str,
    fields: list[tuple[str, str]],
    signature: str | None,
    base_url: str = "http://testserver",
    **headers: str,
) -> object:
    sent = {"content-type": FORM, **headers}
    if signature is not None:
        sent["x-twilio-signature"] = signature
    with TestClient(app, base_url=base_url) as client:
        return client.post(path, content=urlencode(fields), headers=sent)


def conversations(engine: Engine) -> list[Conversation]:
    with session_factory(engine)() as session:
        return list(session.scalars(select(Conversation)))


@pytest.mark.parametrize("path", ROUTES)
def test_an_unsigned_webhook_is_refused(app: FastAPI, engine: Engine, path: str) -> None:
    response = post(app, path, FIELDS, None)

    assert response.status_code == 403  # type: ignore[attr-defined]
    assert response.json()["error"]["code"] == "forbidden"  # type: ignore[attr-defined]
    assert conversations(engine) == []


@pytest.mark.parametrize("path", ROUTES)
def test_a_webhook_signed_with_another_token_is_refused(app: FastAPI, path: str) -> None:
    signature = sign("f" * 32, PUBLIC_URL + path, FIELDS)

    response = post(app, path, FIELDS, signature)

    assert response.status_code == 403  # type: ignore[attr-defined]


def test_a_signature_for_other_fields_is_refused(app: FastAPI, engine: Engine) -> None:
    signature = sign(TOKEN, PUBLIC_URL + "/twilio/voice", FIELDS)
    tampered = [*FIELDS[:2], ("To", "+15595550999")]

    response = post(app, "/twilio/voice", tampered, signature)

    assert response.status_code == 403  # type: ignore[attr-defined]
    assert conversations(engine) == []


def test_a_signature_for_another_query_is_refused(app: FastAPI, open_desk: datetime) -> None:
    signature = sign(TOKEN, PUBLIC_URL + "/twilio/voice?transport=turn", FIELDS)

    response = post(app, "/twilio/voice?transport=streaming", FIELDS, signature)

    assert response.status_code == 403  # type: ignore[attr-defined]


def test_behind_a_tls_proxy_the_url_is_rebuilt_from_the_public_url(
    app: FastAPI, engine: Engine, open_desk: datetime
) -> None:
    # inputs.md W1: Twilio signs https://clinic.example.org/twilio/voice; the app is
    # reached as http://10.0.0.5:8000/twilio/voice.
    signature = sign(TOKEN, PUBLIC_URL + "/twilio/voice", FIELDS)

    response = post(app, "/twilio/voice", FIELDS, signature, base_url="http://10.0.0.5:8000")

    assert response.status_code == 200  # type: ignore[attr-defined]
    assert len(conversations(engine)) == 1


def test_a_forwarded_host_naming_another_host_is_refused(app: FastAPI, engine: Engine) -> None:
    signature = sign(TOKEN, PUBLIC_URL + "/twilio/voice", FIELDS)

    response = post(
        app, "/twilio/voice", FIELDS, signature, **{"x-forwarded-host": "evil.example.com"}
    )

    assert response.status_code == 403  # type: ignore[attr-defined]
    assert conversations(engine) == []


def test_repeated_form_keys_are_all_signed(app: FastAPI, open_desk: datetime) -> None:
    fields = [*FIELDS, ("StirVerstat", "TN-Validation-Passed-A"), ("StirVerstat", "B")]
    signature = sign(TOKEN, PUBLIC_URL + "/twilio/voice", fields)

    accepted = post(app, "/twilio/voice", fields, signature)
    dropped = post(app, "/twilio/voice", fields[:-1], signature)

    assert accepted.status_code == 200  # type: ignore[attr-defined]
    assert dropped.status_code == 403  # type: ignore[attr-defined]


def test_a_replayed_answer_plays_its_turn_once_and_repeats_the_reply(
    phone: Phone, engine: Engine, open_desk: datetime
) -> None:
    call = phone(caller=DANIEL_PHONE)
    call.dial()
    action = call.pending_action()
    fields = {"SpeechResult": "I need an appointment", "Confidence": "0.9"}

    first = call.post(action, fields)
    replayed = call.post(action, fields)

    assert replayed.text == first.text
    with session_factory(engine)() as session:
        caller_turns = session.scalars(select(Turn).where(Turn.speaker == "caller")).all()
    assert len(caller_turns) == 1


@pytest.mark.parametrize("webhook", ["answer", "incoming call"])
def test_a_webhook_replayed_after_the_call_is_over_is_refused(
    phone: Phone, engine: Engine, open_desk: datetime, frozen_now: Callable[..., datetime],
    webhook: str,
) -> None:
    call = phone(caller=DANIEL_PHONE)
    call.dial()
    action = call.pending_action()
    fields = {"SpeechResult": "I need an appointment", "Confidence": "0.9"}
    first = call.post(action, fields)
    call.hang_up()
    url = action if webhook == "answer" else "https://clinic.example.org/twilio/voice?transport=turn"
    sent = fields if webhook == "answer" else {}

    frozen_now(open_desk + timedelta(seconds=50))
    retried = call.post(url, sent)
    frozen_now(open_desk + timedelta(minutes=5))
    with pytest.raises(httpx2.HTTPStatusError) as refused:
        call.post(url, sent)
    replayed = refused.value.response

    assert retried.status_code == 200  # Twilio's own retry, seconds after the hang-up
    assert replayed.status_code == 403
    assert "this call is over" in replayed.text
    assert "appointment" not in replayed.text
    assert first.status_code == 200
    with session_factory(engine)() as session:
        caller_turns = session.scalars(select(Turn).where(Turn.speaker == "caller")).all()
    assert len(caller_turns) == 1


def test_a_relay_done_replayed_after_the_call_is_over_is_refused(
    phone: Phone, engine: Engine, open_desk: datetime, frozen_now: Callable[..., datetime],
) -> None:
    """The relay's action names the turn it ended on: a replay must not read it back."""
    call = phone(caller=DANIEL_PHONE)
    call.dial()
    call.post(call.pending_action(), {"SpeechResult": "I need an appointment", "Confidence": "0.9"})
    call.hang_up()
    with session_factory(engine)() as session:
        last = session.scalars(
            select(Turn).where(Turn.speaker == "agent").order_by(Turn.seq.desc())
        ).first()
    done = "https://clinic.example.org/twilio/voice/relay/done"
    fields = {"HandoffData": json.dumps({"kind": "hang_up", "seq": last.seq})}

    frozen_now(open_desk + timedelta(seconds=50))
    retried = call.post(done, fields)
    frozen_now(open_desk + timedelta(minutes=5))
    with pytest.raises(httpx2.HTTPStatusError) as refused:
        call.post(done, fields)
    replayed = refused.value.response

    assert retried.status_code == 200  # the relay ends as the call does
    assert last.text in retried.text
    assert replayed.status_code == 403
    assert "this call is over" in replayed.text


def test_a_replayed_incoming_call_webhook_keeps_one_conversation(
    phone: Phone, engine: Engine, open_desk: datetime
) -> None:
    call = phone(caller=DANIEL_PHONE)
    url = "https://clinic.example.org/twilio/voice?transport=turn"

    first = call.post(url, {})
    again = call.post(url, {})

    assert again.text == first.text
    assert len(conversations(engine)) == 1


def test_a_bad_gather_counter_is_a_clear_error(phone: Phone, open_desk: datetime) -> None:
    call = phone(caller=DANIEL_PHONE)
    call.dial()

    response = call.client.post(
        "/twilio/voice/turn?n=x",
        content=urlencode(call.call_fields()),
        headers={
            "content-type": FORM,
            "x-twilio-signature": sign(
                TOKEN, PUBLIC_URL + "/twilio/voice/turn?n=x", call.call_fields()
            ),
        },
    )

    assert response.status_code == 422
    assert response.json()["error"]["field"] == "n"
