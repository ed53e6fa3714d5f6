"""Classes of misreadings found while building the guided brain, each with its right value."""

from datetime import datetime
from zoneinfo import ZoneInfo

import pytest

from referraldesk.understanding import understand

NOW = datetime(2026, 3, 4, 10, 0, tzinfo=ZoneInfo("America/Los_Angeles"))


@pytest.mark.parametrize(
    ("text", "lang"),
    [
        ("hmm", "en"), ("um", "en"), ("mmm", "es"), ("eh", "es"),
        ("why do you need that?", "en"), ("what for?", "en"), ("who is asking", "en"),
        ("¿para qué lo necesita?", "es"), ("¿por qué?", "es"), ("no sé", "es"),
        ("I don't know", "en"),
    ],
)
def test_it_reads_no_name_in_fillers_and_questions(text: str, lang: str) -> None:
    result = understand(text, now=NOW, lang=lang, awaiting="name")

    assert result.name.given is None
    assert result.name.surnames == []


@pytest.mark.parametrize(
    ("text", "given"),
    [
        ("es para mi hija María Elena", "María Elena"),
        ("José Luis", "José Luis"),
        ("para mi hijo Juan Carlos", "Juan Carlos"),
    ],
)
def test_it_keeps_two_spanish_given_names_together_without_a_surname(text: str, given: str) -> None:
    result = understand(text, now=NOW, lang="es", awaiting="name")

    assert (result.name.given, result.name.surnames) == (given, [])


@pytest.mark.parametrize(
    "text",
    ["I want to check my appointments", "can you look up my appointment",
     "quiero revisar mis citas", "¿qué citas tengo?"],
)
def test_it_hears_a_question_about_existing_appointments(text: str) -> None:
    assert understand(text, now=NOW).intent == "appointment_question"


@pytest.mark.parametrize(
    ("text", "lang"),
    [
        ("do your doctors speak Spanish?", "en"),
        ("does Dr. Reyes speak Spanish?", "en"),
        ("¿el doctor habla español?", "es"),
        ("¿los doctores hablan español?", "es"),
    ],
)
def test_a_question_about_providers_languages_is_not_a_language_switch(text: str, lang: str) -> None:
    result = understand(text, now=NOW, lang=lang)

    assert result.intent == "provider_question"
    assert result.language == lang


@pytest.mark.parametrize(
    "text", ["can I speak Spanish? ¿Se puede en español?", "Spanish please",
             "quiero alguien que hable español"],
)
def test_a_request_for_spanish_still_switches(text: str) -> None:
    assert understand(text, now=NOW, lang="en").language == "es"
