"""Read critical facts back on the phone: the date of birth and the number just given.

Speech recognition mishears digits, so what the caller gave for a date of birth or a
phone number is said back before the engine's answer ("I have April 3, 1985."), unless
the answer already says it. The booked slot is read back by the engine itself, which
asks for confirmation before booking. Only the caller's own words are repeated; nothing
from a record is.
"""

from __future__ import annotations

from datetime import date, datetime

from referraldesk.conversation.phrasebook import long_date
from referraldesk.understanding import understand
from referraldesk.voice.phrases import line, spoken_digits


def readback(said: str, *, awaiting: str, reply: str, language: str, at: datetime) -> str | None:
    """The sentence repeating the fact in `said`, None when there is nothing to repeat.

    `at` is the practice-local aware now (two-digit years are read against it).
    """
    if awaiting not in ("dob", "phone"):
        return None
    heard = understand(said, now=at, lang=language, awaiting=awaiting)
    if awaiting == "dob" and heard.dob:
        value = long_date(date.fromisoformat(heard.dob), language)
        return None if value in reply else line("heard_dob", language, value=value)
    if awaiting == "phone" and heard.phone:
        value = spoken_digits(heard.phone)
        return None if heard.phone[-4:] in reply else line("heard_phone", language, value=value)
    return None
