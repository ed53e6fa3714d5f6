"""Calendar dates in normalized English and Spanish text.

Each reader takes the normalized text and the spans already claimed, and adds the
mentions it recognizes. Readers run from the most specific shape ("04th Jan 2019")
to the loosest ("the 18th"), so a loose reader never splits a date a specific one
already read.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from datetime import date, timedelta

from .calendar_math import (
    HOLIDAYS,
    add_units,
    holiday_in,
    next_day_of_month,
    next_month_day,
    recent_weekday,
    safe_date,
    upcoming_weekday,
    weekday_in_week,
)
from .mentions import Context, Mention
from .vocab import DAY_RE, MONTH_RE, MONTHS, WEEKDAY_RE, WEEKDAYS, alternation

Reader = Callable[[str, Context, list[Mention]], None]

_YEAR = (
    r"(?:\d{4}|(?:1\d|20) (?:oh |o |cero )?\d{1,2}|'\d{2}|(?:(?<=[-/.,'])|(?<=of )|(?<=de )"
    r"|(?<=del ))\d{2})"
)
_YEAR_END = (
    r"(?![\w:\u00ba\u00b0]|\.[\u00ba\u00b0]|\s*(?:am|pm|h\b|de la|del? (?:manana|tarde"
    r"|noche)|y media|in the))"
)
_YEAR_SEP = r"(?:\s*,?\s*(?:of|de|del|in|en)?\s*|\s*[-/.]\s*)"
_NOT_A_CLOCK = r"(?![\d:]|\s*(?:am|pm|h\b|o'?clock|oclock|en punto|minut|mins?\b|hours?|horas?))"


def read_dates(text: str, ctx: Context, found: list[Mention]) -> None:
    """Add every date mention in `text` to `found`."""
    for reader in _READERS:
        reader(text, ctx, found)


def _free(found: list[Mention], start: int, end: int) -> bool:
    return not any(m.overlaps(start, end) for m in found)


def _matches(pattern: re.Pattern[str], text: str, found: list[Mention]) -> Iterator[re.Match[str]]:
    for match in pattern.finditer(text):
        if _free(found, match.start(), match.end()):
            yield match


def _day(token: str) -> int:
    digits = re.match(r"\d+", token)
    if digits is None:
        raise ValueError(f"not a day number: {token!r}")
    return int(digits.group())


def _month(token: str) -> int:
    return MONTHS[token.rstrip(".")]


def read_year(token: str, ctx: Context) -> int:
    """Return the full year for a written or spoken year token."""
    token = token.lstrip("'")
    pair = re.fullmatch(r"(1\d|20) (?:oh |o |cero )?(\d{1,2})", token)
    if pair:
        return int(pair.group(1)) * 100 + int(pair.group(2))
    if len(token) == 4:
        return int(token)
    return _two_digit_year(int(token), ctx)


def _two_digit_year(short: int, ctx: Context) -> int:
    # A date of birth is never in the future, so "03/04/52" is the latest 52 not after
    # today. Appointment talk leans forward: the century window ends 23 years ahead,
    # which keeps "12/12/30" in 2030 while "03/18/40" stays 1940 as calendars read it.
    latest = ctx.today.year if ctx.for_dob else ctx.today.year + 23
    year = latest - (latest - short) % 100
    if ctx.for_dob and year == ctx.today.year and date(year, 1, 1) > ctx.today:
        year -= 100
    return year


def _full_date(ctx: Context, year: int, month: int, day: int) -> date | None:
    found = safe_date(year, month, day)
    if found is not None and ctx.for_dob and found > ctx.today:
        return safe_date(year - 100, month, day)
    return found


def _dated(found: list[Mention], match: re.Match[str], value: date | None, *, year: bool) -> None:
    mention = Mention(match.start(), match.end(), date=value, has_year=year, void=value is None)
    mention.tags.add("calendar")
    found.append(mention)


def _day_month(first: int, second: int, ctx: Context) -> tuple[int, int]:
    """Return (month, day) for a numeric pair, following the language's habit when ambiguous."""
    if first > 12:
        return second, first
    if second > 12:
        return first, second
    return (second, first) if ctx.lang == "es" else (first, second)


