"""Formatting for templates: local times, dates, labels. Each is a Jinja filter and tested alone."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date, datetime
from typing import Any
from zoneinfo import ZoneInfo

from referraldesk.errors import InvalidArgument
from referraldesk.referrals import lifecycle

# analytics scores sentiment from -1 (upset) to 1 (pleased); these cut it in three.
NEGATIVE_BELOW = -0.2
POSITIVE_ABOVE = 0.2


def local_time(value: datetime | None, zone: str, fmt: str = "%a %b %d, %H:%M") -> str:
    """An instant in the practice's zone, e.g. "Tue Mar 10, 09:00"; "" for None."""
    if value is None:
        return ""
    return value.astimezone(ZoneInfo(zone)).strftime(fmt)


def clock_time(value: datetime | None, zone: str) -> str:
    return local_time(value, zone, "%H:%M")


def day(value: date | datetime | None) -> str:
    """A date as "Tue Mar 10, 2026"; "" for None."""
    if value is None:
        return ""
    return value.strftime("%a %b %d, %Y")


def iso_day(value: date | None) -> str:
    return value.isoformat() if value else ""


def sentiment_label(score: float | None) -> str:
    if score is None:
        return "not analysed"
    if score < NEGATIVE_BELOW:
        return "negative"
    if score > POSITIVE_ABOVE:
        return "positive"
    return "neutral"


def state_label(state: str | None) -> str:
    """A referral state as staff read it ("Contacting patient")."""
    if state is None:
        return ""
    try:
        return lifecycle.label(state)
    except InvalidArgument:  # a state this version does not know is shown as stored
        return state


def words(key: str | None) -> str:
    """A snake_case key as words: "physical_therapy" -> "Physical therapy"."""
    if not key:
        return ""
    text = key.replace("_", " ")
    return text[:1].upper() + text[1:]


def percent(value: float | None) -> str:
    if value is None:
        return "–"
    return f"{value * 100:.0f}%"


def number(value: float | int | None, digits: int = 0) -> str:
    if value is None:
        return "–"
    return f"{value:,.{digits}f}"


def window_text(window: dict[str, Any]) -> str:
    """A stored contact window as words: "mon, tue after 17:00"."""
    days = ", ".join(window.get("weekdays") or []) or "any day"
    parts = [days]
    if window.get("after"):
        parts.append(f"after {window['after']}")
    if window.get("before"):
        parts.append(f"before {window['before']}")
    return " ".join(parts)


def choices(values: Iterable[str]) -> list[tuple[str, str]]:
    """(value, label) pairs for a <select>, labels in words."""
    return [(value, words(value)) for value in values]


FILTERS: dict[str, Any] = {
    "local_time": local_time,
    "clock_time": clock_time,
    "day": day,
    "iso_day": iso_day,
    "sentiment_label": sentiment_label,
    "state_label": state_label,
    "words": words,
    "percent": percent,
    "number": number,
    "window_text": window_text,
}
