"""Each language is spoken by its own voice and heard by a recognizer set to it."""

from __future__ import annotations

import xml.etree.ElementTree as ET
from collections.abc import Callable
from datetime import datetime

from fastapi import FastAPI
from tests.voice.conftest import DANIEL_PHONE, MARIA_PHONE, CheckedCall
from tests.voice.test_relay_protocol import answered_call, relay

from referraldesk.voice.relay import RelayCall

Phone = Callable[..., CheckedCall]
GREETING = (
    "Hi, thanks for contacting Sequoia Valley Occupational Health. I can help you book, "
    "change or cancel an appointment, or answer questions about the clinic. How can I help "
    "you today?"
)
SPANISH_ASIDE = "Si prefiere español, dígamelo. Para español, oprima el 2."


def gather_of(call: CheckedCall) -> ET.Element:
    gather = ET.fromstring(call.twiml).find("Gather")
    assert gather is not None, call.twiml
    return gather


def says(gather: ET.Element) -> list[tuple[str | None, str | None, str | None]]:
    return [(say.get("language"), say.get("voice"), say.text) for say in gather.iter("Say")]


def test_the_greetings_spanish_words_are_said_by_the_spanish_voice(
    phone: Phone, open_desk: datetime
) -> None:
    call = phone(caller=DANIEL_PHONE)

    call.dial()

    gather = gather_of(call)
    assert gather.get("language") == "en-US"
    assert says(gather) == [
        ("en-US", "Polly.Joanna-Neural", GREETING),
        ("es-MX", "Polly.Mia-Neural", SPANISH_ASIDE),
    ]


def test_once_spanish_is_picked_the_gather_listens_in_spanish_with_spanish_hints(
    phone: Phone, open_desk: datetime
) -> None:
    call = phone(caller=MARIA_PHONE)
    call.dial()
    call.press("2")
    picked = gather_of(call)
    call.say("necesito una cita con el dermatólogo")
    call.say("María Elena López García")

    asking_birth_date = gather_of(call)

    assert picked.get("language") == "es-MX"
    assert says(picked) == [
        ("es-MX", "Polly.Mia-Neural", "Claro, seguimos en español. ¿En qué le puedo ayudar?")
    ]
    assert asking_birth_date.get("language") == "es-MX"
    assert asking_birth_date.get("hints", "").startswith("enero,febrero,marzo")
    assert asking_birth_date.get("numDigits") == "8"
    assert {voice for _, voice, _ in says(asking_birth_date)} == {"Polly.Mia-Neural"}


def test_a_silent_caller_at_the_greeting_hears_the_spanish_words_again_in_spanish(
    phone: Phone, open_desk: datetime
) -> None:
    call = phone(caller=DANIEL_PHONE)
    call.dial()

    call.stay_silent()

    assert says(gather_of(call)) == [
        ("en-US", "Polly.Joanna-Neural", f"Sorry, I didn't hear anything. {GREETING}"),
        ("es-MX", "Polly.Mia-Neural", SPANISH_ASIDE),
    ]


def test_conversation_relay_names_a_voice_and_a_recognizer_for_each_language(
    phone: Phone, open_desk: datetime
) -> None:
    call = answered_call(phone)

    session = ET.fromstring(call.twiml).find("Connect/ConversationRelay")

    assert session is not None
    assert session.get("language") == "en-US"
    assert session.get("welcomeGreeting") == GREETING
    assert session.get("hints") == "English,español,Spanish,inglés"
    assert [dict(language.attrib) for language in session.iter("Language")] == [
        {
            "code": "en-US",
            "ttsProvider": "Amazon",
            "voice": "Joanna-Neural",
            "transcriptionProvider": "Google",
        },
        {
            "code": "es-MX",
            "ttsProvider": "Amazon",
            "voice": "Mia-Neural",
            "transcriptionProvider": "Google",
        },
    ]


def test_the_relay_says_the_greetings_spanish_words_first_with_the_spanish_voice(
    app: FastAPI, phone: Phone, open_desk: datetime
) -> None:
    call = answered_call(phone)

    with relay(app, call.call_sid, greeted=False) as socket:
        first = socket.receive_json()

    assert first == {"type": "text", "token": SPANISH_ASIDE, "last": True, "lang": "es-MX"}


def test_a_relay_that_reconnects_mid_call_does_not_greet_again(
    app: FastAPI, phone: Phone, open_desk: datetime
) -> None:
    call = answered_call(phone)
    first_instance = RelayCall(app.state.session_factory, call_sid=call.call_sid)
    first_instance.handle({"type": "setup", "callSid": call.call_sid})
    first_instance.handle({"type": "prompt", "voicePrompt": "I need an appointment", "last": True})

    again = RelayCall(app.state.session_factory, call_sid=call.call_sid)

    assert again.handle({"type": "setup", "callSid": call.call_sid}) == []


def test_a_prompt_heard_in_spanish_but_answered_in_english_switches_twilio_back(
    app: FastAPI, phone: Phone, open_desk: datetime
) -> None:
    # The relay believes Twilio works in English (the conversation's language), but the
    # prompt says it transcribed in Spanish: the English reply must switch it back first.
    call = answered_call(phone)
    relay_call = RelayCall(app.state.session_factory, call_sid=call.call_sid)
    relay_call.handle({"type": "setup", "callSid": call.call_sid})

    switch, reply = relay_call.handle(
        {"type": "prompt", "voicePrompt": "I need an appointment", "lang": "es-MX", "last": True}
    )

    assert switch == {"type": "language", "ttsLanguage": "en-US", "transcriptionLanguage": "en-US"}
    assert reply["lang"] == "en-US"
    assert reply["token"] == "Sure. First, what's the patient's full name?"


def test_a_prompt_detected_as_spanish_needs_no_switch_for_a_spanish_reply(
    app: FastAPI, phone: Phone, open_desk: datetime
) -> None:
    # With language detection Twilio reports only the primary tag ("es").
    call = answered_call(phone)
    relay_call = RelayCall(app.state.session_factory, call_sid=call.call_sid)
    relay_call.handle({"type": "setup", "callSid": call.call_sid})

    messages = relay_call.handle(
        {
            "type": "prompt",
            "voicePrompt": "necesito una cita, por favor",
            "lang": "es",
            "last": True,
        }
    )

    assert [message["type"] for message in messages] == ["text"]
    assert messages[0]["lang"] == "es-MX"
    assert messages[0]["token"].startswith("Con gusto.")


def test_silence_at_the_relays_greeting_repeats_the_spanish_words_in_spanish(
    app: FastAPI, phone: Phone, open_desk: datetime
) -> None:
    call = answered_call(phone)
    relay_call = RelayCall(app.state.session_factory, call_sid=call.call_sid)
    relay_call.handle({"type": "setup", "callSid": call.call_sid})

    reprompt = relay_call.on_silence()

    assert reprompt == [
        {
            "type": "text",
            "token": f"Sorry, I didn't hear anything. {GREETING}",
            "last": True,
            "lang": "en-US",
        },
        {"type": "text", "token": SPANISH_ASIDE, "last": True, "lang": "es-MX"},
    ]
