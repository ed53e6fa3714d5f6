"""Calendar words in English and Spanish, accent-folded, as regex fragments."""

from __future__ import annotations

MONTHS: dict[str, int] = {
    "january": 1,
    "jan": 1,
    "enero": 1,
    "ene": 1,
    "february": 2,
    "feb": 2,
    "febrero": 2,
    "march": 3,
    "mar": 3,
    "marzo": 3,
    "april": 4,
    "apr": 4,
    "abril": 4,
    "abr": 4,
    "may": 5,
    "mayo": 5,
    "june": 6,
    "jun": 6,
    "junio": 6,
    "july": 7,
    "jul": 7,
    "julio": 7,
    "august": 8,
    "aug": 8,
    "agosto": 8,
    "ago": 8,
    "september": 9,
    "sept": 9,
    "sep": 9,
    "septiembre": 9,
    "setiembre": 9,
    "october": 10,
    "oct": 10,
    "octubre": 10,
    "november": 11,
    "nov": 11,
    "noviembre": 11,
    "december": 12,
    "dec": 12,
    "diciembre": 12,
    "dic": 12,
}

# Abbreviations that are also everyday words ("sat", "sun", "wed", "mar") only count as
# weekdays when a day number or a weekday cue sits next to them; see dates.py.
WEEKDAYS: dict[str, int] = {
    "monday": 0,
    "mon": 0,
    "lunes": 0,
    "lun": 0,
    "tuesday": 1,
    "tues": 1,
    "tue": 1,
    "martes": 1,
    "wednesday": 2,
    "miercoles": 2,
    "mie": 2,
    "mier": 2,
    "thursday": 3,
    "thurs": 3,
    "thur": 3,
    "thu": 3,
    "jueves": 3,
    "jue": 3,
    "friday": 4,
    "fri": 4,
    "viernes": 4,
    "vie": 4,
    "saturday": 5,
    "sabado": 5,
    "sab": 5,
    "sunday": 6,
    "domingo": 6,
    "dom": 6,
}

WEEKDAY_KEYS: tuple[str, ...] = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")


def alternation(words: dict[str, int] | list[str]) -> str:
    """Return a regex alternation, longest words first so "sept" wins over "sep"."""
    return "|".join(sorted(words, key=len, reverse=True))


MONTH_RE = rf"(?:{alternation(MONTHS)})\.?"
WEEKDAY_RE = rf"(?:{alternation(WEEKDAYS)})"
ORDINAL_SUFFIX = r"(?:st|nd|rd|th|er|ro|ra|\.?[o\u00ba\u00b0\u00aa])?"
DAY_RE = rf"(?:0?[1-9]|[12][0-9]|3[01]){ORDINAL_SUFFIX}"
