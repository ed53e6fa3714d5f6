"""Relative and calendar dates in both languages (now: Wednesday 2026-03-04 10:00)."""

from __future__ import annotations

import pytest

from referraldesk.understanding import understand

from .conftest import NOW

CASES = [
    ("en", "today", ["2026-03-04"]),
    ("es", "hoy", ["2026-03-04"]),
    ("en", "tomorrow", ["2026-03-05"]),
    ("es", "mañana", ["2026-03-05"]),
    ("es", "mañana en la mañana", ["2026-03-05"]),
    ("es", "pasado mañana", ["2026-03-06"]),
    ("en", "the day after tomorrow", ["2026-03-06"]),
    ("en", "in two weeks", ["2026-03-18"]),
    ("es", "dentro de 3 días", ["2026-03-07"]),
    ("es", "en dos semanas", ["2026-03-18"]),
    ("en", "3 days from now", ["2026-03-07"]),
    ("en", "3 days ago", ["2026-03-01"]),
    ("es", "hace 3 días", ["2026-03-01"]),
    ("en", "the 15th", ["2026-03-15"]),
    ("en", "the 2nd", ["2026-04-02"]),
    ("es", "el día 18", ["2026-03-18"]),
    ("es", "el 15 de marzo", ["2026-03-15"]),
    ("en", "March 15", ["2026-03-15"]),
    ("en", "Feb 3", ["2027-02-03"]),
    ("es", "el 2 de febrero de 2027", ["2027-02-02"]),
    ("en", "3/20", ["2026-03-20"]),
    ("es", "20/3", ["2026-03-20"]),
    ("en", "on 3/20/2026", ["2026-03-20"]),
    ("en", "Christmas eve", ["2026-12-24"]),
    ("en", "Friday or Monday", ["2026-03-06", "2026-03-09"]),
    ("en", "the 15th or the 16th", ["2026-03-15", "2026-03-16"]),
]


@pytest.mark.parametrize(("lang", "said", "dates"), CASES, ids=[c[1] for c in CASES])
def test_it_reads_dates_in_order_of_mention(lang: str, said: str, dates: list[str]) -> None:
    assert understand(said, now=NOW, lang=lang).dates == dates


@pytest.mark.parametrize("said", ["Feb 30", "30 de febrero", "2/29/2027"])
def test_it_reads_no_date_from_a_day_that_does_not_exist(said: str) -> None:
    assert understand(said, now=NOW, lang="en").dates == []


@pytest.mark.parametrize("said", ["I need one appointment", "tengo una cita", "may I come"])
def test_it_reads_no_date_from_ordinary_words(said: str) -> None:
    assert understand(said, now=NOW, lang="en").dates == []
