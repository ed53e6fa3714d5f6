"""Phone numbers, written or spoken digit by digit, as US E.164."""

from __future__ import annotations

import re

import phonenumbers

from .numbers import words_to_digits
from .text import fold

_DIGIT_WORDS = {
    "zero": "0",
    "cero": "0",
    "oh": "0",
    "o": "0",
    "one": "1",
    "uno": "1",
    "una": "1",
    "two": "2",
    "dos": "2",
    "three": "3",
    "tres": "3",
    "four": "4",
    "cuatro": "4",
    "five": "5",
    "cinco": "5",
    "six": "6",
    "seis": "6",
    "seven": "7",
    "siete": "7",
    "eight": "8",
    "ocho": "8",
    "nine": "9",
    "nueve": "9",
}
_DIGIT_WORD = re.compile(rf"\b({'|'.join(_DIGIT_WORDS)})\b")
_DOUBLE = re.compile(r"\b(double|triple|doble|triple)\s+(\d)\b")
_RUN = re.compile(r"\+?\d[\d\s().,/-]*\d")
_CUES = re.compile(
    r"\b(?:phone|number|cell|call me at|text me at|numero|telefono|celular|llamame al|marqueme"
    r" al)\b"
)


def _spoken_to_digits(folded: str, lang: str) -> str:
    # text2num reads compounds ("cincuenta y nueve"); what it leaves as words ("uno",
    # "oh") is mapped digit by digit. "oh" and "o" only count between other digits,
    # which the run search below enforces by needing digits at both ends.
    text = words_to_digits(folded, lang)
    text = _DIGIT_WORD.sub(lambda m: _DIGIT_WORDS[m.group(1)], text)
    return _DOUBLE.sub(lambda m: m.group(2) * (2 if m.group(1) in ("double", "doble") else 3), text)


def read_phone(text: str, lang: str, *, expected: bool) -> tuple[str | None, bool]:
    """Return (E.164 number or None, True when a number was given but is not a valid US one)."""
    folded = fold(text)
    digits_text = _spoken_to_digits(folded, lang)
    runs = [re.sub(r"\D", "", run) for run in _RUN.findall(digits_text)]
    runs = [run for run in runs if len(run) >= 7]
    if not runs:
        return None, False
    cued = expected or _CUES.search(folded) is not None
    for run in runs:
        if len(run) == 10 or (len(run) == 11 and run.startswith("1")):
            return _validated(run)
    return None, cued


def _validated(digits: str) -> tuple[str | None, bool]:
    try:
        number = phonenumbers.parse(digits if len(digits) == 10 else "+" + digits, "US")
    except phonenumbers.NumberParseException:
        return None, True
    if number.country_code != 1 or not phonenumbers.is_valid_number(number):
        return None, True
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164), False
