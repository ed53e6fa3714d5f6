"""Which place in a list of offers the caller named: "two", "#2", "the second one", "la última".

Read from folded words, not from `normalize`: text2num turns "primera" into "1a", which
the clock grammar then reads as 1 am. A number is a place only where it cannot be a
clock time or a day: "2 pm", "a las 2", "at two", "the 2nd of December" and "dos y
media" are never places. Places are 1-10; "the 14th" is a day of the month.

`strong` marks a place nobody would say for a time or a date ("number 2", "the second
one", "la última"): it wins over an offer that starts at a matching time. A weak one
("la dos", "2nd") yields to an offer whose start matches what was said.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from .text import fold

MAX_PLACE = 10

_CARDINALS: dict[str, int] = {
    "one": 1, "two": 2, "three": 3, "four": 4, "five": 5,
    "six": 6, "seven": 7, "eight": 8, "nine": 9, "ten": 10,
    "uno": 1, "una": 1, "dos": 2, "tres": 3, "cuatro": 4, "cinco": 5,
    "seis": 6, "siete": 7, "ocho": 8, "nueve": 9, "diez": 10,
}  # fmt: skip
_ORDINALS: dict[str, int] = {
    "first": 1, "second": 2, "third": 3, "fourth": 4, "fifth": 5,
    "sixth": 6, "seventh": 7, "eighth": 8, "ninth": 9, "tenth": 10,
    "primero": 1, "primera": 1, "primer": 1, "segundo": 2, "segunda": 2,
    "tercero": 3, "tercera": 3, "tercer": 3, "cuarto": 4, "cuarta": 4,
    "quinto": 5, "quinta": 5, "sexto": 6, "sexta": 6, "septimo": 7, "septima": 7,
    "setimo": 7, "setima": 7, "octavo": 8, "octava": 8, "noveno": 9, "novena": 9,
    "decimo": 10, "decima": 10,
}  # fmt: skip
_DIGIT_ORDINAL = re.compile(r"^(\d{1,2})(st|nd|rd|th|o|a|ro|ra|do|da|er|era|to|ta|vo|va|mo|ma|no|na)$")
_LAST_WORDS = frozenset({"last", "ultimo", "ultima"})
_OTHER_WORDS = frozenset({"other", "otro", "otra"})
# Words that make the number next to them a place, not a count or a clock time.
_MARKERS = frozenset({"number", "numero", "option", "opcion", "choice", "#", "num"})
_ARTICLES = frozenset({"the", "la", "el", "lo"})
_PLACE_NOUNS = frozenset({"one", "option", "opcion", "choice", "slot"})
_ONE_WORDS = frozenset({"one", "uno", "una"})
# "that one", "the one on Tuesday": "one" points at an offer without numbering it.
_POINTING = frozenset({"the", "that", "this", "which", "any", "each", "every", "no"})
# A number after these is a clock time or a count: "at 2", "a las 2", "y cuarto", "un segundo".
_TIME_BEFORE = frozenset({
    "at", "around", "about", "by", "before", "after", "until", "till", "from", "to", "past",
    "and", "a", "an", "las", "los", "hasta", "desde", "entre", "y", "menos", "como", "un",
    "quarter", "half", "cuarto", "media", "on", "del", "dia", "day",
})  # fmt: skip
# ...and before these: "2 pm", "dos de la tarde", "2 o'clock", "two thirty", "2 days".
_TIME_AFTER = frozenset({
    "am", "pm", "a", "p", "oclock", "o'clock", "en", "time", "y", "and", "de", "del", "of", "in",
    "this", "tomorrow", "manana", "hours", "horas", "hour", "hora", "h", "hrs", "minutes",
    "minutos", "mins", "days", "dias", "weeks", "semanas", "months", "meses", "thirty",
    "fifteen", "forty", "treinta", "quince", "cuarenta", "week", "semana", "month", "mes",
    "thing", "vez", "year", "ano", "day", "dia", "next", "proximo", "proxima", "que",
    "monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday",
    "lunes", "martes", "miercoles", "jueves", "viernes", "sabado", "domingo",
    "january", "february", "march", "april", "may", "june", "july", "august", "september",
    "october", "november", "december", "enero", "febrero", "marzo", "abril", "mayo", "junio",
    "julio", "agosto", "septiembre", "octubre", "noviembre", "diciembre", "times", "dates",
    "person", "persona", "people", "personas", "kids", "ninos", "hijos",
})  # fmt: skip
# "la segunda de las opciones", "the 2nd of those": of/de then these still names a place.
_OF_THE_LIST = frozenset({"them", "these", "those", "the", "ellas", "ellos", "esas", "esos",
                          "estas", "estos", "las", "los", "la", "lista", "list"})  # fmt: skip
# What may stand around a place without changing it: "two please", "I'll take the second".
_FILLER = frozenset({
    "please", "ok", "okay", "um", "uh", "er", "hmm", "yes", "yeah", "yep", "sure", "the", "i",
    "i'll", "ill", "i'd", "id", "take", "want", "like", "would", "will", "go", "with", "let's",
    "lets", "do", "that", "works", "work", "is", "fine", "good", "great", "for", "me", "then",
    "one", "option", "number", "choice", "it", "thanks", "thank", "you", "perfect", "sounds",
    "best", "be", "can", "could", "book", "pick", "choose", "give", "well", "oh", "just",
    "por", "favor", "si", "bueno", "pues", "este", "eh", "la", "el", "lo", "quiero", "quisiera",
    "tomo", "dame", "deme", "elijo", "esa", "ese", "opcion", "numero", "sirve", "queda", "bien",
    "mejor", "perfecto", "gracias", "vale", "es", "va", "agendar", "reservar", "prefiero",
    "mas", "para", "mi", "no", "#", "num", ",",
})  # fmt: skip
_TOKENS = re.compile(r"\d+:\d+|#|,|\d+[a-z]*|[a-z]+(?:'[a-z]+)?")


@dataclass(frozen=True)
class Place:
    """A place the caller named: `number` counts from 1 and may be past the end of the list."""

    number: int
    strong: bool


def read_place(text: str, count: int, *, current: int | None = None) -> Place | None:
    """Return the place in a list of `count` offers that `text` names, or None.

    `current` (0-based) is the offer already chosen, which "the other one" moves away
    from; without one, "the other one" of two is the one said last. Two different
    places ("the first or the second?") name none.
    """
    tokens = _TOKENS.findall(fold(text))
    found: set[Place] = set()
    for at in range(len(tokens)):
        if _negated(tokens, at):
            continue
        place = _place_at(tokens, at, count, current)
        if place is not None:
            found.add(place)
    numbers = {place.number for place in found}
    if len(numbers) != 1:
        return None
    return max(found, key=lambda place: place.strong)


def _place_at(tokens: list[str], at: int, count: int, current: int | None) -> Place | None:
    token = tokens[at]
    before = tokens[at - 1] if at > 0 else ""
    after = tokens[at + 1] if at + 1 < len(tokens) else ""
    if token in _LAST_WORDS and after not in _TIME_AFTER:
        return Place(count, strong=True) if count else None
    if token in _OTHER_WORDS and after not in _TIME_AFTER and count == 2:
        other = 2 if current is None else 2 - current
        return Place(other, strong=True)
    ordinal = _ordinal(token)
    if ordinal is not None:
        return _ordinal_place(tokens, at, ordinal, word=token in _ORDINALS)
    cardinal = _cardinal(token)
    if cardinal is None or _is_clock(tokens, at):
        return None
    # "No. 2" abbreviates número only before digits; "no one" is nobody.
    marked = (
        before in _MARKERS
        or (before == "no" and token.isdigit())
        or after in ("option", "opcion", "choice")
    )
    alone = all(other in _FILLER for i, other in enumerate(tokens) if i != at)
    if token in _ONE_WORDS and not marked:
        # "one" is a place only as the whole answer ("one, please", "la una"), never in
        # "the second one" or "that one".
        pointing = before in _POINTING or _ordinal(before) is not None
        return Place(1, strong=False) if alone and not pointing else None
    if marked or alone or before in _ARTICLES:
        return Place(cardinal, strong=marked)
    return None


def _ordinal_place(tokens: list[str], at: int, number: int, *, word: bool) -> Place | None:
    before = tokens[at - 1] if at > 0 else ""
    after = tokens[at + 1] if at + 1 < len(tokens) else ""
    follow = tokens[at + 2] if at + 2 < len(tokens) else ""
    if before in _TIME_BEFORE:
        return None  # "at first", "y cuarto", "un segundo", "on the 2nd" reads as a day
    if after in ("of", "de", "del") and follow not in _OF_THE_LIST:
        return None  # "the 2nd of December", "el primero de mayo"
    if after in _TIME_AFTER and after not in ("of", "de"):
        return None  # "first thing", "primera hora", "second week"
    return Place(number, strong=word or after in _PLACE_NOUNS)


def _is_clock(tokens: list[str], at: int) -> bool:
    before = tokens[at - 1] if at > 0 else ""
    after = tokens[at + 1] if at + 1 < len(tokens) else ""
    two_before = " ".join(tokens[max(0, at - 2) : at])
    if two_before in ("a la", "por la", "de la", "a eso", "eso de"):
        return True
    if after in ("of", "de") and at + 2 < len(tokens) and tokens[at + 2] in _OF_THE_LIST:
        return tokens[at + 2] == "la"  # "dos de la tarde"; "two of them" is a place
    return before in _TIME_BEFORE or after in _TIME_AFTER


def _negated(tokens: list[str], at: int) -> bool:
    """ "not the first", "no la primera": the place named is the one refused."""
    back = at - 1
    while back >= 0 and tokens[back] in _ARTICLES:
        back -= 1
    if back < 0:
        return False
    word = tokens[back]
    return word == "not" or (word == "no" and back < at - 1)


def _ordinal(token: str) -> int | None:
    if token in _ORDINALS:
        return _ORDINALS[token]
    matched = _DIGIT_ORDINAL.match(token)
    if matched and 1 <= int(matched.group(1)) <= MAX_PLACE:
        return int(matched.group(1))
    return None


def _cardinal(token: str) -> int | None:
    if token in _CARDINALS:
        return _CARDINALS[token]
    if token.isdigit() and 1 <= int(token) <= MAX_PLACE:
        return int(token)
    return None
