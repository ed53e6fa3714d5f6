"""POST /twilio/sms: signed texts in, TwiML out, one conversation per number per day."""

from __future__ import annotations

from datetime import timedelta
from urllib.parse import urlencode

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Engine, select
from starlette.datastructures import ImmutableMultiDict
from tests.channels.conftest import PUBLIC_URL, TWILIO_TOKEN
from tests.conversation.factories import SLOT_OPTIONS, ScriptedBrain, make_patient, reply_with, say
from twilio.request_validator import RequestValidator

from referraldesk import clock
from referraldesk.db.session import session_factory
from referraldesk.models import Conversation, Turn

pytestmark = pytest.mark.usefixtures("twilio_settings")


def text(
    client: TestClient, body: str, sid: str, sender: str = "+15595550143", **headers: str
) -> object:
    fields = [("From", sender), ("To", "+15595550100"), ("Body", body), ("MessageSid", sid)]
    signed = RequestValidator(TWILIO_TOKEN).compute_signature(
        f"{PUBLIC_URL}/twilio/sms", ImmutableMultiDict(fields)
    )
    return client.post(
        "/twilio/sms",
        content=urlencode(fields),
        headers={
            "content-type": "application/x-www-form-urlencoded",
            "x-twilio-signature": signed,
            **headers,
        },
    )


def conversations(engine: Engine) -> list[Conversation]:
    with session_factory(engine)() as session:
        return list(session.scalars(select(Conversation).order_by(Conversation.started_at)))


def test_a_first_text_gets_the_greeting_and_the_answer_as_twiml(
    client: TestClient, brain: ScriptedBrain, engine: Engine
) -> None:
    brain.steps = [reply_with(say("Which one?", awaiting="slot_choice", options=SLOT_OPTIONS))]

    response = text(client, "necesito una cita", "SM1")

    assert response.status_code == 200  # type: ignore[attr-defined]
    assert response.headers["content-type"].startswith("application/xml")  # type: ignore[attr-defined]
    assert response.text == (  # type: ignore[attr-defined]
        '<?xml version="1.0" encoding="UTF-8"?><Response><Message>Hi, how can I help?\n\n'
        "Which one?\n1. Friday March 6 at 6:30 AM\n2. Friday March 6 at 7:00 AM\n"
        "Reply with the number of your choice.</Message></Response>"
    )
    [conversation] = conversations(engine)
    assert (conversation.channel, conversation.caller_phone) == ("sms", "+15595550143")


def test_the_thread_continues_and_a_number_picks_an_option(
    client: TestClient, brain: ScriptedBrain, engine: Engine
) -> None:
    brain.steps = [
        reply_with(say("Which one?", awaiting="slot_choice", options=SLOT_OPTIONS)),
        reply_with(say("Booked.")),
    ]
    text(client, "necesito una cita", "SM1")

    response = text(client, "2", "SM2")

    assert "<Message>Booked.</Message>" in response.text  # type: ignore[attr-defined]
    assert brain.heard == ["necesito una cita", "Friday March 6 at 7:00 AM"]
    assert len(conversations(engine)) == 1


def test_a_retried_webhook_plays_once(
    client: TestClient, brain: ScriptedBrain, engine: Engine
) -> None:
    text(client, "hola", "SM1")

    again = text(client, "hola", "SM1")

    assert "Okay." in again.text  # type: ignore[attr-defined]
    assert brain.heard == ["hola"]
    with session_factory(engine)() as session:
        assert len(session.scalars(select(Turn)).all()) == 3


def test_after_a_quiet_day_a_new_conversation_starts(
    client: TestClient, brain: ScriptedBrain, engine: Engine
) -> None:
    text(client, "hola", "SM1")
    clock.set_now(clock.now() + timedelta(hours=25), frozen=True)

    response = text(client, "hola otra vez", "SM2")

    assert response.text.count("Hi, how can I help?") == 1  # type: ignore[attr-defined]
    first, second = conversations(engine)
    assert (first.status, first.outcome_reason) == ("ended", "thread_expired")
    assert second.status == "active"


def test_stop_is_confirmed_alone_and_recorded(
    client: TestClient, brain: ScriptedBrain, engine: Engine
) -> None:
    with session_factory(engine)() as session:
        make_patient(session)
        session.commit()

    response = text(client, "STOP", "SM1")

    assert "Hi, how can I help?" not in response.text  # type: ignore[attr-defined]
    assert (
        "You won&apos;t get any more" in response.text or "You won't get any more" in response.text
    )  # type: ignore[attr-defined]
    [conversation] = conversations(engine)
    assert conversation.outcome == "refused"


@pytest.mark.parametrize(
    "headers",
    [
        {"x-twilio-signature": "bm9wZQ=="},
        {"x-forwarded-host": "evil.example.com"},
    ],
)
def test_an_unsigned_or_misdirected_request_is_a_403(
    client: TestClient, engine: Engine, headers: dict[str, str], capsys: pytest.CaptureFixture[str]
) -> None:
    response = text(client, "my secret words", "SM1", **headers)

    assert response.status_code == 403  # type: ignore[attr-defined]
    assert conversations(engine) == []
    logged = capsys.readouterr()
    assert "twilio_webhook_refused" in logged.out + logged.err
    assert "my secret words" not in logged.out + logged.err


def test_without_a_signature_header_it_is_a_403(client: TestClient) -> None:
    response = client.post("/twilio/sms", data={"From": "+15595550143", "Body": "hi"})

    assert response.status_code == 403


def test_without_a_configured_token_it_is_a_403_saying_how_to_fix(
    client: TestClient, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    from referraldesk.settings import reset_settings_cache

    monkeypatch.delenv("REFERRALDESK_TWILIO_AUTH_TOKEN")
    reset_settings_cache()

    response = text(client, "hola", "SM1")

    assert response.status_code == 403  # type: ignore[attr-defined]
    logged = capsys.readouterr()
    assert "REFERRALDESK_TWILIO_AUTH_TOKEN" in logged.out + logged.err
