"""Dates and times in caller text, in order of mention."""

from __future__ import annotations

import re
from datetime import date, datetime, time, timedelta

from .calendar_math import weekday_in_week
from .dates import _COUNT, _UNIT, apply_offsets, count_of, read_dates, shift, unit_of
from .mentions import Context, Mention
from .numbers import words_to_digits
from .text import fold
from .times import read_times

_AMPM = re.compile(r"(?<=\d)\s*([ap])\s*\.?\s*m\b\.?|(?<=\d)([ap])\b(?!'|\.\w)")
_DOT_AMPM = re.compile(r"(?<=\d)\.(?=[ap]m\b)")
_SPACED_AMPM = re.compile(r"\b([ap]) \. m \.?")


def normalize(text: str, lang: str) -> str:
    """Return text folded, with numbers as digits and "p. m." as "pm", for the grammar."""
    # text2num knows "veintidós" but not "veintidos", so numbers go before accents.
    lowered = re.sub(r"\s+", " ", text.lower().replace("\u2019", "'")).strip()
    spaced = _SPACED_AMPM.sub(lambda m: f"{m.group(1)}m", lowered)
    digits = fold(words_to_digits(spaced, lang))
    digits = _DOT_AMPM.sub(" ", digits)
    return _AMPM.sub(lambda m: f" {(m.group(1) or m.group(2))}m", digits)


def find_mentions(text: str, ctx: Context) -> list[Mention]:
    """Return the date and time mentions of raw caller text, in order of mention."""
    normal = normalize(text, ctx.lang)
    found: list[Mention] = []
    _read_now(normal, ctx, found)
    read_dates(normal, ctx, found)
    _read_end_of_day(normal, ctx, found)
    # Anchored offsets ("3 days after January 12th") claim their words before a
    # free-standing duration ("3 days after" = 3 days later) can.
    apply_offsets(normal, found)
    _read_durations(normal, ctx, found)
    _weekday_in_offset_week(normal, found)
    read_times(normal, found)
    return sorted(found, key=lambda m: m.start)


_MORE_UNITS = (
    r"(?P<more>(?:\s*,?\s*(?:and|y)?\s*\d+\s+(?:days?|dias?|weeks?|semanas?|months?"
    r"|mes(?:es)?|years?|anos?)\b)*)"
)
_DURATION = re.compile(
    r"(?<!last )(?<!past )(?<!ultimos )(?<!ultimas )"
    r"\b(?:(?P<in>in|en|dentro de|within)\s+(?:(?:the )?next\s+)?)?"
    r"(?:(?P<half>half an? hour|media hora|un cuarto de hora|a quarter of an hour)|"
    + _COUNT
    + r"\s+"
    + _UNIT
    + _MORE_UNITS
    + r")(?:'s time)?(?P<tail>\s+(?:from now|from today|a partir de (?:ahora|hoy)|later|after"
    r"|despues|mas tarde|"
    r"ago|antes de hoy|de ahora))?"
)
_DURATION_AGO = re.compile(
    r"\bhace\s+"
    + _COUNT
    + r"\s+"
    + _UNIT
    + r"(?:\s+y\s+(?P<n2>\d+|un|una)\s+(?P<unit2>dias?|semanas?))?"
)
_DURATION_PAIR_AGO = re.compile(
    _COUNT
    + r"\s+(?P<unit>weeks?|semanas?)\s+(?:and|y)\s+(?P<n2>\d+|an?|one|un|una)\s+(?P<unit2>days?"
    r"|dias?)\s+(?:ago|antes de hoy)\b"
)


def _read_durations(text: str, ctx: Context, found: list[Mention]) -> None:
    """Read "in 2 weeks", "dentro de 3 días", "hace 30 minutos", "3 weeks later"."""
    for match in _DURATION_PAIR_AGO.finditer(text):
        first = shift(ctx.today, -count_of(match.group("n")), unit_of(match.group("unit")))
        value = shift(first, -count_of(match.group("n2")), unit_of(match.group("unit2")))
        found.append(Mention(match.start(), match.end(), date=value))
    for match in _DURATION_AGO.finditer(text):
        if _overlaps(found, match):
            continue
        _add_duration(found, match, ctx, -1)
    for match in _DURATION.finditer(text):
        tail = (match.group("tail") or "").strip()
        if _overlaps(found, match) or not (match.group("in") or tail):
            continue
        if tail in ("after", "despues") and re.match(r"\s+(?:de|del|the)\b", text[match.end() :]):
            continue
        _add_duration(found, match, ctx, -1 if tail in ("ago", "antes de hoy") else 1)


