"""Small readings every door shares: urgency words, language codes, display case, the
referring practice's name."""

from __future__ import annotations

from referraldesk.errors import InvalidArgument
from referraldesk.intake.facts import Problem, Urgency
from referraldesk.patients.names import fold
from referraldesk.referrals.referrers import practice_name

# HL7 table 0485 / 0280 codes and FHIR request-priority, folded: S stat, A asap,
# T timing critical are urgent; R routine, P preop, C callback and PRN are not.
_URGENT = frozenset({"s", "a", "t", "u", "stat", "asap", "urgent", "urgente", "timing critical"})
_ROUTINE = frozenset({"", "r", "p", "c", "prn", "routine", "rutina", "normal", "elective",
                      "preop", "callback", "as needed"})
_SPANISH = frozenset({"es", "spa", "spanish", "espanol", "castellano"})


def urgency_of(code: str) -> Urgency | None:
    """Return "urgent" or "routine" for a priority code or word, None when unknown."""
    folded = fold(code)
    if folded in _URGENT:
        return "urgent"
    if folded in _ROUTINE:
        return "routine"
    return None


def language_of(*codes: str) -> str:
    """Return "es" when any code names Spanish ("SPA", "es-MX", "Spanish"), else "en"."""
    for code in codes:
        folded = fold(code.split("-", 1)[0] if "-" in code else code)
        if folded in _SPANISH:
            return "es"
    return "en"


def display_case(text: str) -> str:
    """Title-case text written all in capitals ("EXETER MEDICAL GROUP"); leave the rest."""
    letters = [char for char in text if char.isalpha()]
    if letters and all(char.isupper() for char in letters):
        return text.title()
    return text


def person_name(given: str, family: str, prefix: str = "") -> str:
    """A provider's name as staff read it: "Dr. Priya Natarajan"."""
    return " ".join(part for part in (prefix, display_case(given), display_case(family)) if part)


def practice_name_at(where: str, name: str, problems: list[Problem]) -> str:
    """The referring practice's name as kept (`practice_name`); when the rule refuses it,
    `name` as sent and a problem at `where`, the field of the message that holds it."""
    try:
        return practice_name(name)
    except InvalidArgument as exc:
        problems.append(Problem(where, exc.message))
        return name
