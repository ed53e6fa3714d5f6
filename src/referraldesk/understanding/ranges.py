"""Spans of days a caller names as a whole: "next week", "esta semana", "next month".

A weekday inside the span ("next week on Tuesday") is a date the date readers take;
the span is what is left when the caller names no day in it, and the dialogue searches
the whole of it.
"""

from __future__ import annotations

import re
from datetime import date, timedelta

from .calendar_math import add_months, weekday_in_week
from .model import DateRange

_SPANS: list[tuple[re.Pattern[str], str]] = [
    (
        re.compile(
            r"\b(?:(?:the )?(?:next|following|coming) week|"
            r"(?:la )?(?:proxima|siguiente) semana|la semana (?:que viene|proxima|siguiente)|"
            r"(?:el )?semana que viene)\b"
        ),
        "week+1",
    ),
    (re.compile(r"\b(?:(?:this|the current) week|esta semana)\b"), "week+0"),
    (
        re.compile(
            r"\b(?:(?:the )?(?:next|following|coming) month|(?:el )?(?:proximo|siguiente) mes|"
            r"el mes (?:que viene|proximo|siguiente))\b"
        ),
        "month+1",
    ),
    (re.compile(r"\b(?:(?:this|the current) month|este mes)\b"), "month+0"),
]


def read_date_range(normal: str, today: date) -> DateRange | None:
    """Return the span `normal` (folded text) names, counted from `today`; None without one."""
    for pattern, span in _SPANS:
        if pattern.search(normal):
            start, end = _bounds(span, today)
            return DateRange(start=start.isoformat(), end=end.isoformat())
    return None


def _bounds(span: str, today: date) -> tuple[date, date]:
    if span == "week+1":
        monday = weekday_in_week(today, 0, 1)
        return monday, monday + timedelta(days=6)
    if span == "week+0":
        return today, weekday_in_week(today, 6)
    first = add_months(today.replace(day=1), 1 if span == "month+1" else 0)
    last = add_months(first, 1) - timedelta(days=1)
    return (first if span == "month+1" else today), last
