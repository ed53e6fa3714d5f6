"""Reply texts and the way each language says dates, times and lists.

The texts live in `en.yaml` and `es.yaml` under the same keys. Each template names
the params it takes; `say` refuses a call that leaves one out, so a missing value
fails in a test rather than reaching a caller as "{when}". The `calendar` section of
each file holds month and weekday names and the date patterns, so "Tuesday March 10
at 7:00 AM" and "martes 10 de marzo a las 7:00 a. m." come from data, not code.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, datetime, time
from functools import cache
from pathlib import Path
from typing import Any

import yaml

LANGUAGES: tuple[str, ...] = ("en", "es")
_HERE = Path(__file__).parent


@dataclass(frozen=True)
class Template:
    """One reply text and the params it formats with."""

    key: str
    text: str
    params: tuple[str, ...]


@dataclass(frozen=True)
class _Book:
    templates: dict[str, Template]
    calendar: dict[str, Any]


@cache
def _book(lang: str) -> _Book:
    raw = yaml.safe_load((_HERE / f"{lang}.yaml").read_text(encoding="utf-8"))
    found = {
        key: Template(key, str(entry["text"]), tuple(entry.get("params") or ()))
        for key, entry in raw["templates"].items()
    }
    return _Book(templates=found, calendar=raw["calendar"])


def _checked(lang: str) -> str:
    if lang not in LANGUAGES:
        raise ValueError(f"language {lang!r} has no phrasebook; use one of {', '.join(LANGUAGES)}")
    return lang


def templates(lang: str) -> dict[str, Template]:
    """Return every template of a language, by key."""
    return _book(_checked(lang)).templates


def calendar(lang: str) -> dict[str, Any]:
    """Return the calendar section (month and weekday names, date patterns) of a language."""
    return _book(_checked(lang)).calendar


def say(key: str, lang: str, **params: object) -> str:
    """Return the text of `key` in `lang`, formatted with the params it declares."""
    template = templates(lang).get(key)
    if template is None:
        raise KeyError(f"no phrase {key!r} in {lang}.yaml; add it to en.yaml and es.yaml alike")
    missing = [name for name in template.params if name not in params]
    if missing:
        raise KeyError(f"phrase {key!r} needs params {', '.join(missing)}; pass them to say()")
    text = template.text.format(**{name: params[name] for name in template.params})
    # A value ending in an abbreviation ("12:00 p. m.") before the sentence's own full
    # stop would read "p. m.."; an ellipsis ("...") is left alone.
    return _DOUBLE_STOP.sub(".", text)


_DOUBLE_STOP = re.compile(r"(?<!\.)\.\.(?!\.)")


def spoken_time(value: time, lang: str) -> str:
    """Return "7:00 AM" / "7:00 a. m."."""
    names = calendar(lang)
    hour = value.hour % 12 or 12
    meridiem = names["pm"] if value.hour >= 12 else names["am"]
    return names["time"].format(hour=hour, minute=f"{value.minute:02d}", meridiem=meridiem)


def spoken_date(value: date, lang: str) -> str:
    """Return "Tuesday March 10" / "martes 10 de marzo"."""
    names = calendar(lang)
    return names["date"].format(
        weekday=names["weekdays"][value.weekday()],
        month=names["months"][value.month - 1],
        day=value.day,
    )


def long_date(value: date, lang: str) -> str:
    """Return a date with its year, as a date of birth is read back: "April 3, 1985"."""
    names = calendar(lang)
    return names["date_long"].format(
        month=names["months"][value.month - 1], day=value.day, year=value.year
    )


def spoken_datetime(value: datetime, lang: str) -> str:
    """Return "Tuesday March 10 at 7:00 AM" / "martes 10 de marzo a las 7:00 a. m."."""
    names = calendar(lang)
    # Spanish says "a la 1:00" but "a las 2:00": the article follows the hour's number.
    pattern = names["datetime_one"] if value.hour % 12 == 1 else names["datetime"]
    return pattern.format(
        date=spoken_date(value.date(), lang), time=spoken_time(value.time(), lang)
    )


def short_slot_label(value: datetime, provider: str, lang: str) -> str:
    """Return an option label: "Tue Mar 10, 7:00 AM — Dra. Reyes" in English,
    "mar 10 de marzo, 7:00 a. m. — Dra. Reyes" in Spanish."""
    names = calendar(lang)
    when = names["slot_label"].format(
        weekday_short=names["weekdays_short"][value.weekday()],
        month=names["months"][value.month - 1],
        month_short=names["months_short"][value.month - 1],
        day=value.day,
        time=spoken_time(value.time(), lang),
    )
    return f"{when} — {provider_name(provider, lang)}" if provider else when


def join_words(items: list[str], lang: str, conjunction: str = "and") -> str:
    """Return "a, b and c" / "a, b y c"; `conjunction` "or" gives "a, b or c" / "a, b o c"."""
    if not items:
        return ""
    if len(items) == 1:
        return items[0]
    word = calendar(lang)[conjunction]
    return f"{', '.join(items[:-1])} {_euphonic(word, items[-1], lang)} {items[-1]}"


def _euphonic(word: str, following: str, lang: str) -> str:
    # Spanish "y" becomes "e" before an i- sound and "o" becomes "u" before an o- sound.
    start = following.lower()
    if lang != "es":
        return word
    if word == "y" and start.startswith(("i", "hi", "í", "hí")) and not start.startswith("hie"):
        return "e"
    if word == "o" and start.startswith(("o", "ho", "ó", "hó")):
        return "u"
    return word


def provider_name(provider: str, lang: str) -> str:
    """A provider's name with the title each language uses: the directory writes a
    woman doctor "Dra.", which Spanish keeps and English says "Dr."."""
    if lang != "es" and provider.startswith("Dra. "):
        return f"Dr. {provider[5:]}"
    return provider


def with_article(provider: str, lang: str) -> str:
    """Return a provider's name as it follows "with": Spanish puts el/la before a title."""
    if lang != "es":
        return provider_name(provider, lang)
    if provider.startswith("Dra."):
        return f"la {provider}"
    if provider.startswith("Dr."):
        return f"el {provider}"
    return provider


def holiday_name(name: str, lang: str) -> str:
    """A closure's name (the directory writes it in English) in `lang`."""
    return str(calendar(lang).get("holidays", {}).get(name, name))


def plan_name(name: str, lang: str) -> str:
    """A plan's name as said in `lang`: plan names stay, "Self-pay" is translated."""
    return str(calendar(lang).get("plans", {}).get(name, name))
