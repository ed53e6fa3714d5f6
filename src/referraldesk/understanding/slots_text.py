"""Which offered slot the caller picked: by place in the list, by weekday and time, or by time."""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from datetime import date, datetime, time
from typing import Any

from .mentions import Context, Mention
from .positions import read_place
from .temporal import find_mentions
from .text import fold


def match_slot_choice(
    text: str,
    options: Sequence[Mapping[str, Any]],
    lang: str,
    now: datetime,
    *,
    current: str | None = None,
) -> str | None:
    """Return the id of the option the caller picked, or None when none or several fit.

    Each option needs `id` and `start` (ISO 8601 with the site's offset); an option's
    `label` (and `provider`), when given, is matched too, since a channel may send the
    label of the button the caller pressed. `current` is the id of the option already
    chosen, which "the other one" moves away from. "el sábado 9 a las 8:30" and "the
    14th" name a day of the month, which must match, not only the weekday.

    A place said unmistakably ("number 2", "the second one") wins; one that could be a
    clock time or a day ("la dos", "the 2nd") yields to an offer starting then. A place
    past the end of the list picks nothing (see `place_beyond`).
    """
    if not options:
        return None
    labelled = _by_label(text, options)
    if labelled is not None:
        return labelled
    ids = [str(option["id"]) for option in options]
    place = read_place(text, len(options), current=ids.index(current) if current in ids else None)
    if place is not None and place.strong:
        return ids[place.number - 1] if place.number <= len(options) else None
    fitting = _by_day_and_time(text, options, lang, now)
    if len(fitting) > 1:
        fitting = _by_provider(text, options, fitting)
    if len(fitting) == 1:
        return fitting[0]
    if place is not None and place.number <= len(options):
        return ids[place.number - 1]
    return None


def place_beyond(text: str, options: Sequence[Mapping[str, Any]]) -> int | None:
    """The place the caller said when the list is shorter ("number 5" of three), else None."""
    place = read_place(text, len(options))
    return place.number if place is not None and place.number > len(options) else None


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
