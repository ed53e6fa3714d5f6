"""Rows U1-U6 of /work/shared/cases/inputs.md, each with its right value."""

from __future__ import annotations

from datetime import datetime

import pytest

from referraldesk.understanding import names_match, understand

from .conftest import NOW, SITE


@pytest.mark.parametrize("text", ["el próximo martes", "el martes que viene"])
def test_it_reads_a_spanish_relative_weekday_as_the_coming_one(text: str) -> None:
    result = understand(text, now=NOW, lang="es")

    assert result.dates == ["2026-03-10"]
    assert result.times == []


@pytest.mark.parametrize("text", ["el próximo martes", "el martes que viene"])
def test_it_reads_next_tuesday_said_on_a_tuesday_as_a_week_later(text: str) -> None:
    tuesday = datetime(2026, 3, 10, 9, 0, tzinfo=SITE)

    assert understand(text, now=tuesday, lang="es").dates == ["2026-03-17"]


def test_it_reads_a_spanish_afternoon_hour_on_a_weekday() -> None:
    result = understand("el viernes a las 3 de la tarde", now=NOW, lang="es")

    assert result.dates == ["2026-03-06"]
    assert result.times == ["15:00"]


def test_it_reads_a_bare_spanish_hour_as_a_clinic_time_never_a_day() -> None:
    result = understand("a las 3", now=NOW, lang="es")

    assert result.times == ["15:00"]
    assert result.dates == []


@pytest.mark.parametrize(("said", "dob"), [("12/31/68", "1968-12-31"), ("03/04/52", "1952-03-04")])
def test_it_never_puts_a_two_digit_birth_year_in_the_future(said: str, dob: str) -> None:
    assert understand(said, now=NOW, lang="en", awaiting="dob").dob == dob


def test_it_splits_two_given_names_and_two_surnames() -> None:
    name = understand("Me llamo María José Pérez Núñez", now=NOW, lang="es").name

    assert name.given == "María José"
    assert name.surnames == ["Pérez", "Núñez"]


@pytest.mark.parametrize(
    "record", ["PEREZ NUNEZ^MARIA JOSE", "Pérez-Núñez, María José", "Maria Jose Perez"]
)
def test_it_matches_a_two_surname_name_against_stored_forms(record: str) -> None:
    assert names_match("María José Pérez Núñez", record)


@pytest.mark.parametrize(
    ("said", "record"),
    [("Angel Nunez", "Ángel Núñez"), ("Maria Lopez Garcia", "María López-García")],
)
def test_it_matches_names_after_folding_accents_case_and_hyphens(said: str, record: str) -> None:
    assert names_match(said, record)


def test_it_refuses_a_spoken_number_whose_area_code_starts_with_one() -> None:
    said = "uno, uno dos tres, cuatro cinco seis, siete ocho nueve cero"

    result = understand(said, now=NOW, lang="es", awaiting="phone")

    assert result.phone is None
    assert result.phone_invalid is True


@pytest.mark.parametrize("said", ["1-559-555-0143", "(559) 555-0143", "+1 559 555 0143"])
def test_it_reads_written_phone_formats_as_one_number(said: str) -> None:
    assert understand(said, now=NOW, lang="en", awaiting="phone").phone == "+15595550143"
