"""Recorded lines: the notice first, the recording once the caller answers, its ids kept."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from urllib.parse import urlencode

import pytest
from sqlalchemy import Engine
from tests.voice.conftest import (
    DANIEL_PHONE,
    PUBLIC_URL,
    TOKEN,
    CheckedCall,
    set_policy,
    the_conversation,
)
from tests.voice.fake_twilio import FakeTwilio

from referraldesk.channels.twilio_signature import sign

Phone = Callable[..., CheckedCall]
RECORDING_SID = "RE" + "e" * 32
FORM = "application/x-www-form-urlencoded"


def recording_url(sid: str = RECORDING_SID) -> str:
    return f"https://api.twilio.com/2010-04-01/Accounts/AC{'0' * 32}/Recordings/{sid}"


def post_recording_status(call: CheckedCall, fields: dict[str, str]) -> object:
    """The recording status webhook, signed as Twilio signs it, without raising on 4xx."""
    url = PUBLIC_URL + "/twilio/voice/recording"
    form = list((dict(call.call_fields()) | fields).items())
    return call.client.post(
        "/twilio/voice/recording",
        content=urlencode(form),
        headers={"content-type": FORM, "x-twilio-signature": sign(TOKEN, url, form)},
    )


@pytest.mark.parametrize("transport", ["turn", "streaming"])
def test_recording_starts_when_the_caller_answers_the_notice_and_only_once(
    phone: Phone,
    engine: Engine,
    open_desk: datetime,
    fake_twilio_rest: FakeTwilio,
    transport: str,
) -> None:
    set_policy(engine, record_calls=True)
    call = phone(caller=DANIEL_PHONE, transport=transport)

    greeting = call.dial().text
    before_answer = list(fake_twilio_rest.sent)
    call.say("I need an appointment")
    call.say("Daniel Ortega")

    assert greeting.startswith("This call is recorded.")
    assert before_answer == []
    [started] = fake_twilio_rest.sent
    assert started.method == "POST"
    assert started.url.endswith(f"/Calls/{call.call_sid}/Recordings.json")
    assert started.data["RecordingStatusCallback"] == PUBLIC_URL + "/twilio/voice/recording"
    assert the_conversation(engine, call.call_sid).recording_sid == RECORDING_SID


def test_a_line_that_is_not_recorded_starts_no_recording(
    phone: Phone, open_desk: datetime, fake_twilio_rest: FakeTwilio
) -> None:
    call = phone(caller=DANIEL_PHONE)
    call.dial()

    call.say("I need an appointment")

    assert fake_twilio_rest.sent == []


def test_a_recording_twilio_refuses_does_not_stop_the_call(
    phone: Phone, engine: Engine, open_desk: datetime, fake_twilio_rest: FakeTwilio
) -> None:
    set_policy(engine, record_calls=True)
    fake_twilio_rest.status = 404
    call = phone(caller=DANIEL_PHONE)
    call.dial()

    heard = call.say("I need an appointment")

    assert heard.turn is not None and heard.turn.awaiting == "name"
    assert the_conversation(engine, call.call_sid).recording_sid is None


def test_the_recording_webhook_keeps_the_recordings_sid_and_address(
    phone: Phone, engine: Engine, open_desk: datetime
) -> None:
    set_policy(engine, record_calls=True)
    call = phone(caller=DANIEL_PHONE)
    call.dial()
    call.say("I need an appointment")

    response = post_recording_status(
        call,
        {
            "RecordingSid": RECORDING_SID,
            "RecordingUrl": recording_url(),
            "RecordingStatus": "completed",
        },
    )

    assert response.status_code == 204  # type: ignore[attr-defined]
    conversation = the_conversation(engine, call.call_sid)
    assert (conversation.recording_sid, conversation.recording_url) == (
        RECORDING_SID,
        recording_url(),
    )


@pytest.mark.parametrize(
    "url",
    [
        "https://example.org/recordings/" + RECORDING_SID,
        "http://api.twilio.com/2010-04-01/Recordings/" + RECORDING_SID,
        recording_url("RE" + "1" * 32),
        recording_url() + "?patient=maria",
    ],
)
def test_a_recording_address_that_is_not_twilios_own_is_refused(
    phone: Phone, engine: Engine, open_desk: datetime, url: str
) -> None:
    call = phone(caller=DANIEL_PHONE)
    call.dial()

    response = post_recording_status(
        call,
        {"RecordingSid": RECORDING_SID, "RecordingUrl": url, "RecordingStatus": "completed"},
    )

    assert response.status_code == 422  # type: ignore[attr-defined]
    assert response.json()["error"]["field"] == "RecordingUrl"  # type: ignore[attr-defined]
    assert the_conversation(engine, call.call_sid).recording_url is None


def test_a_recording_status_for_an_unknown_call_is_not_found(
    phone: Phone, open_desk: datetime
) -> None:
    call = phone(caller=DANIEL_PHONE)

    response = post_recording_status(
        call,
        {
            "RecordingSid": RECORDING_SID,
            "RecordingUrl": recording_url(),
            "RecordingStatus": "completed",
        },
    )

    assert response.status_code == 404  # type: ignore[attr-defined]
    assert response.json()["error"]["field"] == "CallSid"  # type: ignore[attr-defined]
