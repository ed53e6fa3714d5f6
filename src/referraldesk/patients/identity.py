"""Finding the patient a caller or a message means, without ever guessing.

The date of birth must be equal: it is filtered in SQL through its blind index
(names and dates are encrypted at rest, see db/encrypted.py), and a name alone
never matches anyone. Among the patients born that day, names are compared after
folding (accents, case, hyphens), as bags of words (so "María" + "José Pérez Núñez"
is the same as "María José" + "Pérez Núñez", and surnames may come in either
order), and with rapidfuzz for small misspellings.

A match has a strength:

- exact: the same folded words;
- close: the same number of words, each pair at least TOKEN_MATCH_THRESHOLD alike
  and the whole names at least NAME_MATCH_THRESHOLD alike ("Angel Nunes");
- partial: one name's words all found, unchanged, in the other's, starting with the
  same first given name and sharing a surname ("María López" for "María Elena López
  García").

One exact match wins over close ones (twins "Mario" and "María" born the same day:
the caller who says "María" is María). Any other combination of two or more matches
is Ambiguous: the conversation must ask for something else, not pick one.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime
from enum import IntEnum

from rapidfuzz import fuzz
from sqlalchemy import select
from sqlalchemy.orm import Session, selectinload

from referraldesk.db.encrypted import blind_match
from referraldesk.errors import Ambiguous, InvalidArgument, NotFound
from referraldesk.logging import get_logger
from referraldesk.models import Patient, PatientPhone
from referraldesk.patients.names import parse_stored_name, tokens
from referraldesk.patients.phones import normalize_phone

log = get_logger(__name__)

# rapidfuzz ratio (0-100) of two whole folded names, words sorted. 85 accepts one or
# two slips in a typical two-to-four word name ("Nunes" for "Nunez", a dropped
# accent the speech recognizer spelled out) and refuses different surnames.
NAME_MATCH_THRESHOLD = 85
# One word against one word: 80 is one slip in a five-letter word ("lopes"/"lopez").
TOKEN_MATCH_THRESHOLD = 80

NOT_FOUND_MESSAGE = (
    "no patient matches that name and date of birth; check both with the caller, "
    "or register them as a new patient"
)
AMBIGUOUS_MESSAGE = (
    "more than one patient matches that name and date of birth; ask for another "
    "detail (the full name with both surnames, or the phone number on file)"
)


class Strength(IntEnum):
    PARTIAL = 1
    CLOSE = 2
    EXACT = 3


@dataclass(frozen=True)
class NameParts:
    """A name as folded words: given names, then surnames."""

    given: tuple[str, ...]
    surnames: tuple[str, ...]

    @classmethod
    def of(cls, given_names: str, surnames: Sequence[str]) -> NameParts:
        return cls(tuple(tokens(given_names)), tuple(t for s in surnames for t in tokens(s)))

    @property
    def words(self) -> tuple[str, ...]:
        return (*self.given, *self.surnames)


def find_patient(
    session: Session, given_names: str, surnames: Sequence[str] | str, dob: date | str
) -> Patient:
    """Return the one active patient with this date of birth and a matching name.

    `surnames` may be a list or one string ("Pérez Núñez"); when it is empty the
    given names are read as a whole name ("María López"). Raises NotFound (the
    message never says which part was wrong), Ambiguous when two or more patients
    match, InvalidArgument when the name has no given name or no surname.
    """
    caller = _caller_name(given_names, surnames)
    birth_date = _as_date(dob)
    candidates = session.scalars(
        select(Patient)
        .where(blind_match(Patient.dob_index, "dob", birth_date.isoformat()),
               Patient.status == "active")
        .options(selectinload(Patient.phones))
    ).all()
    scored = [
        (strength, patient)
        for patient in candidates
        if (strength := name_strength(caller, NameParts.of(patient.given_names, patient.surnames)))
    ]
    return _pick(scored, len(candidates))


def find_by_phone(session: Session, phone_text: str) -> list[Patient]:
    """Return the active patients with this phone on file (any format), oldest first."""
    e164 = normalize_phone(phone_text)
    return list(
        session.scalars(
            select(Patient)
            .join(PatientPhone, PatientPhone.patient_id == Patient.id)
            .where(blind_match(PatientPhone.e164_index, "phone", e164), Patient.status == "active")
            .order_by(Patient.created_at, Patient.id)
            .distinct()
        ).all()
    )


def name_strength(caller: NameParts, stored: NameParts) -> Strength | None:
    """Return how well two names match, or None when they are different people."""
    if sorted(caller.words) == sorted(stored.words):
        return Strength.EXACT
    if _is_close(caller, stored):
        return Strength.CLOSE
    if _is_partial(caller, stored) or _is_partial(stored, caller):
        return Strength.PARTIAL
    return None


def _is_close(a: NameParts, b: NameParts) -> bool:
    if len(a.words) != len(b.words):
        return False
    if _match_words(a.words, b.words) is None:
        return False
    whole = fuzz.token_sort_ratio(" ".join(a.words), " ".join(b.words))
    return whole >= NAME_MATCH_THRESHOLD


def _is_partial(smaller: NameParts, larger: NameParts) -> bool:
    """True when every word of `smaller` is in `larger`, as described in the module doc.

    Words must be equal here (after folding): a missing word and a misspelling
    together are too much leniency for one match.
    """
    if len(smaller.words) < 2 or len(smaller.words) >= len(larger.words):
        return False
    if not smaller.given or not larger.given or smaller.given[0] != larger.given[0]:
        return False
    pairs = _match_words(smaller.words, larger.words, threshold=100)
    if pairs is None:
        return False
    first_surname = len(smaller.given)
    larger_surnames = range(len(larger.given), len(larger.words))
    return any(i >= first_surname and j in larger_surnames for i, j in pairs)


def _match_words(
    small: Sequence[str], large: Sequence[str], threshold: float = TOKEN_MATCH_THRESHOLD
) -> list[tuple[int, int]] | None:
    """Pair every word of `small` with a distinct alike word of `large`, best pairs first."""
    scored = sorted(
        (
            (fuzz.ratio(word, other), i, j)
            for i, word in enumerate(small)
            for j, other in enumerate(large)
        ),
        reverse=True,
    )
    pairs: list[tuple[int, int]] = []
    used_small: set[int] = set()
    used_large: set[int] = set()
    for score, i, j in scored:
        if score < threshold:
            break
        if i in used_small or j in used_large:
            continue
        pairs.append((i, j))
        used_small.add(i)
        used_large.add(j)
    return pairs if len(pairs) == len(small) else None


def _pick(scored: list[tuple[Strength, Patient]], born_that_day: int) -> Patient:
    if not scored:
        log.info("patient_match", outcome="not_found", candidates=born_that_day)
        raise NotFound(NOT_FOUND_MESSAGE)
    best = max(strength for strength, _ in scored)
    top = [patient for strength, patient in scored if strength == best]
    others = [strength for strength, _ in scored if strength != best]
    exact_beats_close = best == Strength.EXACT and all(s == Strength.CLOSE for s in others)
    if len(top) > 1 or (others and not exact_beats_close):
        log.info(
            "patient_match", outcome="ambiguous", candidates=born_that_day, matches=len(scored)
        )
        raise Ambiguous(AMBIGUOUS_MESSAGE)
    log.info("patient_match", outcome="found", patient_id=top[0].id, strength=best.name.lower())
    return top[0]


def _caller_name(given_names: str, surnames: Sequence[str] | str) -> NameParts:
    surname_list = [surnames] if isinstance(surnames, str) else list(surnames)
    surname_list = [s for s in surname_list if s and s.strip()]
    if not surname_list:
        parsed = parse_stored_name(given_names or "")
        given_names, surname_list = parsed.given, parsed.surnames
    name = NameParts.of(given_names or "", surname_list)
    if not name.given or not name.surnames:
        missing = "a given name" if not name.given else "a surname"
        raise InvalidArgument(
            f"the name needs {missing}: a patient is found by given name, surname and "
            "date of birth together",
            field="surnames" if name.given else "given_names",
        )
    return name


def _as_date(value: date | str) -> date:
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    try:
        return date.fromisoformat(str(value))
    except ValueError as exc:
        raise InvalidArgument(
            "the date of birth is not an ISO date; send it as YYYY-MM-DD (1985-04-03)",
            field="dob",
        ) from exc
