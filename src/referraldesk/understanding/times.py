"""Clock times in normalized English and Spanish text.

A time without am/pm ("a las 3", "at 7:30") is read against the clinic day: of the
two readings, the one inside 06:30-19:30 wins, and when both fit ("7", "7:30") the
morning one does, because an early slot before work is what our callers ask for
most. A bare number is never a day of the month here: "a las 3" is 15:00.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import time

from .mentions import Mention
from .vocab import MONTH_RE

CLINIC_OPENS = time(6, 30)
CLINIC_CLOSES = time(19, 30)

_AM = re.compile(
    r"^\s*,?\s*(?:am\b|(?:de|en|por) la (?:manana|madrugada)|in the morning|this morning|"
    r"esta manana|early morning|de la madrugada|de madrugada)"
)
_PM = re.compile(
    r"^\s*,?\s*(?:pm\b|(?:de|en|por|a) la (?:tarde|noche)|in the (?:afternoon|evening)|at night|"
    r"tonight|this (?:afternoon|evening)|esta (?:tarde|noche)|(?:late )?evening|del? (?:la )?noche)"
)
_NOON = re.compile(r"^\s*,?\s*(?:del mediodia|de mediodia|noon)")
_NIGHT = re.compile(r"^\s*,?\s*(?:de la noche|at night|tonight|esta noche)")
_AM_BEFORE = re.compile(
    r"(?:in the morning|this morning|early morning|(?:por|en|de) la manana|esta manana|"
    r"de madrugada)\s*,?\s*(?:at|around|a las|a la|about)?\s*$"
)
_PM_BEFORE = re.compile(
    r"(?:in the (?:afternoon|evening)|this (?:afternoon|evening)|(?:late )?evening|tonight|"
    r"last night|(?:por|en) la (?:tarde|noche)|esta (?:tarde|noche)|anoche)\s*,?\s*"
    r"(?:at|around|about|a las|a la|como a las|tipo)?\s*$"
)

_CUE = (
    r"(?:at|around|about|@|by|till|until|after|before|from|since|a las|a la|las|hasta las|"
    r"despues de las|antes de las|de las|desde las|entre las|a eso de las|como a las|tipo|"
    r"para las|sobre las|starting at|no later than|no earlier than|after about|a partir de las)"
)
_NOT_CLOCK_AFTER = (
    rf"(?!\s*(?:[/.-]\d|%|st\b|nd\b|rd\b|th\b|days?|dias?|weeks?|semanas?|months?|meses|"
    rf"years?|anos?|minut|mins?\b|hours?|horas?|people|personas|kids|ninos|de {MONTH_RE}|"
    rf"{MONTH_RE}(?!\w)|\d))"
)


@dataclass
class _Clock:
    start: int
    end: int
    hour: int
    minute: int
    period: str | None = None


def _hm(hour: str, minute: str | None = None) -> tuple[int, int]:
    return int(hour), int(minute) if minute else 0


def _minutes_word(word: str) -> int:
    return {"media": 30, "cuarto": 15, "half": 30, "quarter": 15}.get(word) or int(word)


_PATTERNS: list[tuple[re.Pattern[str], str]] = [
    (re.compile(r"(?<![\d:/.])(\d{1,2}):(\d{2})(?::\d{2})?(?:\s*(am|pm|h)\b)?"), "colon"),
    (re.compile(r"(?<![\d:/.])(\d{1,2})\.(\d{2})\s*(am|pm)\b"), "dot"),
    (re.compile(rf"(?<![\w:/.]){_CUE}\s+(\d{{1,2}})\.(\d{{2}})(?![\d.])"), "cuedot"),
    (re.compile(r"(?<![\d:.])(\d{1,2})(\d{2})\s*(am|pm)\b"), "compact"),
    (re.compile(r"(?<![\d:./])(\d{1,2}) ([0-5]\d) (am|pm)\b"), "spoken"),
    (
        re.compile(
            r"(?<![\d:/.])(\d{1,2})(?:\s*(am|pm))?\s+y\s+(media|cuarto|[0-5]\d)\b(?:\s*(am"
            r"|pm)\b)?(?!\s*de\s+" + MONTH_RE + ")"
        ),
        "y",
    ),
    (
        re.compile(
            r"(?<![\d:/.])(\d{1,2})(?:\s*(am|pm)|\s*de la (manana|tarde"
            r"|noche))?\s+menos\s+(cuarto|\d{1,2})\b"
        ),
        "menos",
    ),
    (re.compile(r"(?<![\d:/.])(\d{1,2})\s*(am|pm)\b"), "hour"),
    (re.compile(r"\b(half|quarter) past (\d{1,2})\b"), "past"),
    (re.compile(r"\b(\d{1,2})\s*(?:min(?:ute)?s?)?\s+past\s+(\d{1,2})\b"), "past"),
    (
        re.compile(
            r"\b(quarter|\d{1,2})\s*(?:min(?:ute)?s?)?\s+(?:to|till|til"
            r"|before)\s+(\d{1,2})\b(?!\s*(?:days?|am|pm))"
        ),
        "to",
    ),
    (re.compile(r"(?<=\d(?:st|nd|rd|th) )(\d{1,2}) ([0-5]\d)\b()"), "spoken"),
    (re.compile(r"(?<![\d:/.])(\d{1,2})\s*(?:o'?\s?clock|oclock|en punto)"), "hour"),
    (re.compile(r"(?<![\d:/.])(\d{1,2})ish\b"), "hour"),
    (
        re.compile(
            rf"(?<![\w:/.]){_CUE}\s+(\d{{1,2}})\s+([0-5]\d)\b(?!\s*(?:de {MONTH_RE}|{MONTH_RE}"
            rf"|[/:.-]\d))"
        ),
        "cue",
    ),
    (re.compile(rf"(?<![\w:/.]){_CUE}\s+(\d{{1,2}})(){_NOT_CLOCK_AFTER}"), "cue"),
    (
        re.compile(
            r"(?<![\d:/.])(\d{1,2})(?=\s*,?\s*(?:de la (?:manana|tarde|noche|madrugada)|in the"
            r" (?:morning|afternoon|evening)|at night|tonight|this (?:morning|afternoon|evening)"
            r"|del mediodia))"
        ),
        "hour",
    ),
]
_NOON_WORDS = re.compile(
    r"\b(?:(?:las |a las )?12\s+)?(?:noon(?:ish)?|midday|(?:al |a )?mediodia)\b|\b12 del mediodia\b"
)
_MIDNIGHT_WORDS = re.compile(r"\b(?:mid ?night|medianoche)\b")


def read_times(text: str, found: list[Mention]) -> None:
    """Add every clock time in `text` to `found` as a time-only mention."""
    clocks: list[_Clock] = []
    for pattern, kind in _PATTERNS:
        for match in pattern.finditer(text):
            if _taken(found, clocks, match.start(), match.end()):
                continue
            clock = _clock(kind, match)
            if clock is not None:
                clocks.append(clock)
    for pattern, hour in ((_NOON_WORDS, 12), (_MIDNIGHT_WORDS, 0)):
        for match in pattern.finditer(text):
            if not _taken(found, clocks, match.start(), match.end()):
                clocks.append(_Clock(match.start(), match.end(), hour, 0, "24"))
    for clock in clocks:
        resolved = _resolve(text, clock)
        if resolved is not None:
            found.append(Mention(clock.start, clock.end, time=resolved))


def _taken(found: list[Mention], clocks: list[_Clock], start: int, end: int) -> bool:
    spans = [(m.start, m.end) for m in found] + [(c.start, c.end) for c in clocks]
    return any(start < e and s < end for s, e in spans)


def _clock(kind: str, match: re.Match[str]) -> _Clock | None:
    groups = match.groups()
    start, end = match.start(), match.end()
    if kind in ("colon", "dot", "compact", "spoken"):
        hour, minute = _hm(groups[0], groups[1])
        period = groups[2] if len(groups) > 2 and groups[2] else None
        return _Clock(start, end, hour, minute, "24" if period == "h" else period)
    if kind == "hour":
        period = groups[1] if len(groups) > 1 else None
        return _Clock(start, end, int(groups[0]), 0, period)
    if kind == "past":
        return _Clock(start, end, int(groups[1]), _minutes_word(groups[0]))
    if kind == "to":
        hour = (int(groups[1]) - 1) % 24
        return _Clock(start, end, hour, 60 - _minutes_word(groups[0]))
    if kind == "y":
        return _Clock(start, end, int(groups[0]), _minutes_word(groups[2]), groups[1] or groups[3])
    if kind == "menos":
        period = groups[1] or {"manana": "am", "tarde": "pm", "noche": "pm"}.get(groups[2] or "")
        hour = int(groups[0]) - 1 if int(groups[0]) != 1 or period else 12
        return _Clock(start, end, hour, 60 - _minutes_word(groups[3]), period)
    hour, minute = _hm(groups[0], groups[1])
    if hour > 24:
        return None
    return _Clock(match.start(1), end, hour, minute)


def _period_near(text: str, clock: _Clock) -> str | None:
    after = text[clock.end : clock.end + 40]
    after = (
        re.split(r"\d|[.;!?]", after, maxsplit=1)[0]
        if re.search(r"\d", after[:3]) is None
        else after
    )
    if _NIGHT.search(after):
        return "night"
    if _NOON.search(after):
        return "noon"
    if _AM.search(after):
        return "am"
    if _PM.search(after):
        return "pm"
    before = text[max(0, clock.start - 30) : clock.start]
    if _AM_BEFORE.search(before):
        return "am"
    if _PM_BEFORE.search(before):
        return "pm"
    late = re.search(r"(?:a la|en la|por la) (tarde|noche|manana)\b", after)
    if late and not re.search(r"\d", after[: late.start()]):
        return "am" if late.group(1) == "manana" else "pm"
    return None


def _resolve(text: str, clock: _Clock) -> time | None:
    hour, minute = clock.hour, clock.minute
    if not (0 <= hour <= 24 and 0 <= minute <= 59):
        return None
    if hour == 24:
        return time(0, minute)
    period = clock.period if clock.period in ("am", "pm", "24") else _period_near(text, clock)
    if hour == 0 or hour > 12 or period == "24":
        return time(hour % 24, minute) if hour < 24 else None
    if period == "night":
        period = "am" if hour <= 4 or hour == 12 else "pm"
    if period == "am":
        return time(0 if hour == 12 else hour, minute)
    if period in ("pm", "noon"):
        return time(12 if hour == 12 else hour + 12, minute)
    return clinic_reading(hour, minute)


def clinic_reading(hour: int, minute: int) -> time:
    """Return the reading of a 1-12 hour that falls in clinic hours, the morning one if both do."""
    morning = time(0 if hour == 12 else hour, minute) if hour != 12 else time(12, minute)
    evening = time(hour + 12, minute) if hour < 12 else time(12, minute)
    if CLINIC_OPENS <= morning <= CLINIC_CLOSES:
        return morning
    if CLINIC_OPENS <= evening <= CLINIC_CLOSES:
        return evening
    return morning
