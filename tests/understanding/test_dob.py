"""Dates of birth: spoken and written, two-digit years, day-month ambiguity."""

from __future__ import annotations

from datetime import datetime

import pytest

from referraldesk.understanding import understand

from .conftest import NOW, SITE

CASES = [
    ("en", "02/17/1991", "1991-02-17"),
    ("en", "12/31/68", "1968-12-31"),
    ("en", "03/04/52", "1952-03-04"),
    ("en", "November 22nd, 1979", "1979-11-22"),
    ("en", "July fourth nineteen eighty eight", "1988-07-04"),
    ("en", "January twenty five nineteen eighty six", "1986-01-25"),
    ("es", "el 3 de abril del 85", "1985-04-03"),
    ("es", "catorce de febrero de mil novecientos cincuenta y ocho", "1958-02-14"),
    ("es", "30 de agosto de 2017", "2017-08-30"),
    ("es", "12/12/1990", "1990-12-12"),
    ("es", "03/04/1985", "1985-04-03"),
    ("en", "1985-04-03", "1985-04-03"),
]


@pytest.mark.parametrize(("lang", "said", "dob"), CASES, ids=[c[1] for c in CASES])
def test_it_reads_a_date_of_birth_in_any_form(lang: str, said: str, dob: str) -> None:
    result = understand(said, now=NOW, lang=lang, awaiting="dob")

    assert result.dob == dob
    assert result.dates == []


@pytest.mark.parametrize(
    ("short", "year"),
    [("25", 2025), ("26", 2026), ("27", 1927), ("00", 2000), ("99", 1999), ("05", 2005)],
)
def test_it_reads_two_digit_birth_years_as_the_latest_not_after_today(
    short: str, year: int
) -> None:
    dob = understand(f"01/01/{short}", now=NOW, lang="en", awaiting="dob").dob

    assert dob == f"{year}-01-01"


def test_it_keeps_a_two_digit_birth_year_later_this_year_in_the_last_century() -> None:
    assert understand("12/31/26", now=NOW, lang="en", awaiting="dob").dob == "1926-12-31"


def test_it_flags_a_numeric_birth_date_that_reads_two_ways() -> None:
    result = understand("03/04/1985", now=NOW, lang="en", awaiting="dob")

    assert (result.dob, result.dob_ambiguous, result.dob_alternative) == (
        "1985-03-04",
        True,
        "1985-04-03",
    )


def test_it_reads_a_birth_date_said_with_a_cue_without_being_asked() -> None:
    result = understand("I was born on 15 April of 87", now=NOW, lang="en")

    assert result.dob == "1987-04-15"


def test_it_does_not_take_an_appointment_date_for_a_birth_date() -> None:
    result = understand("can I come on March 20, 2026?", now=NOW, lang="en")

    assert result.dob is None
    assert result.dates == ["2026-03-20"]


def test_it_reads_two_digit_years_around_the_century_boundary() -> None:
    new_year = datetime(2000, 1, 1, 9, 0, tzinfo=SITE)

    assert understand("05/05/99", now=new_year, lang="en", awaiting="dob").dob == "1999-05-05"
    assert understand("01/01/00", now=new_year, lang="en", awaiting="dob").dob == "2000-01-01"
