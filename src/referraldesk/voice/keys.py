"""Keys and one-word language picks, turned into words the engine understands.

The engine reads text; a caller may press keys instead. What a key means depends on
what was just asked: 1/2 pick the language at the greeting, eight digits are a date
of birth (MMDDYYYY, sent on as an ISO date so no reading order can flip it), ten are a
phone number, 1/2 answer a yes/no, a single digit picks an offered option, and 0
always asks for a person.
"""

from __future__ import annotations

import re
from datetime import date

from referraldesk.patients.names import fold
from referraldesk.voice.hints import DOB_DIGITS, PHONE_DIGITS
from referraldesk.voice.phrases import key_words

_LANGUAGE_WORDS = {
    "spanish": frozenset({"espanol", "spanish", "en espanol", "castellano"}),
    "english": frozenset({"english", "ingles", "en ingles"}),
}


def keyed_text(digits: str, *, awaiting: str, language: str, first_answer: bool) -> str:
    """The words keys `digits` stand for after a turn awaiting `awaiting`."""
    keys = digits.strip().rstrip("#")
    if keys == "0":
        return key_words("person", language)
    if first_answer and keys in ("1", "2"):
        return key_words("english" if keys == "1" else "spanish", language)
    if awaiting == "dob" and len(keys) == DOB_DIGITS:
        return _keyed_date(keys) or keys
    if awaiting == "confirm" and keys in ("1", "2"):
        return key_words("yes" if keys == "1" else "no", language)
    if awaiting == "phone" and len(keys) == PHONE_DIGITS:
        return f"{keys[:3]} {keys[3:6]} {keys[6:]}"
    return keys


def language_pick(speech: str, language: str) -> str:
    """A bare "español" or "English" at the greeting, said as a request for it."""
    words = re.sub(r"[^a-z ]", "", fold(speech)).strip()
    for choice, said in _LANGUAGE_WORDS.items():
        if words in said:
            return key_words(choice, language)
    return speech


def _keyed_date(keys: str) -> str | None:
    try:
        return date(int(keys[4:]), int(keys[:2]), int(keys[2:4])).isoformat()
    except ValueError:
        return None
