"""Date arithmetic the grammar needs: weekdays, months, holidays."""

from __future__ import annotations

import calendar
from datetime import date, timedelta


def upcoming_weekday(today: date, weekday: int, *, include_today: bool) -> date:
    """Return the next `weekday` (0 = Monday); today itself only when `include_today`."""
    ahead = (weekday - today.weekday()) % 7
    if ahead == 0 and not include_today:
        ahead = 7
    return today + timedelta(days=ahead)


def recent_weekday(today: date, weekday: int) -> date:
    """Return the latest `weekday` strictly before today ("this past Wednesday")."""
    back = (today.weekday() - weekday) % 7 or 7
    return today - timedelta(days=back)


def weekday_in_week(day: date, weekday: int, week_offset: int = 0) -> date:
    """Return `weekday` in the Monday-to-Sunday week of `day`, shifted by whole weeks."""
    monday = day - timedelta(days=day.weekday())
    return monday + timedelta(days=weekday + 7 * week_offset)


def add_months(day: date, months: int) -> date:
    """Return `day` moved by calendar months, clamped to month end (Jan 31 + 1 = Feb 28)."""
    index = day.year * 12 + day.month - 1 + months
    year, month = divmod(index, 12)
    last = calendar.monthrange(year, month + 1)[1]
    return date(year, month + 1, min(day.day, last))


def add_units(day: date, amount: int, unit: str) -> date:
    """Return `day` moved by `amount` of 'day' | 'week' | 'month' | 'year'."""
    if unit == "day":
        return day + timedelta(days=amount)
    if unit == "week":
        return day + timedelta(weeks=amount)
    if unit == "month":
        return add_months(day, amount)
    return add_months(day, 12 * amount)


def safe_date(year: int, month: int, day: int) -> date | None:
    """Return the date, or None when it does not exist (Feb 30, 2/29/2019)."""
    try:
        return date(year, month, day)
    except ValueError:
        return None


def next_month_day(today: date, month: int, day: int) -> date | None:
    """Return month/day in this year if not yet past, else the next year it exists (Feb 29)."""
    if safe_date(2000, month, day) is None:
        return None
    year = today.year
    while True:
        candidate = safe_date(year, month, day)
        if candidate is not None and candidate >= today:
            return candidate
        year += 1


def next_day_of_month(today: date, day: int, weekday: int | None = None) -> date | None:
    """Return the first date on or after today with this day number (and weekday, if given)."""
    probe = date(today.year, today.month, 1)
    for _ in range(48):
        candidate = safe_date(probe.year, probe.month, day)
        fits_weekday = candidate is not None and (weekday is None or candidate.weekday() == weekday)
        if candidate is not None and candidate >= today and fits_weekday:
            return candidate
        probe = add_months(probe, 1)
    return None


def easter(year: int) -> date:
    """Return Western Easter Sunday (anonymous Gregorian algorithm)."""
    a, b, c = year % 19, year // 100, year % 100
    d, e = divmod(b, 4)
    g = (8 * b + 13) // 25
    h = (19 * a + b - d - g + 15) % 30
    i, k = divmod(c, 4)
    l_ = (32 + 2 * e + 2 * i - h - k) % 7
    m = (a + 11 * h + 22 * l_) // 451
    month, day = divmod(h + l_ - 7 * m + 114, 31)
    return date(year, month, day + 1)


def nth_weekday(year: int, month: int, weekday: int, n: int) -> date:
    """Return the n-th `weekday` of a month; n = -1 is the last one."""
    if n > 0:
        first = date(year, month, 1)
        return first + timedelta(days=(weekday - first.weekday()) % 7 + 7 * (n - 1))
    last = date(year, month, calendar.monthrange(year, month)[1])
    return last - timedelta(days=(last.weekday() - weekday) % 7)


def _thanksgiving(year: int) -> date:
    return nth_weekday(year, 11, 3, 4)