_ISO = re.compile(r"(?<![\d/.])(\d{4})([-/.])(\d{1,2})\2(\d{1,2})(?![\d])")
_ISO_SPACED = re.compile(r"(?<![\d:])((?:19|20)\d\d) (\d{1,2}) (\d{1,2})(?![\d:])")
_COMPACT = re.compile(r"(?<!\d)((?:19|20)\d\d)(\d\d)(\d\d)(?!\d)")
_NUMERIC = re.compile(r"(?<![\d.:/$])(\d{1,2})([/.-])(\d{1,2})\2(\d{4}|\d{2})(?![\d/:]|\.\d)")


def _read_iso(text: str, ctx: Context, found: list[Mention]) -> None:
    for pattern in (_ISO, _COMPACT, _ISO_SPACED):
        for match in _matches(pattern, text, found):
            groups = [g for g in match.groups() if g not in "-/."]
            year, month, day = (int(g) for g in groups)
            value = safe_date(year, month, day)
            if value is not None or pattern is _ISO:
                _dated(found, match, value, year=True)


def _read_numeric(text: str, ctx: Context, found: list[Mention]) -> None:
    for match in _matches(_NUMERIC, text, found):
        if match.group(2) == "." and len(match.group(4)) == 2:
            continue
        month, day = _day_month(int(match.group(1)), int(match.group(3)), ctx)
        year = read_year(match.group(4), ctx)
        _dated(found, match, _full_date(ctx, year, month, day), year=True)


_MONTH_FIRST_FORMS = [
    re.compile(rf"\b(?P<y>\d{{4}})\s*[-/]\s*(?P<m>{MONTH_RE})\s*[-/]\s*(?P<d>{DAY_RE})(?!\d)"),
    re.compile(rf"\b(?P<y>\d{{4}})\s*[-/]\s*(?P<d>{DAY_RE})\s*[-/]\s*(?P<m>{MONTH_RE})(?!\w)"),
    re.compile(rf"\b(?P<d>{DAY_RE})\s*[-/]\s*(?P<y>\d{{4}})\s*[-/]\s*(?P<m>{MONTH_RE})(?!\w)"),
    re.compile(rf"\b(?P<m>{MONTH_RE})\s*[-/]\s*(?P<y>\d{{4}})\s*[-/]\s*(?P<d>{DAY_RE})(?!\d)"),
    re.compile(
        rf"(?<![\d/$])(?<!\d:)(?<!\$ )(?P<d>{DAY_RE})(?:\s+(?:day\s+)?(?:of|de|del)\s+|\s*[-/"
        rf" .]\s*|\s*)"
        rf"(?P<m>{MONTH_RE})(?!\w)(?:{_YEAR_SEP}(?P<y>{_YEAR}){_YEAR_END})?"
    ),
    re.compile(
        rf"\b(?P<m>{MONTH_RE})(?:\s*[-/.,]\s*|\s+(?:the\s+)?|\s*)(?P<d>{DAY_RE})(?!\d)"
        rf"(?!\s*(?:days?|weeks?|dias?|semanas?|minut|hours?|horas?)\b)"
        rf"(?:{_YEAR_SEP}(?P<y>{_YEAR}){_YEAR_END})?"
    ),
]


_CTIME_YEAR = re.compile(r"\s+\d{1,2}:\d{2}(?::\d{2})?\s+(\d{4})\b")


