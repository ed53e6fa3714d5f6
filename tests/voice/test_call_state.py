"""What a call leaves behind: read-backs in the transcript, transfer outcomes, keys
that survive a move to another instance, and the streaming transport by default."""

from __future__ import annotations

import xml.etree.ElementTree as ET
from collections.abc import Callable
from datetime import datetime

import pytest
from fastapi import FastAPI
from sqlalchemy import Engine, select
from tests.voice.conftest import DANIEL_PHONE, CheckedCall, the_conversation
from tests.voice.test_relay_protocol import answered_call

from referraldesk.db.session import session_factory
from referraldesk.models import Practice, Turn
from referraldesk.practice.schema import PracticePolicy
from referraldesk.voice import urls
from referraldesk.voice.relay import RelayCall

Phone = Callable[..., CheckedCall]


def agent_words(engine: Engine) -> list[str]:
    with session_factory(engine)() as session:
        return list(
            session.scalars(select(Turn.text).where(Turn.speaker == "agent").order_by(Turn.seq))
        )


@pytest.mark.parametrize("transport", ["turn", "streaming"])
def test_read_backs_are_kept_in_the_transcript_as_the_agents_words(
    phone: Phone, engine: Engine, open_desk: datetime, transport: str
) -> None:
    call = phone(caller=DANIEL_PHONE, transport=transport)
    call.dial()
    for step in ("I need to see a bone specialist for my knee", "Daniel Ortega"):
        call.say(step)

    heard = call.press("11221979")
    call.say("anything after 5 in the evening")
    call.press("1")
    booked = call.press("1")

    words = agent_words(engine)
    assert heard.text.startswith("I have November 22, 1979.")
    assert any(text.startswith("I have November 22, 1979. Thank you") for text in words)
    assert booked.text.startswith("You're all set for Monday May 11 at 5:00 PM")
    assert words[-1].startswith("You're all set for Monday May 11 at 5:00 PM")


def test_a_replayed_answer_does_not_repeat_the_read_back_in_the_transcript(
    phone: Phone, engine: Engine, open_desk: datetime
) -> None:
    call = phone(caller=DANIEL_PHONE)
    call.dial()
    for step in ("I need to see a bone specialist for my knee", "Daniel Ortega"):
        call.say(step)
    action = call.pending_action()
    first = call.press("11221979")

    again = call.post(action, {"Digits": "11221979"})

    assert first.text.count("I have November 22, 1979.") == 1
    assert again.text.count("I have November 22, 1979.") == 1
    assert sum(text.count("I have November 22, 1979.") for text in agent_words(engine)) == 1


def test_silence_that_ends_with_a_person_sets_the_outcome_transferred(
    phone: Phone, engine: Engine, open_desk: datetime
) -> None:
    call = phone(caller=DANIEL_PHONE)
    call.dial()
    call.say("I need an appointment")

    for _ in range(4):
        call.stay_silent()

    conversation = the_conversation(engine, call.call_sid)
    assert (conversation.outcome, conversation.outcome_reason) == (
        "transferred",
        "caller silent on the line",
    )


@pytest.mark.parametrize(
    ("dial_status", "reason"),
    [
        ("completed", "transfer answered by staff"),
        ("busy", "transfer busy: callback requested"),
        ("no-answer", "transfer no-answer: callback requested"),
    ],
)
def test_the_dial_result_is_typed_on_the_conversation(
    phone: Phone, engine: Engine, open_desk: datetime, dial_status: str, reason: str
) -> None:
    call = phone(caller=DANIEL_PHONE)
    call.dial()
    call.say("I want to talk to a person")

    call.transfer_result(dial_status)

    conversation = the_conversation(engine, call.call_sid)
    assert (conversation.outcome, conversation.outcome_reason) == ("transferred", reason)


def test_keys_pressed_before_a_move_to_another_instance_are_not_lost(
    app: FastAPI, phone: Phone, engine: Engine, open_desk: datetime
) -> None:
    call = answered_call(phone)
    first_instance = RelayCall(app.state.session_factory)
    first_instance.handle({"type": "setup", "callSid": call.call_sid})
    for words in ("I need an appointment", "Daniel Ortega"):
        first_instance.handle({"type": "prompt", "voicePrompt": words, "last": True})
    waiting = [first_instance.handle({"type": "dtmf", "digit": digit}) for digit in "1122"]
    kept = the_conversation(engine, call.call_sid).pending_keys

    second_instance = RelayCall(app.state.session_factory)
    second_instance.handle({"type": "setup", "callSid": call.call_sid})
    replies = [second_instance.handle({"type": "dtmf", "digit": digit}) for digit in "1979"]

    assert waiting == [[], [], [], []] and kept == "1122"
    assert replies[:3] == [[], [], []]
    [reply] = replies[3]
    assert reply["token"].startswith("I have November 22, 1979. Thank you, I found the record.")
    assert the_conversation(engine, call.call_sid).pending_keys == ""


def test_a_practice_that_names_no_transport_answers_on_conversation_relay(
    phone: Phone, engine: Engine, open_desk: datetime
) -> None:
    with session_factory(engine)() as session:
        practice = session.scalars(select(Practice)).one()
        practice.policy = {k: v for k, v in practice.policy.items() if k != "voice_transport"}
        session.commit()
    call = phone(caller=DANIEL_PHONE)

    response = call.post(urls.public(urls.VOICE), {})

    assert PracticePolicy().voice_transport == "streaming"
    assert ET.fromstring(response.text).find("Connect/ConversationRelay") is not None
    call.hang_up()
