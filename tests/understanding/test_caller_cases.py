"""Every caller phrase of the shared caller cases, with what it must yield."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path
from typing import Any

import pytest

from referraldesk.understanding import understand

CASES_DIR = Path("/work/shared/cases")

# (case id, what the agent awaited, phrase, the case's language, now, expected fields)
PHRASES: list[tuple[str, str | None, str, str, str, dict[str, Any]]] = [
    (
        "en-ask-for-person",
        None,
        "I need to talk to a real person about a bill, not a robot",
        "en",
        "2026-04-15T11:00:00-07:00",
        {"intent": "human", "language": "en"},
    ),
    (
        "en-ask-for-person",
        None,
        "I just want a person please",
        "en",
        "2026-04-15T11:00:00-07:00",
        {"intent": "human"},
    ),
    (
        "en-hours-question",
        None,
        "what time are you open on saturday?",
        "en",
        "2026-04-16T07:45:00-07:00",
        {"intent": "hours", "window": None},
    ),
    (
        "en-hours-question",
        "anything_else",
        "no that's all",
        "en",
        "2026-04-16T07:45:00-07:00",
        {"intent": "goodbye", "yes_no": False, "language": "en"},
    ),
    (
        "en-new-patient-pt",
        None,
        "Hello, I'm new here and I'd like to set up physical therapy for my lower back",
        "en",
        "2026-06-02T08:20:00-07:00",
        {
            "intent": "new_patient",
            "specialty": "physical_therapy",
            "name": {"given": None, "surnames": []},
        },
    ),
    (
        "en-new-patient-pt",
        "name",
        "Jennifer Nguyen",
        "en",
        "2026-06-02T08:20:00-07:00",
        {"name": {"given": "Jennifer", "surnames": ["Nguyen"]}},
    ),
    (
        "en-new-patient-pt",
        "dob",
        "02/17/1991",
        "en",
        "2026-06-02T08:20:00-07:00",
        {"dob": "1991-02-17", "dates": [], "dob_ambiguous": False},
    ),
    (
        "en-new-patient-pt",
        "phone",
        "559 555 0102",
        "en",
        "2026-06-02T08:20:00-07:00",
        {"phone": "+15595550102", "phone_invalid": False},
    ),
    (
        "en-new-patient-pt",
        "plan",
        "Blue Shield of California PPO",
        "en",
        "2026-06-02T08:20:00-07:00",
        {"plan": "Blue Shield of California PPO"},
    ),
    (
        "en-new-patient-pt",
        "specialty",
        "physical therapy",
        "en",
        "2026-06-02T08:20:00-07:00",
        {"specialty": "physical_therapy"},
    ),
    (
        "en-new-patient-pt",
        "reason",
        "lower back pain since lifting boxes at the packing house",
        "en",
        "2026-06-02T08:20:00-07:00",
        {"intent": None, "dates": [], "times": []},
    ),
    (
        "en-new-patient-pt",
        "time_preference",
        "mornings are best",
        "en",
        "2026-06-02T08:20:00-07:00",
        {"window": {"after": None, "before": "12:00", "weekdays": []}},
    ),
    (
        "en-new-patient-pt",
        "confirm",
        "yes please",
        "en",
        "2026-06-02T08:20:00-07:00",
        {"yes_no": True},
    ),
    (
        "en-new-patient-pt",
        "anything_else",
        "nope",
        "en",
        "2026-06-02T08:20:00-07:00",
        {"yes_no": False},
    ),
    (
        "en-ortho-evening",
        None,
        "Hi, my doctor said I need to see a bone specialist for my knee and gave me this number.",
        "en",
        "2026-04-14T10:05:00-07:00",
        {"intent": "book", "specialty": "orthopedics", "phone": None},
    ),
    (
        "en-ortho-evening",
        "name",
        "Daniel Ortega",
        "en",
        "2026-04-14T10:05:00-07:00",
        {"name": {"given": "Daniel", "surnames": ["Ortega"]}},
    ),
    (
        "en-ortho-evening",
        "dob",
        "November 22nd, 1979",
        "en",
        "2026-04-14T10:05:00-07:00",
        {"dob": "1979-11-22"},
    ),
    (
        "en-ortho-evening",
        "time_preference",
        "I work until 4:30, so anything after 5 in the evening",
        "en",
        "2026-04-14T10:05:00-07:00",
        {"window": {"after": "17:00", "before": None, "weekdays": []}},
    ),
    (
        "en-ortho-evening",
        "confirm",
        "yes, that works",
        "en",
        "2026-04-14T10:05:00-07:00",
        {"yes_no": True},
    ),
    (
        "en-ortho-evening",
        "anything_else",
        "no, that's it, thanks",
        "en",
        "2026-04-14T10:05:00-07:00",
        {"yes_no": False, "intent": "goodbye"},
    ),
    (
        "en-reschedule-saturday",
        None,
        "hi I need to move my appointment with the bone doctor, I can't get off work that day",
        "en",
        "2026-05-11T16:50:00-07:00",
        {"intent": "reschedule", "specialty": "orthopedics"},
    ),
    (
        "en-reschedule-saturday",
        "name",
        "Angela Soto",
        "en",
        "2026-05-11T16:50:00-07:00",
        {"name": {"given": "Angela", "surnames": ["Soto"]}},
    ),
    (
        "en-reschedule-saturday",
        "dob",
        "July fourth nineteen eighty eight",
        "en",
        "2026-05-11T16:50:00-07:00",
        {"dob": "1988-07-04", "dates": []},
    ),
    (
        "en-reschedule-saturday",
        "time_preference",
        "a Saturday would be better",
        "en",
        "2026-05-11T16:50:00-07:00",
        {"window": {"after": None, "before": None, "weekdays": ["sat"]}},
    ),
    (
        "en-reschedule-saturday",
        "confirm",
        "yes",
        "en",
        "2026-05-11T16:50:00-07:00",
        {"yes_no": True},
    ),
    (
        "en-reschedule-saturday",
        "anything_else",
        "no thank you",
        "en",
        "2026-05-11T16:50:00-07:00",
        {"yes_no": False},
    ),
    (
        "en-switch-to-spanish",
        None,
        "Hello, um, can I speak Spanish? ¿Se puede en español?",
        "en",
        "2026-09-08T13:30:00-07:00",
        {"language": "es"},
    ),
    (
        "en-switch-to-spanish",
        "name",
        "José Luis Hernández",
        "es",
        "2026-09-08T13:30:00-07:00",
        {"name": {"given": "José Luis", "surnames": ["Hernández"]}},
    ),
    (
        "en-switch-to-spanish",
        "dob",
        "catorce de febrero de mil novecientos cincuenta y ocho",
        "es",
        "2026-09-08T13:30:00-07:00",
        {"dob": "1958-02-14", "language": "es"},
    ),
    (
        "en-switch-to-spanish",
        "time_preference",
        "cuando sea, lo más pronto posible",
        "es",
        "2026-09-08T13:30:00-07:00",
        {"window": {"after": None, "before": None, "weekdays": []}},
    ),
    (
        "en-switch-to-spanish",
        "confirm",
        "sí, está bien",
        "es",
        "2026-09-08T13:30:00-07:00",
        {"yes_no": True},
    ),
    (
        "en-switch-to-spanish",
        "anything_else",
        "no, gracias",
        "es",
        "2026-09-08T13:30:00-07:00",
        {"yes_no": False},
    ),
    (
        "es-cancel",
        None,
        "Buenas tardes, necesito cancelar mi cita del miércoles",
        "es",
        "2026-07-20T19:05:00-07:00",
        {"intent": "cancel", "dates": ["2026-07-22"], "window": None},
    ),
    (
        "es-cancel",
        "name",
        "Guadalupe Morales Vega",
        "es",
        "2026-07-20T19:05:00-07:00",
        {"name": {"given": "Guadalupe", "surnames": ["Morales", "Vega"]}},
    ),
    (
        "es-cancel",
        "dob",
        "12/12/1990",
        "es",
        "2026-07-20T19:05:00-07:00",
        {"dob": "1990-12-12", "dob_ambiguous": False},
    ),
    (
        "es-cancel",
        "confirm",
        "sí, cancélela por favor",
        "es",
        "2026-07-20T19:05:00-07:00",
        {"yes_no": True},
    ),
    (
        "es-cancel",
        "anything_else",
        "no, gracias",
        "es",
        "2026-07-20T19:05:00-07:00",
        {"yes_no": False},
    ),
    (
        "es-derm-early-morning",
        None,
        "Buenos días, mi doctora me mandó con un especialista de la piel",
        "es",
        "2026-03-04T09:15:00-08:00",
        {"intent": "book", "specialty": "dermatology"},
    ),
    (
        "es-derm-early-morning",
        "name",
        "Soy María Elena López García",
        "es",
        "2026-03-04T09:15:00-08:00",
        {"name": {"given": "María Elena", "surnames": ["López", "García"]}},
    ),
    (
        "es-derm-early-morning",
        "dob",
        "el 3 de abril del 85",
        "es",
        "2026-03-04T09:15:00-08:00",
        {"dob": "1985-04-03", "dates": []},
    ),
    (
        "es-derm-early-morning",
        "time_preference",
        "temprano, antes de las 8, porque entro a trabajar a las 9",
        "es",
        "2026-03-04T09:15:00-08:00",
        {"window": {"after": None, "before": "08:00", "weekdays": []}},
    ),
    (
        "es-derm-early-morning",
        "confirm",
        "sí, perfecto",
        "es",
        "2026-03-04T09:15:00-08:00",
        {"yes_no": True},
    ),
    (
        "es-derm-early-morning",
        "anything_else",
        "no, es todo, gracias",
        "es",
        "2026-03-04T09:15:00-08:00",
        {"yes_no": False},
    ),
    (
        "es-emergency",
        None,
        "mi esposo tiene un dolor muy fuerte en el pecho y le cuesta respirar, qué hago",
        "es",
        "2026-03-20T21:10:00-07:00",
        {"intent": "emergency", "language": "es"},
    ),
    (
        "es-emergency",
        None,
        "sí",
        "es",
        "2026-03-20T21:10:00-07:00",
        {"yes_no": True, "plan": None, "language": "es"},
    ),
    (
        "es-saturday-peds",
        None,
        "hola, es para sacar cita para mi hijo Mateo, lo mandaron con el pediatra especialista",
        "es",
        "2026-05-06T18:40:00-07:00",
        {"intent": "book", "specialty": "pediatrics", "name": {"given": "Mateo", "surnames": []}},
    ),
    (
        "es-saturday-peds",
        "name",
        "Mateo Ramírez Cruz",
        "es",
        "2026-05-06T18:40:00-07:00",
        {"name": {"given": "Mateo", "surnames": ["Ramírez", "Cruz"]}},
    ),
    (
        "es-saturday-peds",
        "dob",
        "30 de agosto de 2017",
        "es",
        "2026-05-06T18:40:00-07:00",
        {"dob": "2017-08-30"},
    ),
    (
        "es-saturday-peds",
        "time_preference",
        "solo puedo los sábados en la mañana",
        "es",
        "2026-05-06T18:40:00-07:00",
        {"window": {"after": None, "before": "12:00", "weekdays": ["sat"]}},
    ),
    ("es-saturday-peds", "confirm", "sí", "es", "2026-05-06T18:40:00-07:00", {"yes_no": True}),
    (
        "es-saturday-peds",
        "anything_else",
        "no gracias",
        "es",
        "2026-05-06T18:40:00-07:00",
        {"yes_no": False},
    ),
]


@pytest.mark.parametrize(
    ("case", "awaiting", "phrase", "lang", "now", "expected"),
    PHRASES,
    ids=[f"{p[0]}:{p[1] or 'opening'}:{p[2][:30]}" for p in PHRASES],
)
def test_it_understands_each_caller_phrase(
    case: str, awaiting: str | None, phrase: str, lang: str, now: str, expected: dict[str, Any]
) -> None:
    result = understand(phrase, now=datetime.fromisoformat(now), lang=lang, awaiting=awaiting)

    dumped = result.model_dump()
    assert {key: dumped[key] for key in expected} == expected


def test_it_covers_every_phrase_of_the_shared_caller_cases() -> None:
    yaml = pytest.importorskip("yaml")
    if not CASES_DIR.is_dir():
        pytest.skip(f"{CASES_DIR} is not mounted here")
    covered = {phrase for _, _, phrase, _, _, _ in PHRASES}

    said = set()
    for path in CASES_DIR.glob("*.yaml"):
        case = yaml.safe_load(path.read_text(encoding="utf-8"))
        said |= {
            v for v in case["says"].values() if v not in ("first", "first_fitting", "none_fit")
        }

    assert said - covered == set()