def _read_month_names(text: str, ctx: Context, found: list[Mention]) -> None:
    for pattern in _MONTH_FIRST_FORMS:
        for match in _matches(pattern, text, found):
            month, day = _month(match.group("m")), _day(match.group("d"))
            if match.group("y"):
                year = read_year(match.group("y"), ctx)
                _dated(found, match, _full_date(ctx, year, month, day), year=True)
            elif (stamp := _CTIME_YEAR.match(text, match.end())) is not None:
                # "Wed Oct 26 15:50:06 2016": the year comes after the clock.
                _dated(found, match, safe_date(int(stamp.group(1)), month, day), year=True)
            else:
                _dated(found, match, next_month_day(ctx.today, month, day), year=False)


_DAY_LIST = re.compile(
    rf"(?<![\d/:.])(?P<d>{DAY_RE})(?=\s*(?:,|and|y|or|o|&)\s*(?:the\s+)?{DAY_RE}\s*(?:of"
    rf"|de)?\s*{MONTH_RE})"
)


def _read_day_lists(text: str, ctx: Context, found: list[Mention]) -> None:
    """Read "18 and 19 June": the first day borrows the month of the second."""
    for match in _matches(_DAY_LIST, text, found):
        after = next((m for m in found if m.start > match.end() and m.date), None)
        if after is None or after.date is None:
            continue
        value = next_month_day(ctx.today, after.date.month, _day(match.group("d")))
        if after.has_year:
            value = safe_date(after.date.year, after.date.month, _day(match.group("d")))
        _dated(found, match, value, year=after.has_year)


_DAY_OF_MONTH_NUMBER = re.compile(r"(?<![\d/:.])(\d{1,2}) del? (\d{1,2})(?![\d:/]|\s*(?:de|del)\s)")


def _read_day_of_numbered_month(text: str, ctx: Context, found: list[Mention]) -> None:
    """Read the Spanish "el 17 del 11" (17 November)."""
    for match in _matches(_DAY_OF_MONTH_NUMBER, text, found):
        day, month = int(match.group(1)), int(match.group(2))
        if 1 <= month <= 12 and 1 <= day <= 31:
            _dated(found, match, next_month_day(ctx.today, month, day), year=False)


_SHORT_NUMERIC = re.compile(
    rf"(?P<pre>\b(?:on|el|this|next|este|proximo|el proximo|{WEEKDAY_RE})\s*\(?\s*)?"
    r"(?<![\d.:/$])(?P<a>\d{1,2})(?P<sep>[/.-])(?P<b>\d{1,2})(?![\d/:]|\.\d)"
    r"(?!\s*(?:am|pm|h\b|de la|in the|o'?clock))"
)


def _read_short_numeric(text: str, ctx: Context, found: list[Mention]) -> None:
    """Read "11/20" or "22/04"; dots and dashes only after a cue, since "9-6" is often a range."""
    for match in _matches(_SHORT_NUMERIC, text, found):
        if match.group("sep") != "/" and not match.group("pre"):
            continue
        month, day = _day_month(int(match.group("a")), int(match.group("b")), ctx)
        if safe_date(2000, month, day) is None:
            found.append(Mention(match.start("a"), match.end(), void=True))
            continue
        mention = Mention(match.start("a"), match.end(), date=next_month_day(ctx.today, month, day))
        mention.tags.add("calendar")
        _apply_this(text, ctx, mention)
        found.append(mention)


def _holiday_pattern() -> re.Pattern[str]:
    names = alternation(list(HOLIDAYS))
    return re.compile(
        r"(?P<pre>\b(?:the\s+)?(?:next|last|previous|following|this|el proximo|el pasado)\s+)?"
        rf"\b(?P<name>{names})(?!\w)"
        r"(?:\s*(?:of|de|del|in|en)?\s*(?P<year>\d{4})(?!\d)"
        r"|\s+(?:of|de) (?P<this>this year|este ano))?"
    )


_HOLIDAY = _holiday_pattern()


def _holiday_key(spoken: str) -> str:
    return next(key for key in HOLIDAYS if re.fullmatch(key, spoken))


