"""The TwiML allow-list itself, and what keys mean after each question."""

from __future__ import annotations

import pytest
from tests.voice.twiml_rules import twiml_problems

from referraldesk.voice import twiml
from referraldesk.voice.hints import listening_for
from referraldesk.voice.keys import keyed_text, language_pick
from referraldesk.voice.phrases import spoken_digits


def test_the_allow_list_refuses_undocumented_verbs_attributes_and_patient_data_in_urls() -> None:
    document = (
        '<?xml version="1.0" encoding="UTF-8"?><Response>'
        '<Gather input="speech" action="https://clinic.example.org/t?dob=1985-04-03" '
        'speechTimout="auto"><Say>Hi</Say></Gather><Sms>hello</Sms></Response>'
    )

    problems = twiml_problems(document)

    assert sorted(problems) == [
        "<Gather> URL carries parameters ['dob']",
        "<Gather> has undocumented attribute 'speechTimout'",
        "<Sms> may not be inside <Response>",
    ]


def test_every_builder_keeps_to_the_allow_list() -> None:
    documents = [
        twiml.gather(
            "Hi",
            "es",
            action="https://clinic.example.org/twilio/voice/turn?n=1",
            listening=listening_for("dob", "es"),
        ),
        twiml.relay(
            "Hi",
            "en",
            url="wss://clinic.example.org/twilio/voice/relay",
            action="https://clinic.example.org/twilio/voice/relay/done",
            hints=None,
        ),
        twiml.dial(
            "One moment",
            "en",
            number="+15595550601",
            whisper="https://clinic.example.org/twilio/voice/whisper?task=t1",
            action="https://clinic.example.org/twilio/voice/transfer?task=t1",
        ),
        twiml.say_and_hang_up("Goodbye", "en"),
        twiml.whisper("Call from the front desk agent."),
    ]

    assert [twiml_problems(document) for document in documents] == [[]] * 5


def test_a_gather_for_a_birth_date_takes_eight_keys_and_month_names() -> None:
    listening = listening_for("dob", "es")

    document = twiml.gather("¿Fecha?", "es", action="https://x.example/t?n=3", listening=listening)

    assert 'numDigits="8"' in document and 'finishOnKey="#"' in document
    assert 'hints="enero,febrero' in document and 'language="es-MX"' in document


@pytest.mark.parametrize(
    ("keys", "awaiting", "first", "words"),
    [
        ("2", "none", True, "en español, por favor"),
        ("1", "none", True, "in English, please"),
        ("04031985", "dob", False, "1985-04-03"),
        ("13401985", "dob", False, "13401985"),
        ("5595550143", "phone", False, "559 555 0143"),
        ("1", "confirm", False, "yes"),
        ("2", "confirm", False, "no"),
        ("2", "slot_choice", False, "2"),
        ("0", "dob", False, "I want to talk to a person"),
    ],
)
def test_keys_stand_for_what_was_asked(keys: str, awaiting: str, first: bool, words: str) -> None:
    assert keyed_text(keys, awaiting=awaiting, language="en", first_answer=first) == words


def test_a_bare_language_name_is_a_request_for_it() -> None:
    assert language_pick("¡Español!", "en") == "en español, por favor"
    assert language_pick("English", "es") == "in English, please"
    assert language_pick("necesito una cita", "en") == "necesito una cita"


def test_numbers_are_read_digit_by_digit_in_groups() -> None:
    assert spoken_digits("+15595550600") == "5 5 9, 5 5 5, 0 6 0 0"
