"""Picking an offered slot by position, weekday and time, or time alone."""

from __future__ import annotations

import pytest

from referraldesk.understanding import match_slot_choice

from .conftest import NOW

OPTIONS = [
    {"id": "a", "start": "2026-03-10T07:30:00-07:00", "label": "Tuesday 7:30 AM"},
    {"id": "b", "start": "2026-03-12T17:30:00-07:00", "label": "Thursday 5:30 PM"},
    {"id": "c", "start": "2026-03-14T09:00:00-07:00", "label": "Saturday 9:00 AM"},
]

CHOICES = [
    ("en", "the first one", "a"),
    ("es", "la primera", "a"),
    ("en", "option 2", "b"),
    ("en", "2", "b"),
    ("es", "la segunda", "b"),
    ("en", "the last one", "c"),
    ("en", "Tuesday at 7:30", "a"),
    ("es", "el martes a las 7:30", "a"),
    ("es", "el sábado a las 9", "c"),
    ("en", "the 5:30 one", "b"),
    ("en", "Thursday", "b"),
    ("en", "none of those", None),
    ("en", "Friday at 8", None),
    ("en", "5", None),
]


@pytest.mark.parametrize(("lang", "said", "picked"), CHOICES, ids=[c[1] for c in CHOICES])
def test_it_finds_the_slot_the_caller_picked(lang: str, said: str, picked: str | None) -> None:
    assert match_slot_choice(said, OPTIONS, lang, NOW) == picked


def test_it_picks_nothing_from_no_options() -> None:
    assert match_slot_choice("the first one", [], "en", NOW) is None
