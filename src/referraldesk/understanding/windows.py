"""When the caller can come: a local time window and the weekdays that suit them.

Explicit bounds win over context: in "temprano, antes de las 8, porque entro a
trabajar a las 9" the 8 is the preference and the 9 only explains it. Context is
used when nothing explicit is said: starting work at 9 means before 08:00 (an hour
for the visit and the drive), working until 4:30 means after 16:30. "Early" alone
means before 09:00, mornings before 12:00, afternoons 12:00-17:00, evenings and
"after work" after 17:00. "Whenever" gives an empty window, not no window.
"""

from __future__ import annotations

import re
from datetime import datetime, time, timedelta

from .model import Window
from .temporal import normalize
from .times import clinic_reading
from .vocab import WEEKDAY_KEYS, WEEKDAYS

_CLOCK = (
    r"(\d{1,2})(?:[:.](\d{2}))?(?:\s*(am|pm))?(?:\s*(?:de la|in the) (manana|tarde|noche"
    r"|morning|afternoon|evening))?"
)
_BEFORE = re.compile(
    rf"\b(?:before|no later than|by|antes de las|antes de la|a mas tardar a las|earlier"
    rf" than)\s+{_CLOCK}"
)
_AFTER = re.compile(
    rf"\b(?:after|later than|no earlier than|from|starting at|despues de las|despues de la|a"
    rf" partir de las|"
    rf"desde las|mas tarde de las|luego de las)\s+{_CLOCK}"
)
_BETWEEN = re.compile(
    rf"\b(?:between|entre las|entre)\s+{_CLOCK}\s+(?:and|y|y las|to|a las)\s+{_CLOCK}"
)
_WORK_START = re.compile(
    rf"\b(?:entro a trabajar|entro al trabajo|entro|empiezo a trabajar|start work|start working"
    rf"|i start|"
    rf"my shift starts|have to be at work|tengo que estar en el trabajo)\s+(?:a las|at|a"
    rf" la)\s+{_CLOCK}"
)
_WORK_END = re.compile(
    rf"\b(?:work until|work till|get off(?: work)?(?: at)?|off work at|salgo(?: del trabajo| de"
    rf" trabajar)?|"
    rf"trabajo hasta|i'm done at|termino(?: de trabajar)?)\s+(?:a las\s+|at\s+|las\s+)?{_CLOCK}"
)
_PERIODS: list[tuple[re.Pattern[str], str | None, str | None]] = [
    (
        re.compile(
            r"\b(?:after work|despues del trabajo|despues de trabajar|saliendo del trabajo|"
            r"evenings?|in the evening|por la noche|en la noche|tarde noche|after hours)\b"
        ),
        "17:00",
        None,
    ),
    (
        re.compile(r"\b(?:afternoons?|in the afternoon|en la tarde|por la tarde|las tardes)\b"),
        "12:00",
        "17:00",
    ),
    (
        re.compile(
            r"\b(?:mornings?|in the morning|en la manana|por la manana|las mananas|"
            r"de manana|temprano en la manana)\b"
        ),
        None,
        "12:00",
    ),
]
_EARLY = re.compile(r"\b(?:early|temprano|tempranito|first thing|a primera hora|lo mas temprano)\b")
_ANYTIME = re.compile(
    r"\b(?:whenever|any ?time|anytime|asap|as soon as possible|cuando sea|lo mas pronto|"
    r"lo antes posible|cualquier (?:dia|hora|momento)|any day|doesn'?t matter|no importa|"
    r"the soonest|earliest available|lo que (?:sea|tenga)|whatever works)\b"
)
_WEEKDAYS_ALL = re.compile(
    r"\b(?:weekdays?|entre semana|de lunes a viernes|monday (?:through|to|thru) friday|during"
    r" the week)\b"
)
_WEEKENDS = re.compile(r"\b(?:weekends?|fines? de semana)\b")
_WEEKDAY_WORD = re.compile(
    r"\b("
    + "|".join(sorted((w for w in WEEKDAYS if len(w) > 3), key=len, reverse=True))
    + r")(?:s|es)?\b"
)
_RECURRING = re.compile(r"\b(?:los|todos los|cada|every|any|a|un)\s+$")
_PAST_WEEKDAY = re.compile(r"\b(?:last|past|previous)\s+$|^\s+(?:pasado|anterior)\b")


