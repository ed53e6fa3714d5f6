"""How the simulated caller says its facts when the case gives no words for them.

Plain forms, the way a person answers: "April 3, 1985", "3 de abril de 1985",
"559 555 0143", and a slot by its weekday and time: "Tuesday at 7:30",
"el martes a las 7:30" (with the date added when two offered slots share both).
"""

from __future__ import annotations

from datetime import date, datetime

# Month and weekday names live in the phrasebook, like every other word we say.
from referraldesk.conversation.phrasebook.phrasebook import calendar


def plain_date(value: date, language: str) -> str:
    month = calendar(language)["months"][value.month - 1]
    if language == "es":
        return f"{value.day} de {month} de {value.year}"
    return f"{month} {value.day}, {value.year}"


def plain_phone(e164: str) -> str:
    """ "+15595550143" -> "559 555 0143" (a US number as a caller reads it out)."""
    digits = e164.removeprefix("+1")
    return f"{digits[:3]} {digits[3:6]} {digits[6:]}"


def clock_time(moment: datetime, language: str) -> str:
    """ "7:30", "5:30 pm" / "las 7:30", "las 5:30 de la tarde" (morning needs no marker)."""
    hour12 = moment.hour % 12 or 12
    minutes = f":{moment.minute:02d}" if moment.minute else ""
    spoken = f"{hour12}{minutes}"
    if language == "es":
        article = "la" if hour12 == 1 else "las"
        if moment.hour >= 19:
            return f"{article} {spoken} de la noche"
        if moment.hour >= 12:
            return f"{article} {spoken} de la tarde"
        return f"{article} {spoken}"
    return f"{spoken} pm" if moment.hour >= 12 else spoken


def slot_phrase(start: datetime, language: str, *, with_date: bool = False) -> str:
    """A slot named by weekday and local time, the date added when asked to."""
    weekday = calendar(language)["weekdays"][start.weekday()]
    if language == "es":
        day = f"el {weekday} {start.day}" if with_date else f"el {weekday}"
        return f"{day} a {clock_time(start, language)}"
    day = f"{weekday} the {_ordinal(start.day)}" if with_date else weekday
    return f"{day} at {clock_time(start, language)}"


def _ordinal(day: int) -> str:
    suffix = "th" if 11 <= day % 100 <= 13 else {1: "st", 2: "nd", 3: "rd"}.get(day % 10, "th")
    return f"{day}{suffix}"


def restate_referral(specialty_label: str, language: str) -> str:
    if language == "es":
        return f"quiero hacer una cita para mi referencia de {specialty_label.lower()}"
    return f"I'd like to make an appointment for my {specialty_label.lower()} referral"


DEFAULTS = {
    "time_preference": {"en": "any time works", "es": "a cualquier hora"},
    "confirm": {"en": "yes", "es": "sí"},
    "anything_else": {"en": "no, that's all", "es": "no, es todo"},
    "none_fit": {
        "en": "none of those work for me, do you have other times?",
        "es": "ninguna de esas me sirve, ¿tiene otros horarios?",
    },
    "no_options": {"en": "what times do you have?", "es": "¿qué horarios tiene?"},
}
