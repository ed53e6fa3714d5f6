"""Time-of-week windows: "weekdays before 08:00", "sat", "mon,wed 17:00-19:30".

A window is judged on a slot's local start at its site: "before 08:00" takes a slot
that starts before 08:00 (a 07:30-08:00 visit fits), "after 17:00" one that starts at
17:00 or later. A list of windows means "any of these".
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime, time
from typing import Any

from referraldesk.errors import InvalidArgument

WEEKDAY_KEYS: tuple[str, ...] = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")

# Each weekday's English and (accent-folded) Spanish names and abbreviations.
_DAY_WORDS: tuple[tuple[str, ...], ...] = (
    ("mon", "monday", "lunes", "lun"),
    ("tue", "tues", "tuesday", "martes"),
    ("wed", "wednesday", "miercoles", "mie"),
    ("thu", "thur", "thurs", "thursday", "jueves", "jue"),
    ("fri", "friday", "viernes", "vie"),
    ("sat", "saturday", "sabado", "sab"),
    ("sun", "sunday", "domingo", "dom"),
)
_DAY_NAMES: dict[str, int] = {word: day for day, words in enumerate(_DAY_WORDS) for word in words}
_DAY_GROUPS: dict[str, frozenset[int] | None] = {
    "weekday": frozenset(range(5)),
    "weekdays": frozenset(range(5)),
    "weekend": frozenset({5, 6}),
    "weekends": frozenset({5, 6}),
    "daily": None,
    "everyday": None,
}
# (after, before) for plain words; explicit times in the same window win.
_DAYPARTS: dict[str, tuple[time | None, time | None]] = {
    "morning": (None, time(12, 0)),
    "mornings": (None, time(12, 0)),
    "afternoon": (time(12, 0), time(17, 0)),
    "afternoons": (time(12, 0), time(17, 0)),
    "evening": (time(17, 0), None),
    "evenings": (time(17, 0), None),
}
_AFTER_WORDS = frozenset({"after", "from", "since", "despues", "desde"})
_BEFORE_WORDS = frozenset({"before", "until", "till", "by", "to", "antes", "hasta"})
_BETWEEN_WORDS = frozenset({"between", "entre"})
_FILLER_WORDS = frozenset({"on", "every", "any", "day", "days", "at", "and", "y", "the", "de", "&"})

_TIME_RE = re.compile(r"^(\d{1,2})(?::(\d{2}))?(am|pm)?$")
_EXAMPLES = "e.g. 'weekdays 06:00-08:00', 'weekdays before 08:00', 'after 17:00', 'sat'"


@dataclass(frozen=True)
class TimeWindow:
    """Days of the week (0 = Monday; None = any day) and a span of local start times."""

    weekdays: frozenset[int] | None = None
    after: time | None = None
    before: time | None = None

    def __post_init__(self) -> None:
        if self.after is not None and self.before is not None and self.after >= self.before:
            raise InvalidArgument(
                f"window after {self.after:%H:%M} and before {self.before:%H:%M} holds no time; "
                "give an earlier 'after' or write two windows",
                field="window",
            )

    def contains(self, local_start: datetime, local_end: datetime) -> bool:
        """Whether a slot fits; only its local start is judged (see the module docstring)."""
        if self.weekdays is not None and local_start.weekday() not in self.weekdays:
            return False
        wall = local_start.time()
        if self.after is not None and wall < self.after:
            return False
        return self.before is None or wall < self.before

    def allows_weekday(self, weekday: int) -> bool:
        return self.weekdays is None or weekday in self.weekdays

    def describe(self) -> str:
        """Return the window in the form `parse_window` reads back."""
        parts = [_describe_days(self.weekdays)] if self.weekdays is not None else []
        if self.after is not None and self.before is not None:
            parts.append(f"{self.after:%H:%M}-{self.before:%H:%M}")
        elif self.after is not None:
            parts.append(f"after {self.after:%H:%M}")
        elif self.before is not None:
            parts.append(f"before {self.before:%H:%M}")
        return " ".join(parts) or "any time"


def fits_any(windows: Iterable[TimeWindow], local_start: datetime, local_end: datetime) -> bool:
    """True when no window is given or any one of them contains the slot."""
    listed = list(windows)
    return not listed or any(window.contains(local_start, local_end) for window in listed)


def parse_window(text: str) -> list[TimeWindow]:
    """Parse windows separated by ';' or 'or'; every bad part is named in one error."""
    parts = [part.strip() for part in re.split(r";|\bor\b|\bo\b", _fold(text))]
    if not any(parts):
        raise InvalidArgument(f"window {text!r} is empty; write one, {_EXAMPLES}", field="window")
    windows: list[TimeWindow] = []
    problems: list[str] = []
    for part in parts:
        if not part:
            problems.append("an empty part between separators")
            continue
        window, part_problems = _parse_part(part)
        problems.extend(part_problems)
        if window is not None:
            windows.append(window)
    if problems:
        listed = "; ".join(problems)
        raise InvalidArgument(f"window {text!r}: {listed} ({_EXAMPLES})", field="window")
    return windows


def from_understanding(window: Mapping[str, Any] | None) -> list[TimeWindow]:
    """Turn the NLU's `{after, before, weekdays}` (local 'HH:MM', ['mon', ...]) into windows.

    "before 8 or after 5" arrives as after 17:00 + before 08:00; it becomes two windows
    rather than an empty one. Nothing said gives no windows (any time).
    """
    if not window:
        return []
    problems: list[str] = []
    after = _understood_time(window.get("after"), "after", problems)
    before = _understood_time(window.get("before"), "before", problems)
    weekdays = _understood_weekdays(window.get("weekdays"), problems)
    if problems:
        raise InvalidArgument(f"time window: {'; '.join(problems)}", field="window")
    if after is None and before is None and weekdays is None:
        return []
    if after is not None and before is not None and after >= before:
        return [TimeWindow(weekdays, None, before), TimeWindow(weekdays, after, None)]
    return [TimeWindow(weekdays, after, before)]


def _parse_part(part: str) -> tuple[TimeWindow | None, list[str]]:
    state = _PartState()
    tokens = part.split()
    index = 0
    while index < len(tokens):
        index = state.take(tokens, index)
    return state.finish(part)


@dataclass
class _PartState:
    """What one window's words have said so far, and what was wrong with them."""

    days: set[int] | None = None
    any_day: bool = False
    after: time | None = None
    before: time | None = None
    daypart: tuple[time | None, time | None] | None = None
    between: bool = False
    problems: list[str] | None = None

    def take(self, tokens: list[str], index: int) -> int:
        """Read the token at `index` (and its argument); return the next index."""
        token = tokens[index]
        following = tokens[index + 1] if index + 1 < len(tokens) else None
        role = _role_of(token, between=self.between)
        if role is not None:
            return self._keyword(token, role, following, index)
        if token in _FILLER_WORDS:
            return index + 1
        if token in _DAYPARTS:
            self.daypart = _DAYPARTS[token]
        elif _TIME_RE.match(token) and following in _BEFORE_WORDS:
            # "06:00 to 08:00": a bare time opening a range.
            self.after = _parse_time(token, self._issues())
        elif any(char.isdigit() for char in token):
            self._bare_time(token)
        else:
            self._days(token)
        return index + 1

    def _keyword(self, word: str, role: str, following: str | None, index: int) -> int:
        if following is None:
            self._problem(f"'{word}' needs a time after it, like '{word} 08:00'")
            return index + 1
        value = _parse_time(following, self._issues())
        if role == "between":
            self.between = True
            self.after = value
        elif role == "after":
            self.after = value
        else:
            self.before = value
            self.between = False
        return index + 2

    def _bare_time(self, token: str) -> None:
        if "-" in token:
            start, end = token.split("-", 1)
            self.after = _parse_time(start, self._issues())
            self.before = _parse_time(end, self._issues())
        elif _TIME_RE.match(token):
            self._problem(f"'{token}' needs 'before' or 'after', or a range like 06:00-08:00")
        else:
            _parse_time(token, self._issues())

    def _days(self, token: str) -> None:
        for item in filter(None, token.split(",")):
            if item in _DAY_GROUPS:
                group = _DAY_GROUPS[item]
                if group is None:
                    self.any_day = True
                else:
                    self.days = (self.days or set()) | group
                continue
            days = _day_range(item) if "-" in item else _day_name(item)
            if days is None:
                self._problem(f"'{item}' is not a day or a time")
            else:
                self.days = (self.days or set()) | days

    def finish(self, part: str) -> tuple[TimeWindow | None, list[str]]:
        after, before = self.after, self.before
        if self.daypart is not None:
            after = after if after is not None else self.daypart[0]
            before = before if before is not None else self.daypart[1]
        if after is not None and before is not None and after >= before:
            self._problem(
                f"'{part}' asks for after {after:%H:%M} and before {before:%H:%M}, which never "
                f"holds; for either one write two windows: 'before {before:%H:%M}; "
                f"after {after:%H:%M}'"
            )
        said_nothing = self.days is None and not self.any_day and after is None and before is None
        if said_nothing and not self._issues():
            self._problem(f"'{part}' names no day and no time")
        if self._issues():
            return None, self._issues()
        weekdays = None if self.any_day or self.days is None else frozenset(self.days)
        return TimeWindow(weekdays, after, before), []

    def _issues(self) -> list[str]:
        if self.problems is None:
            self.problems = []
        return self.problems

    def _problem(self, message: str) -> None:
        self._issues().append(message)