HOLIDAYS: dict[str, tuple[int, int] | str] = {
    "christmas eve": (12, 24),
    "nochebuena": (12, 24),
    "noche buena": (12, 24),
    "christmas day": (12, 25),
    "christmas": (12, 25),
    "xmas": (12, 25),
    "navidad": (12, 25),
    "new year'?s eve": (12, 31),
    "nochevieja": (12, 31),
    "new year'?s day": (1, 1),
    "new year day": (1, 1),
    "new years?'?": (1, 1),
    "ano nuevo": (1, 1),
    "dia de ano nuevo": (1, 1),
    "independence day": (7, 4),
    "dia de la independencia": (7, 4),
    "juneteenth": (6, 19),
    "freedom day": (6, 19),
    "jubilee day": (6, 19),
    "dia de la libertad": (6, 19),
    "dia del jubileo": (6, 19),
    "saint patrick'?s?(?: day)?": (3, 17),
    "st\\.? patrick'?s?(?: day)?": (3, 17),
    "san patricio": (3, 17),
    "earth day": (4, 22),
    "dia de la tierra": (4, 22),
    "international workers'? day": (5, 1),
    "labou?r day": "labor",
    "may day": (5, 1),
    "dia internacional de los trabajadores": (5, 1),
    "dia del trabajo": (5, 1),
    "valentine'?s day": (2, 14),
    "dia de san valentin": (2, 14),
    "halloween": (10, 31),
    "veterans day": (11, 11),
    "dia de los veteranos": (11, 11),
    "cinco de mayo": (5, 5),
    "dia de muertos": (11, 2),
    "dia de los muertos": (11, 2),
    "easter monday": "easter+1",
    "easter sunday": "easter",
    "easter": "easter",
    "pascua": "easter",
    "domingo de pascua": "easter",
    "good friday": "easter-2",
    "viernes santo": "easter-2",
    "thanksgiving(?: day)?": "thanksgiving",
    "dia de accion de gracias": "thanksgiving",
    "black friday": "thanksgiving+1",
    "viernes negro": "thanksgiving+1",
    "memorial day": "memorial",
    "mother'?s day": "mothers",
    "dia de las madres": (5, 10),
    "father'?s day": "fathers",
    "(?:dia de )?cesar chavez(?: day)?": (3, 31),
    "(?:the )?(?:fourth|4th) of july": (7, 4),
    "accion de gracias": "thanksgiving",
    "(?:dr\\.? )?martin luther king(?: jr\\.?)?(?: day)?|mlk(?: day)?": "mlk",
    "presidents'? day|dia de los presidentes": "presidents",
    "columbus day|indigenous peoples'? day|dia de la raza": "columbus",
}
# Monday holidays: (month, which Monday of it).
_MONDAY_RULES = {"mlk": (1, 3), "presidents": (2, 3), "columbus": (10, 2)}


def holiday_in(key: str, year: int) -> date:
    """Return the holiday named by a HOLIDAYS value in `year`."""
    rule = HOLIDAYS[key]
    if isinstance(rule, tuple):
        month, day = rule
        return date(year, month, day)
    offsets = {"easter": 0, "easter+1": 1, "easter-2": -2}
    if rule in offsets:
        return easter(year) + timedelta(days=offsets[rule])
    if rule == "thanksgiving":
        return _thanksgiving(year)
    if rule == "thanksgiving+1":
        return _thanksgiving(year) + timedelta(days=1)
    if rule == "labor":
        return nth_weekday(year, 9, 0, 1)
    if rule == "memorial":
        return nth_weekday(year, 5, 0, -1)
    if rule in _MONDAY_RULES:
        month, nth = _MONDAY_RULES[rule]
        return nth_weekday(year, month, 0, nth)
    if rule == "mothers":
        return nth_weekday(year, 5, 6, 2)
    return nth_weekday(year, 6, 6, 3)
