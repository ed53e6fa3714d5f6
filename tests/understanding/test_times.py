"""Clock times and the clinic-hours reading of a bare hour."""

from __future__ import annotations

import pytest

from referraldesk.understanding import understand

from .conftest import NOW

CASES = [
    ("es", "a las 3 de la tarde", ["15:00"]),
    ("es", "a las 3", ["15:00"]),
    ("en", "at 3", ["15:00"]),
    ("en", "at 7", ["07:00"]),
    ("en", "at 7 pm", ["19:00"]),
    ("es", "a las 5 de la mañana", ["05:00"]),
    ("es", "a mediodía", ["12:00"]),
    ("en", "noon", ["12:00"]),
    ("en", "midnight", ["00:00"]),
    ("en", "7:30", ["07:30"]),
    ("en", "5:30", ["17:30"]),
    ("es", "siete y media", ["07:30"]),
    ("es", "a las 8 y cuarto", ["08:15"]),
    ("es", "a las 8 menos cuarto", ["07:45"]),
    ("en", "quarter past 8", ["08:15"]),
    ("en", "quarter to 9", ["08:45"]),
    ("en", "half past 5", ["17:30"]),
    ("en", "at 4:30pm", ["16:30"]),
    ("en", "at 10 tonight", ["22:00"]),
    ("es", "a la una", ["13:00"]),
    ("es", "a las 2 de la tarde y a las 4", ["14:00", "16:00"]),
    ("en", "at 17:45", ["17:45"]),
]


@pytest.mark.parametrize(("lang", "said", "times"), CASES, ids=[c[1] for c in CASES])
def test_it_reads_clock_times(lang: str, said: str, times: list[str]) -> None:
    assert understand(said, now=NOW, lang=lang).times == times


@pytest.mark.parametrize("hour", range(1, 13))
def test_it_never_reads_a_bare_hour_as_a_day_of_the_month(hour: int) -> None:
    result = understand(f"a las {hour}", now=NOW, lang="es")

    assert result.dates == []
    assert len(result.times) == 1


@pytest.mark.parametrize(
    ("hour", "expected"),
    [
        (1, "13:00"),
        (5, "17:00"),
        (6, "18:00"),
        (7, "07:00"),
        (8, "08:00"),
        (11, "11:00"),
        (12, "12:00"),
    ],
)
def test_it_reads_a_bare_hour_inside_clinic_hours_preferring_morning(
    hour: int, expected: str
) -> None:
    assert understand(f"at {hour}", now=NOW, lang="en").times == [expected]


def test_it_reads_a_date_and_time_together() -> None:
    result = understand("tomorrow at 8:45am", now=NOW, lang="en")

    assert (result.dates, result.times) == (["2026-03-05"], ["08:45"])


@pytest.mark.parametrize("said", ["I have 3 kids", "en 2 semanas", "I'm 45 years old"])
def test_it_reads_no_time_from_counts(said: str) -> None:
    assert understand(said, now=NOW, lang="en").times == []