def read_window(text: str, lang: str, *, asked: bool = False) -> Window | None:
    """Return the caller's time preference, or None when the turn says nothing about one.

    A single weekday ("mi cita del miércoles") is a preference only when the agent
    `asked` for one; recurring forms ("los sábados", "Saturdays") always are.
    """
    t = normalize(text, lang)
    after, before = _explicit_bounds(t)
    weekdays = _weekdays(t, single=asked)
    said_something = after or before or weekdays
    if not (after or before):
        after, before = _context_bounds(t)
    if not (after or before):
        after, before = _period_bounds(t)
    if before is None and after is None and _EARLY.search(t):
        before = "09:00"
    if after or before or weekdays or said_something:
        return Window(after=after, before=before, weekdays=weekdays)
    if _ANYTIME.search(t):
        return Window()
    return None


def _clock(groups: tuple[str | None, ...]) -> str | None:
    hour_text, minute_text, ampm, period = groups
    if hour_text is None:
        return None
    hour, minute = int(hour_text), int(minute_text or 0)
    if hour > 23 or minute > 59:
        return None
    if hour > 12:
        return f"{hour:02d}:{minute:02d}"
    pm = ampm == "pm" or period in ("tarde", "noche", "afternoon", "evening")
    am = ampm == "am" or period in ("manana", "morning")
    if pm:
        hour = 12 if hour == 12 else hour + 12
    elif am:
        hour = 0 if hour == 12 else hour
    else:
        return clinic_reading(hour, minute).strftime("%H:%M")
    return f"{hour:02d}:{minute:02d}"


def _explicit_bounds(t: str) -> tuple[str | None, str | None]:
    between = _BETWEEN.search(t)
    if between:
        groups = between.groups()
        return _clock(groups[:4]), _clock(groups[4:])
    before = _BEFORE.search(t)
    after = _AFTER.search(t)
    return (_clock(after.groups()) if after else None, _clock(before.groups()) if before else None)


def _shifted(clock: str | None, hours: int) -> str | None:
    if clock is None:
        return None
    moment = datetime.combine(datetime.min.date(), time.fromisoformat(clock)) + timedelta(
        hours=hours
    )
    return moment.strftime("%H:%M")


def _context_bounds(t: str) -> tuple[str | None, str | None]:
    start = _WORK_START.search(t)
    if start:
        return None, _shifted(_clock(start.groups()), -1)
    end = _WORK_END.search(t)
    if end:
        return _clock(end.groups()), None
    return None, None


def _period_bounds(t: str) -> tuple[str | None, str | None]:
    for pattern, after, before in _PERIODS:
        if pattern.search(t):
            if _EARLY.search(t) and before == "12:00":
                return None, "09:00"
            return after, before
    return None, None


def _weekdays(t: str, *, single: bool) -> list[str]:
    keys: list[str] = []
    if _WEEKDAYS_ALL.search(t):
        keys.extend(WEEKDAY_KEYS[:5])
    if _WEEKENDS.search(t):
        keys.extend(WEEKDAY_KEYS[5:])
    for match in _WEEKDAY_WORD.finditer(t):
        if _PAST_WEEKDAY.search(t[: match.start()]) or _PAST_WEEKDAY.search(t[match.end() :][:12]):
            continue
        recurring = match.group().endswith("s") and not match.group(1).endswith("s")
        if not (single or recurring or _RECURRING.search(t[: match.start()])):
            continue
        keys.append(WEEKDAY_KEYS[WEEKDAYS[match.group(1)]])
    return sorted(set(keys), key=WEEKDAY_KEYS.index)