_WEEKDAY_GAP = re.compile(r"^\s*,?\s*(?:on\s+|el\s+)?$")


def _weekday_in_offset_week(text: str, found: list[Mention]) -> None:
    """Read "Monday two weeks from now" and "in 3 days on Friday": that weekday of that week."""
    ordered = sorted(found, key=lambda m: m.start)
    for first, second in zip(ordered, ordered[1:], strict=False):
        pair = {"weekday": first if first.weekday is not None else second, "span": first}
        weekday = pair["weekday"]
        duration = second if weekday is first else first
        if weekday.weekday is None or "duration" not in duration.tags or duration.date is None:
            continue
        if not _WEEKDAY_GAP.match(text[first.end : second.start]):
            continue
        duration.date = weekday_in_week(duration.date, weekday.weekday)
        duration.start, duration.end = first.start, second.end
        found.remove(weekday)


def _overlaps(found: list[Mention], match: re.Match[str]) -> bool:
    return any(m.overlaps(match.start(), match.end()) for m in found)


def _add_duration(found: list[Mention], match: re.Match[str], ctx: Context, sign: int) -> None:
    groups = match.groupdict()
    if groups.get("half"):
        minutes = 15 if "cuarto" in groups["half"] or "quarter" in groups["half"] else 30
        _add_instant(found, match, ctx.now + timedelta(minutes=sign * minutes))
        return
    amount, unit = count_of(groups["n"]), unit_of(groups["unit"])
    if unit in ("minute", "hour"):
        minutes = amount * (60 if unit == "hour" else 1)
        _add_instant(found, match, ctx.now + timedelta(minutes=sign * minutes))
        return
    value = shift(ctx.today, sign * amount, unit)
    if groups.get("unit2"):
        value = shift(value, sign * count_of(groups["n2"]), unit_of(groups["unit2"]))
    for more_count, more_unit in re.findall(r"(\d+)\s+([a-z]+)", groups.get("more") or ""):
        value = shift(value, sign * int(more_count), unit_of(more_unit))
    mention = Mention(match.start(), match.end(), date=value)
    mention.tags.add("duration")
    found.append(mention)


def _add_instant(found: list[Mention], match: re.Match[str], moment: datetime) -> None:
    found.append(Mention(match.start(), match.end(), date=moment.date(), time=_minute(moment)))


def _minute(moment: datetime) -> time:
    return time(moment.hour, moment.minute)


_NOW = re.compile(
    r"\b(?:right now|ahora mismo|at the moment|at present|at the present time|at this time|"
    r"at the minute|en este momento|en este instante)\b"
    r"|(?<!from )(?<!until )(?<!till )(?<!for )(?<!by )(?<!just )\bnow(?=\s*(?:[.?!,]|$))"
)


def _read_now(text: str, ctx: Context, found: list[Mention]) -> None:
    # "now" names a time only where it ends a clause ("can we meet now?"); inside a
    # sentence ("now I need to...") it is a discourse word.
    for match in _NOW.finditer(text):
        if not _overlaps(found, match):
            _add_instant(found, match, ctx.now)


_END_OF = re.compile(
    r"(?:\b(?:at\s+)?(?:the\s+)?end of (?:the\s+|this\s+)?|\bal? (?:fin|final) de (?:este\s+"
    r"|el\s+)?)$"
)
_END_OF_DAY = re.compile(
    r"\b(?:(?:the )?end of (?:the )?day|(?:the )?eod|al final del dia|a? ?fin de dia|al final de"
    r" la jornada)\b"
)


def _read_end_of_day(text: str, ctx: Context, found: list[Mention]) -> None:
    for mention in found:
        if mention.date is None or mention.time is not None:
            continue
        lead = _END_OF.search(text[: mention.start])
        if lead:
            mention.start, mention.time = lead.start(), time(23, 59)
    for match in _END_OF_DAY.finditer(text):
        if not _overlaps(found, match):
            found.append(Mention(match.start(), match.end(), date=ctx.today, time=time(23, 59)))


def dates_and_times(text: str, ctx: Context) -> tuple[list[date], list[time], list[Mention]]:
    """Return the dates and the times of `text` in order of mention, and the mentions."""
    mentions = find_mentions(text, ctx)
    dates = [m.date for m in mentions if m.date is not None]
    times = [m.time for m in mentions if m.time is not None]
    return dates, times, mentions