def _read_holidays(text: str, ctx: Context, found: list[Mention]) -> None:
    for match in _matches(_HOLIDAY, text, found):
        key = _holiday_key(match.group("name"))
        pre = (match.group("pre") or "").strip()
        today = ctx.today
        if match.group("year"):
            value = holiday_in(key, int(match.group("year")))
        elif match.group("this") or pre.endswith("this"):
            value = holiday_in(key, today.year)
        elif pre.endswith(("last", "previous", "pasado")):
            value = holiday_in(key, today.year)
            if value >= today:
                value = holiday_in(key, today.year - 1)
        else:
            strict = pre.endswith(("next", "following", "proximo"))
            value = holiday_in(key, today.year)
            if value < today or (strict and value == today):
                value = holiday_in(key, today.year + 1)
        found.append(Mention(match.start(), match.end(), date=value, has_year=True))


_RELATIVE_WORDS: list[tuple[str, int]] = [
    (r"(?:the )?day after tomorrow|pasado manana", 2),
    (r"(?:the )?day before yesterday|anteayer|antier", -2),
    (r"tomorrow|tmrw|tmr|manana(?!s)|el dia de manana", 1),
    (r"yesterday|ayer|anoche|last night", -1),
    (
        r"today|tonight|this (?:morning|afternoon|evening)|hoy|esta noche|esta manana|esta tarde"
        r"|otd",
        0,
    ),
    (r"(?:the )?(?:next|following) day|(?:el|al) dia siguiente|the day after", 1),
    (r"(?:el )?dia anterior|the day before", -1),
]
_RELATIVE = [(re.compile(rf"\b(?:{words})\b"), days) for words, days in _RELATIVE_WORDS]
_MORNING_NOT_TOMORROW = re.compile(r"(?:\b(?:la|esta|cada|las|en|por|de)\s+)$")


def _read_relative_words(text: str, ctx: Context, found: list[Mention]) -> None:
    for pattern, days in _RELATIVE:
        for match in _matches(pattern, text, found):
            word = match.group()
            if word.startswith("manana") and _MORNING_NOT_TOMORROW.search(text[: match.start()]):
                continue
            mention = Mention(match.start(), match.end(), date=ctx.today + timedelta(days=days))
            if word in ("tonight", "esta noche", "anoche", "last night"):
                mention.tags.add("night")
            found.append(mention)


_COUNT = r"(?P<n>\d+|an?|one|un|una|a couple of|un par de)"
_UNIT = (
    r"(?P<unit>days?|dias?|weeks?|semanas?|months?|mes(?:es)?|years?|anos?|fortnights?|"
    r"minutes?|mins?|minutos?|hours?|hrs?|horas?|h)\b"
)
_UNIT_NAMES = {
    "d": "day",
    "w": "week",
    "s": "week",
    "f": "fortnight",
    "a": "year",
    "y": "year",
    "h": "hour",
}


def count_of(token: str | None) -> int:
    """Return the number a count token stands for ("a", "un par de" included)."""
    if token is None:
        return 1
    if token.isdigit():
        return int(token)
    return 2 if "couple" in token or "par" in token else 1


def unit_of(token: str) -> str:
    """Return day | week | fortnight | month | year | minute | hour for a unit word."""
    if token.startswith("mi"):
        return "minute"
    if token.startswith("mo") or token.startswith("mes"):
        return "month"
    return _UNIT_NAMES[token[0]]


def shift(start: date, amount: int, unit: str) -> date:
    """Return `start` moved by whole calendar units (fortnights included)."""
    if unit == "fortnight":
        return start + timedelta(days=14 * amount)
    return add_units(start, amount, unit)


_ANCHORED = re.compile(
    rf"{_COUNT}\s+(?:(?P<unitw>weeks?|semanas?)\s+(?:and|y)\s+(?P<n2>\d+|an?|one|un|una)\s+"
    rf"(?P<unit2>days?|dias?)|{_UNIT})"
    r"\s+(?P<dir>from|after|before|since|despues de|antes de|a partir de|desde)\s+(?:the\s+"
    r"|el\s+)?$"
)


