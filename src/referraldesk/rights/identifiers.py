"""The values that identify one patient, and whether a piece of text carries any of them.

Used twice: to find rows about the patient that no key links to (a staff tool call,
an intake message that failed before it named a referral), and to refuse a note or a
reason that would put the patient's details into the request log or the audit trail.
"""

from __future__ import annotations

import json
import re
import unicodedata
from dataclasses import dataclass
from datetime import date
from typing import Any

from referraldesk.errors import InvalidArgument
from referraldesk.models import Patient
from referraldesk.patients.names import fold

# Shorter values (a two-letter surname, a four-digit member id) match too much text.
MIN_VALUE = 5
# Month names and abbreviations as staff write them in English and Spanish.
_MONTH_NAMES = (
    ("january", "jan", "enero", "ene"), ("february", "feb", "febrero"),
    ("march", "mar", "marzo"), ("april", "apr", "abril", "abr"), ("may", "mayo"),
    ("june", "jun", "junio"), ("july", "jul", "julio"), ("august", "aug", "agosto", "ago"),
    ("september", "sep", "sept", "septiembre", "setiembre"), ("october", "oct", "octubre"),
    ("november", "nov", "noviembre"), ("december", "dec", "diciembre", "dic"),
)
_MONTHS = {name: str(number) for number, names in enumerate(_MONTH_NAMES, 1) for name in names}
# Words inside a written date: "2 de mayo de 1980", "the 2nd of May".
_DATE_FILLERS = frozenset({"de", "del", "of", "the", "el"})
_ORDINAL = re.compile(r"([0-9]{1,2})(?:st|nd|rd|th|o)")


@dataclass(frozen=True)
class Identifiers:
    patient_id: str
    phones: tuple[str, ...]
    member_ids: tuple[str, ...]
    dob: date | None
    surnames: tuple[str, ...]
    given_names: tuple[str, ...]

    def exact_values(self) -> tuple[str, ...]:
        """Values that identify the patient on their own wherever they appear."""
        national = tuple(phone[-10:] for phone in self.phones)
        values = (self.patient_id, *self.phones, *national, *self.member_ids)
        return tuple(value for value in values if len(value) >= MIN_VALUE)

    def found_in(self, text: str) -> bool:
        """True when `text` names the patient: an exact identifier, or a surname with the DOB."""
        if not text:
            return False
        text = plain(text)
        digits = "".join(ch for ch in text if ch.isdigit())
        if any(value in text or (value.isdigit() and value in digits)
               for value in self.exact_values()):
            return True
        folded = fold(text)
        return self.has_dob(folded) and any(surname in folded for surname in self.surnames)

    def has_dob(self, folded: str) -> bool:
        """True when folded text writes the birth date, in any order, spelling or separator."""
        return self.dob is not None and mentions_date(folded, self.dob)

    def found_in_data(self, data: Any) -> bool:
        return data is not None and self.found_in(json.dumps(data, default=str, ensure_ascii=False))


def identifiers_of(patient: Patient) -> Identifiers:
    return Identifiers(
        patient_id=patient.id,
        phones=tuple(phone.e164 for phone in patient.phones),
        member_ids=tuple(c.member_id for c in patient.coverages if c.member_id),
        dob=patient.dob,
        surnames=tuple(fold(s) for s in patient.surnames if len(fold(s)) >= 3),
        given_names=tuple(fold(g) for g in patient.given_names.split() if len(fold(g)) >= 3),
    )


def refuse_patient_details(text: str | None, patient: Patient, field: str) -> None:
    """Refuse a note or reason that carries the patient's name, birth date or phone.

    These texts go to the request log and the audit trail, which outlive an erasure.
    The record id may be named: the erasure keeps it, and it is how staff are asked
    to refer to the patient.
    """
    if not text:
        return
    ids = identifiers_of(patient)
    without_record = re.sub(re.escape(patient.id), " ", text, flags=re.IGNORECASE)
    folded = fold(plain(without_record))
    named = any(_has_word(folded, name) for name in (*ids.surnames, *ids.given_names))
    if named or ids.found_in(without_record) or ids.has_dob(folded):
        raise InvalidArgument(
            f"the {field} must not contain the patient's name, date of birth, phone or "
            "member id (it is kept after an erasure); refer to the patient by the record "
            "id only",
            field=field,
        )


def plain(text: str) -> str:
    """`text` as it reads: format characters (zero-width spaces, soft hyphens) dropped,
    compatibility forms (full-width letters) made plain, every script's digits as 0-9."""
    visible = "".join(ch for ch in text if unicodedata.category(ch) != "Cf")
    return "".join(str(unicodedata.decimal(ch)) if ch.isdecimal() else ch
                   for ch in unicodedata.normalize("NFKC", visible))


def mentions_date(folded: str, day: date) -> bool:
    """True when folded text writes `day` with its year: 5/2/1980, 2-5-80, May 2nd 1980,
    2 de mayo de 1980, 1980-05-02, 19800502. Day and month are tried both ways round,
    as US and Mexican forms differ."""
    days, months = {str(day.day), f"{day.day:02d}"}, {str(day.month), f"{day.month:02d}"}
    years, long_years = {str(day.year), f"{day.year % 100:02d}"}, {str(day.year)}
    words = _date_words(folded)
    for first, second, third in zip(words, words[1:], words[2:], strict=False):
        if third in years and ((first in months and second in days)
                               or (first in days and second in months)):
            return True
        if first in long_years and second in months and third in days:
            return True
    compact = {day.strftime(form) for form in ("%Y%m%d", "%m%d%Y", "%d%m%Y", "%m%d%y", "%d%m%y")}
    return any(word in compact for word in words)


def _date_words(folded: str) -> list[str]:
    """Folded words with month names as their numbers and ordinals as plain numbers."""
    words = []
    for word in folded.split():
        if word in _DATE_FILLERS:
            continue
        ordinal = _ORDINAL.fullmatch(word)
        words.append(ordinal.group(1) if ordinal else _MONTHS.get(word, word))
    return words


def _has_word(folded: str, word: str) -> bool:
    return re.search(rf"(?<!\w){re.escape(word)}(?!\w)", folded) is not None
