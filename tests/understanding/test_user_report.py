"""What a new user's report showed the understanding layer missing: named holidays,
spans of days, and picks by day of the month."""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

import pytest

from referraldesk.understanding import match_slot_choice, understand

# Thursday 2026-12-03, 09:00 at the clinic.
NOW = datetime(2026, 12, 3, 9, 0, tzinfo=ZoneInfo("America/Los_Angeles"))

HOLIDAYS = [
    ("are you open on christmas?", "en", "2026-12-25"),
    ("¿abren en Navidad?", "es", "2026-12-25"),
    ("what about New Year's?", "en", "2027-01-01"),
    ("¿y el Año Nuevo?", "es", "2027-01-01"),
    ("open on thanksgiving?", "en", "2027-11-25"),
    ("César Chávez Day", "en", "2027-03-31"),
    ("el día de César Chávez", "es", "2027-03-31"),
    ("July 4th", "en", "2027-07-04"),
    ("the fourth of July", "en", "2027-07-04"),
    ("MLK day", "en", "2027-01-18"),
    ("Presidents' Day", "en", "2027-02-15"),
    ("are you open on december 24?", "en", "2026-12-24"),
]


@pytest.mark.parametrize(("said", "lang", "day"), HOLIDAYS, ids=[h[0] for h in HOLIDAYS])
def test_it_reads_a_named_holiday_as_its_date(said: str, lang: str, day: str) -> None:
    understood = understand(said, now=NOW, lang=lang)

    assert understood.dates == [day]


RANGES = [
    ("next week", "en", "2026-12-07", "2026-12-13"),
    ("la próxima semana", "es", "2026-12-07", "2026-12-13"),
    ("la semana que viene", "es", "2026-12-07", "2026-12-13"),
    ("sometime this week", "en", "2026-12-03", "2026-12-06"),
    ("esta semana en la tarde", "es", "2026-12-03", "2026-12-06"),
    ("next month", "en", "2027-01-01", "2027-01-31"),
    ("el mes que viene", "es", "2027-01-01", "2027-01-31"),
]


@pytest.mark.parametrize(("said", "lang", "start", "end"), RANGES, ids=[r[0] for r in RANGES])
def test_it_reads_a_span_of_days_as_a_date_range(
    said: str, lang: str, start: str, end: str
) -> None:
    understood = understand(said, now=NOW, lang=lang, awaiting="time_preference")

    assert understood.date_range is not None
    assert (understood.date_range.start, understood.date_range.end) == (start, end)
    assert understood.dates == []


def test_it_reads_no_range_where_a_date_of_birth_is_awaited() -> None:
    assert understand("next week", now=NOW, lang="en", awaiting="dob").date_range is None


def test_it_reads_no_range_in_a_plain_day() -> None:
    assert understand("tomorrow morning", now=NOW, lang="en").date_range is None


SATURDAYS = [
    {"id": "sat9", "start": "2026-12-05T08:30:00-08:00"},
    {"id": "sat9b", "start": "2026-12-05T09:00:00-08:00"},
    {"id": "sat12", "start": "2026-12-12T08:30:00-08:00"},
    {"id": "mon14", "start": "2026-12-14T08:30:00-08:00"},
]
PICKS = [
    ("es", "el sábado 5 a las 8:30", "sat9"),
    ("en", "Saturday the 12th at 8:30", "sat12"),
    ("en", "the 14th", "mon14"),
    ("es", "el 14", "mon14"),
    ("es", "el 12", "sat12"),
    ("en", "3", "sat12"),
    ("en", "Sat Dec 12, 8:30 AM — Dra. Rosa Delgado", "sat12"),
]


@pytest.mark.parametrize(("lang", "said", "picked"), PICKS, ids=[p[1] for p in PICKS])
def test_it_matches_a_pick_by_day_of_month(lang: str, said: str, picked: str) -> None:
    assert match_slot_choice(said, SATURDAYS, lang, NOW) == picked


def test_it_tells_apart_two_offers_at_the_same_time_by_the_provider_named() -> None:
    options = [
        {"id": "okafor", "start": "2026-12-03T12:00:00-08:00", "provider": "Dr. Samuel Okafor"},
        {"id": "delgado", "start": "2026-12-03T12:00:00-08:00", "provider": "Dra. Rosa Delgado"},
    ]

    picked = match_slot_choice("Thu Dec 3, 12:00 PM — Dra. Rosa Delgado", options, "en", NOW)

    assert picked == "delgado"


def test_it_picks_an_option_by_its_exact_label() -> None:
    options = [
        {"id": "a", "start": "2026-12-03T12:00:00-08:00", "label": "Thu Dec 3, 12:00 PM — Okafor"},
        {"id": "b", "start": "2026-12-03T12:00:00-08:00", "label": "Thu Dec 3, 12:00 PM — Delgado"},
    ]

    assert match_slot_choice("Thu Dec 3, 12:00 PM — Delgado", options, "en", NOW) == "b"


@pytest.mark.parametrize(
    "said",
    ["I'm feeling suicidal", "me quiero morir", "quiero hacerme daño", "I want to hurt myself"],
)
def test_it_hears_self_harm_as_an_emergency(said: str) -> None:
    assert understand(said, now=NOW).intent == "emergency"
