"""Which offered slot the caller picked: by position, by weekday and time, or by time."""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from datetime import date, datetime, time
from typing import Any

from .mentions import Context, Mention
from .temporal import find_mentions
from .text import fold

_ORDINALS: list[tuple[str, int]] = [
    (r"first|1st|primer[oa]?|la 1|el 1|1a|1o|number one|option one|numero uno|opcion uno", 0),
    (r"second|2nd|segund[oa]|la 2|el 2|2a|2o|number two|option two|numero dos|opcion dos", 1),
    (r"third|3rd|tercer[oa]?|la 3|el 3|3a|3o|number three|option three|numero tres|opcion tres", 2),
    (r"fourth|4th|cuart[oa]|la 4|el 4|number four|option four", 3),
    (r"fifth|5th|quint[oa]|la 5|el 5|number five|option five", 4),
]
_LAST = re.compile(r"\b(?:the last|last one|la ultima|el ultimo|ultima|ultimo)\b")
_OPTION_NUMBER = re.compile(r"\b(?:option|number|numero|opcion|#)\s*(\d)\b")
_BARE_NUMBER = re.compile(r"^\s*(\d)\s*[.!]?\s*$")


def match_slot_choice(
    text: str, options: Sequence[Mapping[str, Any]], lang: str, now: datetime
) -> str | None:
    """Return the id of the option the caller picked, or None when none or several fit.

    Each option needs `id` and `start` (ISO 8601 with the site's offset); an option's
    `label` (and `provider`), when given, is matched too, since a channel may send the
    label of the button the caller pressed. A bare digit ("2") is a position only when
    it is the whole answer. "el sábado 9 a las 8:30" and "the 14th" name a day of the
    month, which must match, not only the weekday.
    """
    if not options:
        return None
    labelled = _by_label(text, options)
    if labelled is not None:
        return labelled
    index = _position(text, len(options))
    if index is not None:
        return str(options[index]["id"])
    fitting = _by_day_and_time(text, options, lang, now)
    if len(fitting) > 1:
        fitting = _by_provider(text, options, fitting)
    return fitting[0] if len(fitting) == 1 else None


def _by_label(text: str, options: Sequence[Mapping[str, Any]]) -> str | None:
    said = fold(text)
    hits = [str(o["id"]) for o in options if o.get("label") and fold(str(o["label"])) == said]
    return hits[0] if len(hits) == 1 else None


def _by_provider(text: str, options: Sequence[Mapping[str, Any]], fitting: list[str]) -> list[str]:
    """Of the options that fit the day and time, those whose provider the caller named."""
    said = fold(text)
    named = [
        str(o["id"])
        for o in options
        if str(o["id"]) in fitting and _names_provider(said, str(o.get("provider") or ""))
    ]
    return named or fitting


def _names_provider(said: str, provider: str) -> bool:
    words = [w for w in re.findall(r"[a-z]{3,}", fold(provider)) if w not in ("dra", "md")]
    return bool(words) and all(re.search(rf"\b{w}\b", said) for w in words[-1:])


def _position(text: str, count: int) -> int | None:
    folded = fold(text)
    if _LAST.search(folded):
        return count - 1
    numbered = _OPTION_NUMBER.search(folded) or _BARE_NUMBER.match(folded)
    if numbered:
        index = int(numbered.group(1)) - 1
        return index if 0 <= index < count else None
    for words, index in _ORDINALS:
        if re.search(rf"\b(?:{words})\b(?!\s*(?:de|of)\s)", folded) and index < count:
            return index
    return None


def _by_day_and_time(
    text: str, options: Sequence[Mapping[str, Any]], lang: str, now: datetime
) -> list[str]:
    """The ids of the options on the day and at the time the caller said."""
    mentions = find_mentions(text, Context(now=now, lang=lang))
    weekdays = {m.weekday for m in mentions if m.weekday is not None}
    dates = {m.date for m in mentions if m.date is not None and _names_a_day(m)}
    times = [m.time for m in mentions if m.time is not None]
    if not (weekdays or dates or times):
        return []
    starts = [datetime.fromisoformat(str(option["start"])) for option in options]
    # "The 14th" read against today may land in another month than the offer's 14th;
    # when no offer is on the very date, the day number is what the caller repeated.
    exact = any(start.date() in dates for start in starts)
    fitting = []
    for option, start in zip(options, starts, strict=True):
        if weekdays and start.weekday() not in weekdays:
            continue
        if dates and not _same_day(start.date(), dates, exact=exact):
            continue
        if times and not any(_same_clock(start.time(), said) for said in times):
            continue
        fitting.append(str(option["id"]))
    return fitting


def _names_a_day(mention: Mention) -> bool:
    """A calendar day, not "Tuesday" alone (whose date is only the next Tuesday)."""
    return mention.weekday is None or "day_of_month" in mention.tags


def _same_day(offered: date, said: set[date], *, exact: bool) -> bool:
    return offered in said if exact else offered.day in {day.day for day in said}


def _same_clock(offered: time, said: time) -> bool:
    # Callers drop am/pm when they repeat an offered time: "the 5:30 one" is 17:30 if
    # that is what was offered.
    return offered.minute == said.minute and offered.hour % 12 == said.hour % 12
