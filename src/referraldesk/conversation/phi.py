"""What a reply must not say before the caller is verified: the data of patient records.

The tools already refuse patient data before verification; this is the second line.
The records considered are those the conversation could plausibly leak: the patients
on file under the caller's number and the patient of the referral an outbound
conversation is about. A value the caller said first in this conversation (their own
name) may be repeated back; anything else from the record may not.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date

from sqlalchemy import select
from sqlalchemy.orm import Session

from referraldesk.db.encrypted import blind_match
from referraldesk.models import Conversation, Patient, PatientPhone, Referral
from referraldesk.patients.names import fold

_MONTHS = {
    "en": (
        "january",
        "february",
        "march",
        "april",
        "may",
        "june",
        "july",
        "august",
        "september",
        "october",
        "november",
        "december",
    ),
    "es": (
        "enero",
        "febrero",
        "marzo",
        "abril",
        "mayo",
        "junio",
        "julio",
        "agosto",
        "septiembre",
        "octubre",
        "noviembre",
        "diciembre",
    ),
}
# Shorter name parts ("Li", "Ma") occur inside ordinary words far too often.
_MIN_NAME_LENGTH = 3


@dataclass(frozen=True)
class PhiMarkers:
    """What identifies a record: folded names (word-bounded), folded values (exact
    substrings) and phone numbers (compared on digits alone, whatever the punctuation)."""

    names: frozenset[str] = field(default_factory=frozenset)
    values: frozenset[str] = field(default_factory=frozenset)
    digits: frozenset[str] = field(default_factory=frozenset)

    def found_in(self, reply: str, *, said_by_caller: str) -> list[str]:
        """Return the kinds of record data in `reply` that the caller did not say first."""
        folded_reply = fold(reply)
        folded_caller = fold(said_by_caller)
        kinds = []
        if any(
            _has_word(folded_reply, name) and not _has_word(folded_caller, name)
            for name in self.names
        ):
            kinds.append("name")
        if any(value in folded_reply and value not in folded_caller for value in self.values):
            kinds.append("record_value")
        reply_digits, caller_digits = _digits(reply), _digits(said_by_caller)
        if any(number in reply_digits and number not in caller_digits for number in self.digits):
            kinds.append("phone")
        return kinds


def _digits(text: str) -> str:
    return re.sub(r"\D", "", text)


def _has_word(text: str, word: str) -> bool:
    return re.search(rf"(?<!\w){re.escape(word)}(?!\w)", text) is not None


def markers_for(session: Session, conversation: Conversation) -> PhiMarkers:
    """The markers of every record this conversation could leak (empty when none)."""
    patients = _candidate_patients(session, conversation)
    names: set[str] = set()
    values: set[str] = set()
    digits: set[str] = set()
    for patient in patients:
        names.update(_name_parts(patient))
        values.update(_dob_forms(patient.dob))
        values.update(_record_values(patient))
        digits.update(_other_phones(patient, conversation.caller_phone))
    return PhiMarkers(frozenset(names), frozenset(v for v in values if v), frozenset(digits))


def _candidate_patients(session: Session, conversation: Conversation) -> list[Patient]:
    found: dict[str, Patient] = {}
    if conversation.caller_phone:
        statement = (
            select(Patient)
            .join(PatientPhone, PatientPhone.patient_id == Patient.id)
            .where(blind_match(PatientPhone.e164_index, "phone", conversation.caller_phone))
        )
        found.update({patient.id: patient for patient in session.scalars(statement)})
    if conversation.referral_id:
        referral = session.get(Referral, conversation.referral_id)
        if referral is not None:
            found[referral.patient.id] = referral.patient
    return list(found.values())


def _name_parts(patient: Patient) -> set[str]:
    parts = fold(" ".join([patient.given_names, *patient.surnames])).split()
    return {part for part in parts if len(part) >= _MIN_NAME_LENGTH}


def _dob_forms(dob: date) -> set[str]:
    forms = {
        dob.isoformat(),
        f"{dob.month:02d}/{dob.day:02d}/{dob.year}",
        f"{dob.month}/{dob.day}/{dob.year}",
        f"{dob.month:02d}/{dob.day:02d}/{dob.year % 100:02d}",
        f"{dob.day}/{dob.month}/{dob.year}",
    }
    for lang, months in _MONTHS.items():
        month = months[dob.month - 1]
        if lang == "en":
            forms.add(f"{month} {dob.day}, {dob.year}")
            forms.add(f"{month} {dob.day} {dob.year}")
        else:
            forms.add(f"{dob.day} de {month} de {dob.year}")
    return {fold(form) for form in forms}


def _record_values(patient: Patient) -> set[str]:
    values = {fold(patient.address)} if patient.address else set()
    values.update(fold(c.member_id) for c in patient.coverages if c.member_id)
    return values


def _other_phones(patient: Patient, caller_phone: str | None) -> set[str]:
    # The caller's own number is theirs to hear; another number on file is not.
    return {_digits(p.e164)[-7:] for p in patient.phones if p.e164 != caller_phone}
