"""What the temporal grammar hands back: spans of text with the date and time they name."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, time


@dataclass(frozen=True)
class Context:
    """The clock and conventions a mention is read against."""

    now: datetime
    lang: str
    for_dob: bool = False

    @property
    def today(self) -> date:
        return self.now.date()


@dataclass
class Mention:
    """One date, time or date-and-time expression found in normalized text."""

    start: int
    end: int
    date: date | None = None
    time: time | None = None
    weekday: int | None = None
    has_year: bool = False
    void: bool = False
    tags: set[str] = field(default_factory=set)

    def overlaps(self, start: int, end: int) -> bool:
        return start < self.end and self.start < end