def apply_offsets(text: str, found: list[Mention]) -> None:
    """Extend mentions preceded by "3 days from", "2 weeks before", "dos días después de"."""
    for mention in sorted(found, key=lambda m: m.start):
        if mention.date is None or mention.time is not None:
            continue
        match = _ANCHORED.search(text[: mention.start])
        if match is None or not _free(
            [m for m in found if m is not mention], match.start(), mention.start
        ):
            continue
        sign = -1 if match.group("dir") in ("before", "antes de") else 1
        unit = unit_of(match.group("unitw") or match.group("unit"))
        if unit in ("minute", "hour"):
            continue
        value = shift(mention.date, sign * count_of(match.group("n")), unit)
        if match.group("unit2"):
            value = shift(value, sign * count_of(match.group("n2")), unit_of(match.group("unit2")))
        mention.date = value
        mention.start = match.start()


def _weekday_number(token: str) -> int:
    return WEEKDAYS[token]


_WEEKDAY = re.compile(rf"\b(?P<w>{WEEKDAY_RE})\b\.?")
_RISKY_WEEKDAY = re.compile(
    r"\b(?P<w>sat|sun|wed|sa)\b(?=\s*(?:\d|,?\s*(?:the\s+)?\d|at\s+\d|or\b|and\b|$))"
    r"|\b(?:on|next|this|last) (?P<w2>sat|sun|wed)\b"
)

_BEFORE_RULES: list[tuple[re.Pattern[str], str]] = [
    (
        re.compile(r"(?:next|the following) week(?:'s)?\s*(?:on\s+|-\s*|,\s*)?(?:the\s+)?$"),
        "week+1",
    ),
    (re.compile(r"(?:la\s+)?(?:proxima|siguiente) semana,?\s*(?:-\s*)?(?:el\s+)?$"), "week+1"),
    (re.compile(r"la semana (?:que viene|proxima|siguiente),?\s*(?:-\s*)?(?:el\s+)?$"), "week+1"),
    (re.compile(r"(?:last|previous) week(?:'s)?\s*(?:on\s+|-\s*|,\s*)?$"), "week-1"),
    (re.compile(r"la semana (?:pasada|anterior),?\s*(?:-\s*)?(?:el\s+)?$"), "week-1"),
    (re.compile(r"this week(?:'s)?\s*(?:on\s+|-\s*|,\s*)?$"), "week+0"),
    (re.compile(r"esta semana,?\s*(?:el\s+)?$"), "week+0"),
    (re.compile(r"\b(?:this )?past\s+$"), "recent"),
    (
        re.compile(
            r"\b(?:this upcoming|this coming|coming|upcoming|next|following|proximo|siguiente)\s+$"
        ),
        "next",
    ),
    (re.compile(r"\b(?:last|previous)\s+$"), "last"),
    (re.compile(r"\b(?:this|este|esta)\s+$"), "this"),
    (re.compile(r"\b(?:los|every|todos los|cada|on|los dias)\s+$"), "maybe-every"),
]
_AFTER_RULES: list[tuple[re.Pattern[str], str]] = [
    (re.compile(r"^,?\s*(?:of|on)?\s*(?:the\s+)?(?:next|following) week\b"), "week+1"),
    (re.compile(r"^,?\s*(?:de\s+)?(?:la\s+)?(?:proxima|siguiente) semana\b"), "week+1"),
    (re.compile(r"^,?\s*de la semana (?:que viene|proxima|siguiente)\b"), "week+1"),
    (re.compile(r"^,?\s*(?:of\s+)?(?:the\s+)?(?:last|previous) week\b"), "week-1"),
    (re.compile(r"^,?\s*de la semana (?:pasada|anterior)\b"), "week-1"),
    (re.compile(r"^,?\s*(?:of\s+)?this week\b"), "week+0"),
    (re.compile(r"^,?\s*(?:de\s+)?esta semana\b"), "week+0"),
    (re.compile(r"^\s*(?:que viene|proximo|siguiente)\b"), "next"),
    (re.compile(r"^\s*(?:pasado|anterior)\b"), "last"),
]
_WEEKDAY_DAY = re.compile(
    rf"^\s*,?\s*(?:the\s+|el\s+)?(?:dia\s+)?(?P<d>{DAY_RE})(?!\d)(?!\s*(?:[:.]\d|am\b|pm\b|a\.m"
    rf"|p\.m|h\b|"
    r"de la|in the|o'?clock|oclock|en punto|minut|mins?\b|hours?|horas?|days?|dias?|weeks?|"
    r"semanas?|months?|mes|years?|anos?|/|-\d))"
)
_PLURAL_CUE = re.compile(r"\b(?:los|todos los|cada|every)\s+$")


