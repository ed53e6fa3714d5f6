"""Dates of birth, written or spoken, in either language.

Numeric dates follow the caller's language: month first in English, day first in
Spanish, as each writes dates by hand. When both readings are real dates and differ
("03/04/1985"), the result says so, with the other reading, so the agent confirms it
by reading the month back as a word.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, datetime

from .mentions import Context, Mention
from .temporal import find_mentions, normalize
from .text import fold

_DOB_CUES = re.compile(
    r"\b(?:born|birth|birthday|dob|d\.o\.b|naci|nacio|nacimiento|cumpleanos|date of birth)\b"
)
_NUMERIC = re.compile(r"(?<![\d/])(\d{1,2})[/.-](\d{1,2})[/.-](\d{2}|\d{4})(?![\d/])")


@dataclass(frozen=True)
class BirthDate:
    """A date of birth and, when the digits allow it, the other way to read them."""

    value: date
    mention: Mention
    alternative: date | None = None


def says_birth(text: str) -> bool:
    """True when the turn talks about a date of birth."""
    return _DOB_CUES.search(fold(text)) is not None


def read_dob(text: str, now: datetime, lang: str) -> BirthDate | None:
    """Return the first full past date in `text`, read as a date of birth."""
    ctx = Context(now=now, lang=lang, for_dob=True)
    for mention in find_mentions(text, ctx):
        if mention.date is not None and mention.has_year and mention.date <= ctx.today:
            return BirthDate(mention.date, mention, _other_reading(text, mention, ctx))
    return None


def _other_reading(text: str, mention: Mention, ctx: Context) -> date | None:
    match = _NUMERIC.search(normalize(text, ctx.lang)[mention.start : mention.end])
    if match is None or mention.date is None:
        return None
    first, second = int(match.group(1)), int(match.group(2))
    if first > 12 or second > 12 or first == second:
        return None
    try:
        other = mention.date.replace(month=mention.date.day, day=mention.date.month)
    except ValueError:
        return None
    return other if other <= ctx.today else None