def _role_of(word: str, *, between: bool) -> str | None:
    if word in _BETWEEN_WORDS:
        return "between"
    if word in _AFTER_WORDS:
        return "after"
    if word in _BEFORE_WORDS or (between and word in {"and", "y", "&"}):
        return "before"
    return None


def _fold(text: str) -> str:
    decomposed = unicodedata.normalize("NFKD", text.lower())
    plain = "".join(char for char in decomposed if not unicodedata.combining(char))
    plain = re.sub(r"[\u2010-\u2015]", "-", plain)
    plain = re.sub(r"\b([ap])\.m\.?", r"\1m", plain)
    plain = re.sub(r"(\d)\s+([ap]m)\b", r"\1\2", plain)
    plain = re.sub(r"\s*([-,])\s*", r"\1", plain)
    return plain.strip()


def _parse_time(token: str, problems: list[str]) -> time | None:
    match = _TIME_RE.match(token)
    if match is None:
        problems.append(f"'{token}' is not a time; write HH:MM such as 07:30 or 5pm")
        return None
    hour, minute = int(match.group(1)), int(match.group(2) or 0)
    meridiem = match.group(3)
    if meridiem and not 1 <= hour <= 12:
        problems.append(f"'{token}' is not a time: with am/pm the hour runs 1 to 12")
        return None
    if meridiem:
        hour = hour % 12 + (12 if meridiem == "pm" else 0)
    if hour > 23 or minute > 59:
        problems.append(f"'{token}' is not a time of day; hours run 00-23 and minutes 00-59")
        return None
    return time(hour, minute)