def _weekday_tokens(text: str) -> Iterator[tuple[int, int, int]]:
    for match in _WEEKDAY.finditer(text):
        yield match.start(), match.end(), _weekday_number(match.group("w"))
    for match in _RISKY_WEEKDAY.finditer(text):
        word = match.group("w") or match.group("w2")
        start = match.start("w") if match.group("w") else match.start("w2")
        yield start, start + len(word), {"sat": 5, "sun": 6, "wed": 2, "sa": 5}[word]


_GLUE_AFTER = re.compile(r"^\s*[-,(]?\s*(?:the\s+|el\s+)?$")
_GLUE_BEFORE = re.compile(r"^\s*-?\s*\(\s*$")
_THIS_BEFORE = re.compile(r"\b(?:this|este)\s+$")


def _read_weekdays(text: str, ctx: Context, found: list[Mention]) -> None:
    for start, end, weekday in sorted(_weekday_tokens(text)):
        if not _free(found, start, end) or _glued_to_date(text, ctx, start, end, found):
            continue
        found.append(_weekday_mention(text, ctx, start, end, weekday, found))


def _glued_to_date(text: str, ctx: Context, start: int, end: int, found: list[Mention]) -> bool:
    """Fold "Tuesday, March 7" or "el 22 de mayo (martes)" into the date: the date wins."""
    for mention in found:
        if mention.date is None or "calendar" not in mention.tags:
            continue
        if mention.start >= end and _GLUE_AFTER.match(text[end : mention.start]):
            mention.start = start
            _apply_this(text, ctx, mention)
            return True
        if mention.end <= start and _GLUE_BEFORE.match(text[mention.end : start]):
            mention.end = end + (1 if text[end : end + 1] == ")" else 0)
            return True
    return False


def _apply_this(text: str, ctx: Context, mention: Mention) -> None:
    # "this Friday 5/12" names this year's 5/12 even when it has passed.
    lead = _THIS_BEFORE.search(text[: mention.start])
    if lead and mention.date is not None and not mention.has_year:
        mention.start = lead.start()
        mention.date = safe_date(ctx.today.year, mention.date.month, mention.date.day)


def _weekday_mention(
    text: str, ctx: Context, start: int, end: int, weekday: int, found: list[Mention]
) -> Mention:
    before, after = text[:start], text[end:]
    mode, span_start, span_end = "bare", start, end
    for pattern, name in _BEFORE_RULES:
        hit = pattern.search(before)
        if hit:
            mode, span_start = name, hit.start()
            break
    for pattern, name in _AFTER_RULES:
        hit = pattern.search(after)
        if hit:
            mode = "recent" if name == "last" and mode == "this" else name
            span_end = end + hit.end()
            break
    mention = Mention(span_start, span_end, weekday=weekday)
    if mode == "maybe-every":
        mention.tags.add("every" if _PLURAL_CUE.search(before) else "on")
        mode = "bare"
    day_hit = _WEEKDAY_DAY.search(text[span_end:]) if mode in ("bare", "this", "next") else None
    day_start = span_end + day_hit.start("d") if day_hit else -1
    if day_hit and _free(found, day_start, span_end + day_hit.end()):
        mention.end = span_end + day_hit.end()
        mention.date = next_day_of_month(ctx.today, _day(day_hit.group("d")), weekday)
        mention.tags.add("day_of_month")
        return mention
    mention.date = _resolve_weekday(ctx.today, weekday, mode)
    if mode in ("last", "recent", "week-1"):
        mention.tags.add("past")
    return mention


