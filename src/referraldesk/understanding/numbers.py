"""Spoken numbers to digits, in English and Spanish.

text2num does the arithmetic ("mil novecientos cincuenta y ocho" -> 1958); this module
only shields the words it would misread in a clinic conversation: "cuarto" (a quarter
hour, not 4th) and the articles "un/una/one" ("una cita" is not "1 cita"). Years said
as two pairs ("nineteen eighty eight" -> "19 88") are joined by the date grammar.
"""

from __future__ import annotations

import re

from text_to_num import alpha2digit  # type: ignore[import-untyped]  # ships no type hints

# Private-use code points survive text2num untouched and cannot occur in caller text.
_SHIELDS: dict[str, str] = {
    "cuartos": "\ue001",
    "cuarto": "\ue002",
    "segundos": "\ue003",
    "seconds": "\ue004",
}
_ARTICLE_SHIELDS: dict[str, str] = {
    "un": "\ue011",
    "una": "\ue012",
    "uno": "\ue013",
    "one": "\ue014",
}
_UNSHIELD = {v: k for k, v in (_SHIELDS | _ARTICLE_SHIELDS).items()}

# "one"/"una" is a number only next to clock words; elsewhere it is an article or pronoun.
_ARTICLE = re.compile(
    r"\b(un|una|uno|one)\b(?!\s*(?:y\b|thirty|fifteen|forty|twenty|ten|o'?clock|oclock|en punto|"
    r"p\.?\s?m|a\.?\s?m|de la (?:manana|tarde|noche)|in the (?:morning|afternoon|evening)|"
    r"\d|treinta|cuarenta|quince|veinte|diez|menos))"
)
_CLOCK_ARTICLE = re.compile(r"\b(a la|la|at|around|about|por la|de la|a eso de la)\s+(una|one)\b")
_HYPHENATED = re.compile(r"(?<=[a-z])-(?=[a-z])")


def words_to_digits(folded: str, lang: str) -> str:
    """Return folded text with number words replaced by digits (ordinals keep their mark)."""
    text = _HYPHENATED.sub(" ", folded)
    text = _CLOCK_ARTICLE.sub(lambda m: f"{m.group(1)} 1", text)
    for word, mark in _SHIELDS.items():
        text = re.sub(rf"\b{word}\b", mark, text)
    text = _ARTICLE.sub(lambda m: _ARTICLE_SHIELDS[m.group(1)], text)
    converted = _convert(text, lang)
    for mark, word in _UNSHIELD.items():
        converted = converted.replace(mark, word)
    return converted


def _convert(text: str, lang: str) -> str:
    # alpha2digit reads Spanish number words in English mode poorly and vice versa, and
    # callers switch languages mid-sentence, so both passes run.
    first: str = alpha2digit(text, "es" if lang == "es" else "en", threshold=0)
    second: str = alpha2digit(first, "en" if lang == "es" else "es", threshold=0)
    return second
