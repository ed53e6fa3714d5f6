"""Intents, yes/no answers and the language of a turn."""

from __future__ import annotations

import pytest

from referraldesk.understanding import understand

from .conftest import NOW

INTENTS = [
    ("I need an appointment with a dermatologist", "book"),
    ("quiero sacar una cita", "book"),
    ("I need to reschedule my appointment", "reschedule"),
    ("quiero cambiar mi cita para otro día", "reschedule"),
    ("I want to cancel my appointment", "cancel"),
    ("necesito cancelar mi cita", "cancel"),
    ("when is my appointment?", "appointment_question"),
    ("¿cuándo es mi cita?", "appointment_question"),
    ("what are your hours?", "hours"),
    ("¿a qué hora abren?", "hours"),
    ("what's your address?", "location"),
    ("¿dónde están ubicados?", "location"),
    ("which doctors speak Spanish?", "provider_question"),
    ("do you take my insurance?", "plans_question"),
    ("¿aceptan Medi-Cal?", "plans_question"),
    ("do you do x-rays?", "services_question"),
    ("I have a question about my bill", "billing"),
    ("I need a refill on my prescription", "prescription"),
    ("necesito una receta", "prescription"),
    ("can I talk to a real person", "human"),
    ("quiero hablar con una persona", "human"),
    ("I need to talk to a real person about a bill", "human"),
    ("my husband has chest pain", "emergency"),
    ("mi esposo tiene un dolor muy fuerte en el pecho", "emergency"),
    ("she can't breathe", "emergency"),
    ("le cuesta respirar", "emergency"),
    ("he took an overdose", "emergency"),
    ("I feel suicidal", "emergency"),
    ("my mom's face is drooping, I think it's a stroke", "emergency"),
    ("he is bleeding a lot", "emergency"),
    ("she is unconscious", "emergency"),
    ("I want to cancel, I have chest pain", "emergency"),
    ("wrong number", "wrong_number"),
    ("STOP", "opt_out"),
    ("no me llamen más", "opt_out"),
    ("don't call me again", "opt_out"),
    ("bye", "goodbye"),
    ("hello", "greeting"),
    ("buenos días", "greeting"),
    ("I'm new here", "new_patient"),
    ("soy nueva", "new_patient"),
    ("es la primera vez", "new_patient"),
    ("what?", "repeat"),
    ("¿cómo?", "repeat"),
    ("can you repeat that", "repeat"),
    ("repita por favor", "repeat"),
    ("I don't know", "dont_know"),
    ("no sé", "dont_know"),
    ("no me acuerdo", "dont_know"),
    ("thank you", "thanks"),
    ("gracias", "thanks"),
    ("my back pain won't stop", None),
]


@pytest.mark.parametrize(("said", "intent"), INTENTS, ids=[i[0] for i in INTENTS])
def test_it_reads_what_the_caller_wants(said: str, intent: str | None) -> None:
    assert understand(said, now=NOW).intent == intent


YES_NO = [
    ("yes", True),
    ("yeah", True),
    ("yep", True),
    ("sure", True),
    ("that works", True),
    ("sounds good", True),
    ("correct", True),
    ("sí", True),
    ("si", True),
    ("claro", True),
    ("está bien", True),
    ("perfecto", True),
    ("ándale", True),
    ("órale", True),
    ("va", True),
    ("sale", True),
    ("no", False),
    ("nope", False),
    ("nah", False),
    ("not really", False),
    ("no gracias", False),
    ("ninguno", False),
    ("no, that's it, thanks", False),
    ("no, es todo", False),
    ("no sé", None),
    ("va a venir mi hijo", None),
    ("Blue Shield", None),
]


@pytest.mark.parametrize(("said", "answer"), YES_NO, ids=[y[0] for y in YES_NO])
def test_it_reads_yes_and_no(said: str, answer: bool | None) -> None:
    assert understand(said, now=NOW).yes_no is answer


LANGUAGES = [
    ("Hello, um, can I speak Spanish? ¿Se puede en español?", None, "es"),
    ("Hola, ¿me puede ayudar?", "en", "es"),
    ("Hi, I need an appointment", "es", "en"),
    ("sí", "en", "es"),
    ("si", None, "es"),
    ("yes", "es", "en"),
    ("ok", "es", "es"),
    ("ok", "en", "en"),
    ("7:30", "es", "es"),
    ("no hablo inglés", "en", "es"),
    ("can we do this in English?", "es", "en"),
]


@pytest.mark.parametrize(("said", "hint", "language"), LANGUAGES, ids=[x[0] for x in LANGUAGES])
def test_it_detects_the_language_and_falls_back_to_the_hint_on_neutral_turns(
    said: str, hint: str | None, language: str
) -> None:
    assert understand(said, now=NOW, lang=hint).language == language