def _resolve_weekday(today: date, weekday: int, mode: str) -> date:
    if mode.startswith("week"):
        return weekday_in_week(today, weekday, int(mode[4:]))
    if mode == "next":
        return upcoming_weekday(today, weekday, include_today=False)
    if mode == "last":
        return weekday_in_week(today, weekday, -1)
    if mode == "recent":
        return recent_weekday(today, weekday)
    return upcoming_weekday(today, weekday, include_today=True)


_DAY_ONLY = re.compile(
    r"(?:\b(?:on\s+)?the\s+(?P<a>\d{1,2}(?:st|nd|rd|th))"
    r"|\b(?:el|del|para el|los)\s+dias?\s+(?P<b>\d{1,2})(?:\.?[o\u00ba\u00b0])?"
    r"|\b(?:el|del)\s+(?P<c>\d{1,2}(?:\.?[o\u00ba\u00b0]|er|ro)?)"
    r"|(?<![\w/])(?P<d>\d{1,2}(?:st|nd|rd|th|\.?[\u00ba\u00b0]))(?!\s*(?:week|time|floor|grade"
    r"|street|st\b|ave|birthday))"
    r")(?![\w:/])(?P<rest>\s+(?:day\s+)?(?:of|del?)\s+(?:the\s+)?(?:next|el proximo|este|this)"
    r" (?:month|mes)"
    r"|\s+(?:del? )?(?:mes que viene|proximo mes))?"
)
_NOT_A_DAY_AFTER = re.compile(
    r"^\s*(?:%|\$|de (?:la|los|las)\b|minut|mins?\b|hours?|horas?|h\b|am\b|pm\b|a\.m|p\.m"
    r"|dias?\b|days?\b|"
    r"semanas?|weeks?|mes|months?|anos?|years?|personas?|people|dolares|dollars|pesos|veces|times|"
    r"y\s+\d|o\s+\d|en punto|de la)"
)


def _read_days_of_month(text: str, ctx: Context, found: list[Mention]) -> None:
    for match in _matches(_DAY_ONLY, text, found):
        token = next(g for g in match.group("a", "b", "c", "d") if g)
        if match.group("c") and (
            _NOT_A_DAY_AFTER.search(text[match.end() :]) or _after_clock(text, match)
        ):
            continue
        day = _day(token)
        if not 1 <= day <= 31:
            continue
        today = ctx.today
        if match.group("rest"):
            value = safe_date(*_next_month(today), day)
        else:
            value = next_day_of_month(today, day)
        _dated(found, match, value, year=False)


def _next_month(today: date) -> tuple[int, int]:
    return (today.year + 1, 1) if today.month == 12 else (today.year, today.month + 1)


def _after_clock(text: str, match: re.Match[str]) -> bool:
    """True when the number follows "a las": an hour, not a day of the month."""
    return re.search(r"\b(?:a las|las|a la)\s*$", text[: match.start()]) is not None


_READERS: list[Reader] = [
    _read_iso,
    _read_numeric,
    _read_holidays,
    _read_month_names,
    _read_day_lists,
    _read_day_of_numbered_month,
    _read_short_numeric,
    _read_relative_words,
    _read_weekdays,
    _read_days_of_month,
]
