"""Names: lead-ins, given names and surnames, accents, hyphens and particles."""

from __future__ import annotations

import pytest

from referraldesk.understanding import names_match, understand

from .conftest import NOW

CASES = [
    ("es", None, "Me llamo María José Pérez Núñez", "María José", ["Pérez", "Núñez"]),
    ("es", None, "Soy María Elena López García", "María Elena", ["López", "García"]),
    ("en", "name", "Jennifer Nguyen", "Jennifer", ["Nguyen"]),
    ("es", "name", "José Luis Hernández", "José Luis", ["Hernández"]),
    ("es", "name", "Mateo Ramírez Cruz", "Mateo", ["Ramírez", "Cruz"]),
    ("en", None, "my name is Ana Lopez-Garcia", "Ana", ["Lopez-Garcia"]),
    ("es", None, "mi nombre es juan de la cruz", "Juan", ["de la Cruz"]),
    ("es", "name", "Rosa del Río Pérez", "Rosa", ["del Río", "Pérez"]),
    ("en", None, "this is Robert Castillo", "Robert", ["Castillo"]),
    ("es", None, "es para mi hija Sofía", "Sofía", []),
    ("es", "name", "ANGEL NUÑEZ", "Angel", ["Nuñez"]),
]


@pytest.mark.parametrize(
    ("lang", "awaiting", "said", "given", "surnames"), CASES, ids=[c[2] for c in CASES]
)
def test_it_splits_names_into_given_names_and_surnames(
    lang: str, awaiting: str | None, said: str, given: str, surnames: list[str]
) -> None:
    name = understand(said, now=NOW, lang=lang, awaiting=awaiting).name

    assert (name.given, name.surnames) == (given, surnames)


@pytest.mark.parametrize(
    "said", ["I'm new here", "soy nueva", "it's about my appointment", "Daniel Ortega"]
)
def test_it_takes_no_name_without_a_lead_in_or_a_question(said: str) -> None:
    assert understand(said, now=NOW, lang="en").name.given is None


@pytest.mark.parametrize(
    ("said", "record"),
    [
        ("Jose Perez", "José Pérez"),
        ("maria lopez-garcia", "MARÍA LÓPEZ GARCÍA"),
        ("Lopez Garcia, Maria", "María López-García"),
    ],
)
def test_it_matches_accent_case_and_hyphen_variants(said: str, record: str) -> None:
    assert names_match(said, record)


def test_it_does_not_match_different_people() -> None:
    assert not names_match("Maria Lopez", "Mario Lopez")