def _day_name(item: str) -> set[int] | None:
    for candidate in (item, item.removesuffix("s")):
        if candidate in _DAY_NAMES:
            return {_DAY_NAMES[candidate]}
    return None


def _day_range(item: str) -> set[int] | None:
    first_text, _, last_text = item.partition("-")
    first, last = _day_name(first_text), _day_name(last_text)
    if first is None or last is None:
        return None
    start, end = first.pop(), last.pop()
    # "fri-mon" wraps over the weekend.
    return {(start + offset) % 7 for offset in range((end - start) % 7 + 1)}


def _describe_days(weekdays: frozenset[int]) -> str:
    if weekdays == frozenset(range(5)):
        return "weekdays"
    if weekdays == frozenset({5, 6}):
        return "weekends"
    return ",".join(WEEKDAY_KEYS[day] for day in sorted(weekdays))


def _understood_time(value: Any, name: str, problems: list[str]) -> time | None:
    if value is None or value == "":
        return None
    if not isinstance(value, str) or not re.fullmatch(r"\d{1,2}:\d{2}", value):
        problems.append(f"{name}={value!r} is not a local time in HH:MM form")
        return None
    return _parse_time(value, problems)


def _understood_weekdays(value: Any, problems: list[str]) -> frozenset[int] | None:
    if not value:
        return None
    if isinstance(value, str) or not isinstance(value, Iterable):
        problems.append(f"weekdays={value!r} must be a list like ['mon', 'sat']")
        return None
    days: set[int] = set()
    for item in value:
        key = str(item).lower()[:3]
        if key not in WEEKDAY_KEYS:
            problems.append(f"weekday {item!r} is not one of {', '.join(WEEKDAY_KEYS)}")
            continue
        days.add(WEEKDAY_KEYS.index(key))
    return frozenset(days) if days else None
