"""The caller's time preference as a window."""

from __future__ import annotations

from typing import Any

import pytest

from referraldesk.understanding import understand

from .conftest import NOW


def _window(said: str, lang: str) -> dict[str, Any] | None:
    window = understand(said, now=NOW, lang=lang, awaiting="time_preference").window
    return window.model_dump() if window else None


CASES = [
    ("es", "temprano, antes de las 8, porque entro a trabajar a las 9", None, "08:00", []),
    ("en", "I work until 4:30, so anything after 5 in the evening", "17:00", None, []),
    ("es", "después del trabajo", "17:00", None, []),
    ("en", "mornings are best", None, "12:00", []),
    ("es", "en la mañana", None, "12:00", []),
    ("en", "in the afternoon", "12:00", "17:00", []),
    ("es", "en la tarde", "12:00", "17:00", []),
    ("en", "evenings", "17:00", None, []),
    ("es", "solo puedo los sábados en la mañana", None, "12:00", ["sat"]),
    ("en", "a Saturday would be better", None, None, ["sat"]),
    ("en", "weekdays before 8", None, "08:00", ["mon", "tue", "wed", "thu", "fri"]),
    ("en", "early", None, "09:00", []),
    ("es", "temprano", None, "09:00", []),
    ("en", "between 9 and 11", "09:00", "11:00", []),
    ("es", "entro a trabajar a las 9", None, "08:00", []),
    ("en", "weekends", None, None, ["sat", "sun"]),
]


@pytest.mark.parametrize(
    ("lang", "said", "after", "before", "weekdays"), CASES, ids=[c[1] for c in CASES]
)
def test_it_reads_a_time_preference(
    lang: str, said: str, after: str | None, before: str | None, weekdays: list[str]
) -> None:
    assert _window(said, lang) == {"after": after, "before": before, "weekdays": weekdays}


@pytest.mark.parametrize(
    ("lang", "said"), [("es", "cuando sea, lo más pronto posible"), ("en", "whenever, asap")]
)
def test_it_reads_no_constraint_as_an_empty_window(lang: str, said: str) -> None:
    assert _window(said, lang) == {"after": None, "before": None, "weekdays": []}


def test_it_gives_no_window_when_nothing_about_time_was_said() -> None:
    assert understand("Blue Shield", now=NOW, lang="en").window is None
