"""Personal names: folding for comparison, and reading names as other systems store them.

Spanish-speaking patients usually carry two surnames (father's, then mother's), and
the systems that send us their names disagree on how to write them: HL7 v2 XPN puts
the family name first ("PEREZ NUNEZ^MARIA JOSE"), a chart prints "Pérez-Núñez, María
José", a form asks for first and last name and gets "Maria Jose Perez". Everything
here exists so that those all compare as the same person.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass, field

from referraldesk.errors import InvalidArgument

# Hyphens, apostrophes and periods separate name parts ("López-García", "O'Neil",
# "Ma. José"); every other punctuation mark goes the same way.
_SEPARATORS = re.compile(r"[^\w\s]|_")
_SPACES = re.compile(r"\s+")
_HYPHENS = re.compile(r"\s*-\s*")
# Control characters (Cc: C0, DEL, C1), format characters (Cf: zero-width spaces, bidi
# overrides and isolates, BOM, soft hyphen) and lone surrogates (Cs, which a JSON
# escape can carry and no database can store). Unseen on screen, they make a name fold
# differently from the same name typed plainly ("Maria\x00" once slipped past the
# duplicate check as a second patient), and a bidi override makes it read as another.
_UNPRINTABLE = frozenset({"Cc", "Cf", "Cs"})

# Particles that belong to the word after them: "de la Cruz" is one surname.
_PARTICLES = frozenset({"de", "del", "la", "las", "los", "y", "da", "dos", "van", "von", "di"})

# Common second given names. "Maria Jose Perez" has no comma to say where the given
# names end, so a second word found here is read as a given name, not a surname.
# Matching never depends on this guess (it compares whole token sets too); it only
# decides how a name is shown and stored.
_SECOND_GIVEN_NAMES = frozenset(
    {
        "alejandro", "alberto", "alicia", "ana", "andres", "angel", "angeles", "antonio",
        "beatriz", "carlos", "carmen", "cristina", "david", "dolores", "eduardo",
        "elena", "elizabeth", "enrique", "esther", "eugenia", "fernanda", "fernando",
        "francisco", "gabriel", "gabriela", "guadalupe", "ignacio", "ines", "isabel",
        "javier", "jesus", "jose", "josefina", "juan", "julia", "laura", "lourdes", "luis",
        "luisa", "luz", "manuel", "margarita", "maria", "mariana", "mercedes", "miguel",
        "pablo", "patricia", "pedro", "pilar", "rafael", "ramon", "rosa", "rosario",
        "teresa", "victoria", "ann", "anne", "lee", "lynn", "marie", "james", "john",
        "michael", "joseph", "william", "elaine", "jean", "louise", "grace", "rose",
    }
)


@dataclass(frozen=True)
class PersonName:
    """A name split the way we store it: given names, then one or two surnames."""

    given: str
    surnames: list[str] = field(default_factory=list)

    @property
    def full(self) -> str:
        return " ".join([self.given, *self.surnames]).strip()


def strip_accents(text: str) -> str:
    """Return `text` without combining marks: "Núñez" -> "Nunez" (ñ folds to n on purpose)."""
    decomposed = unicodedata.normalize("NFKD", text)
    return "".join(ch for ch in decomposed if not unicodedata.combining(ch))


def fold(text: str) -> str:
    """Return `text` accent-free, case-folded, punctuation as spaces, single-spaced."""
    plain = strip_accents(text).casefold()
    return _SPACES.sub(" ", _SEPARATORS.sub(" ", plain)).strip()


def tokens(text: str) -> list[str]:
    """Return the folded words of `text`."""
    folded = fold(text)
    return folded.split(" ") if folded else []


def single_spaced(text: str) -> str:
    """Return `text` with each run of whitespace (newlines and tabs too) one space, trimmed."""
    return " ".join(text.split())


def unprintable(text: str) -> list[str]:
    """Return the control and format characters in `text` as U+XXXX codes, each once."""
    found = dict.fromkeys(ch for ch in text if unicodedata.category(ch) in _UNPRINTABLE)
    return [f"U+{ord(ch):04X}" for ch in found]


def printable_name(text: str, field: str) -> str:
    """Return a name from outside single-spaced; InvalidArgument naming `field` when it
    holds a control or format character other than whitespace (refused, not stripped:
    what is left after stripping is a name nobody sent)."""
    spaced = single_spaced(text)
    codes = unprintable(spaced)
    if codes:
        raise InvalidArgument(f"{field} contains control or invisible characters "
                              f"({', '.join(codes)}); send the name as printed", field=field)
    return spaced


def name_key(given: str, surnames: list[str]) -> str:
    """Return the Patient.name_key value: folded "given|surname1 surname2"."""
    return f"{fold(given)}|{fold(' '.join(surnames))}"


def parse_stored_name(text: str) -> PersonName:
    """Read a name as another system stored it.

    Understands HL7 XPN ("PEREZ NUNEZ^MARIA JOSE", family first, repetitions after
    "~" ignored), "Family, Given" ("Pérez-Núñez, María José") and natural order
    ("Maria Jose Perez"). All-capital input is shown in title case.
    """
    text = _display_case(text.split("~", 1)[0].strip())
    if "^" in text:
        return _from_xpn(text)
    if "," in text:
        family, _, given = text.partition(",")
        return PersonName(given=_clean(given), surnames=split_surnames(family))
    return _from_natural_order(_clean(text))


def split_surnames(family: str) -> list[str]:
    """Split a family name into surnames, keeping particles with the word after them.

    "Pérez-Núñez" and "Pérez Núñez" give ["Pérez", "Núñez"]; "García de la Cruz"
    gives ["García", "de la Cruz"]. More than two parts keep the first as the first
    surname and join the rest into the second.
    """
    words = _group_particles(_HYPHENS.sub(" ", _clean(family)).split())
    if len(words) <= 2:
        return words
    return [words[0], " ".join(words[1:])]


def _from_xpn(text: str) -> PersonName:
    parts = [part.strip() for part in text.split("^")]
    family = parts[0]
    # XPN.2 is the given name, XPN.3 "second and further given names".
    given = " ".join(part for part in parts[1:3] if part)
    return PersonName(given=_clean(given), surnames=split_surnames(family))


def _from_natural_order(text: str) -> PersonName:
    words = _group_particles(text.split())
    if len(words) <= 1:
        return PersonName(given=text, surnames=[])
    if len(words) == 2:
        return PersonName(given=words[0], surnames=[words[1]])
    given_count = 2 if fold(words[1]) in _SECOND_GIVEN_NAMES else 1
    if len(words) >= 4:
        given_count = len(words) - 2
    return PersonName(given=" ".join(words[:given_count]), surnames=split_surnames(
        " ".join(words[given_count:])
    ))


def _group_particles(words: list[str]) -> list[str]:
    grouped: list[str] = []
    pending: list[str] = []
    for word in words:
        if fold(word) in _PARTICLES:
            pending.append(word)
            continue
        grouped.append(" ".join([*pending, word]))
        pending = []
    if pending:
        grouped.append(" ".join(pending))
    return grouped


def _clean(text: str) -> str:
    return _SPACES.sub(" ", text).strip()


def _display_case(text: str) -> str:
    letters = [ch for ch in text if ch.isalpha()]
    if letters and all(ch.isupper() for ch in letters):
        return text.title()
    return text
