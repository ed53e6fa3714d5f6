"""The values that identify one patient, and whether a piece of text carries any of them.

Used twice: to find rows about the patient that no key links to (a staff tool call,
an intake message that failed before it named a referral), and to refuse a note or a
reason that would put the patient's details into the request log or the audit trail.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

from referraldesk.errors import InvalidArgument
from referraldesk.models import Patient
from referraldesk.patients.names import fold

# Shorter values (a two-letter surname, a four-digit member id) match too much text.
MIN_VALUE = 5


@dataclass(frozen=True)
class Identifiers:
    patient_id: str
    phones: tuple[str, ...]
    member_ids: tuple[str, ...]
    dob_forms: tuple[str, ...]
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
        digits = "".join(ch for ch in text if ch.isdigit())
        if any(value in text or (value.isdigit() and value in digits)
               for value in self.exact_values()):
            return True
        folded = fold(text)
        has_dob = any(form in text for form in self.dob_forms)
        return has_dob and any(surname in folded for surname in self.surnames)

    def found_in_data(self, data: Any) -> bool:
        return data is not None and self.found_in(json.dumps(data, default=str, ensure_ascii=False))


def identifiers_of(patient: Patient) -> Identifiers:
    dob = patient.dob
    return Identifiers(
        patient_id=patient.id,
        phones=tuple(phone.e164 for phone in patient.phones),
        member_ids=tuple(c.member_id for c in patient.coverages if c.member_id),
        dob_forms=(dob.isoformat(), dob.strftime("%Y%m%d"), dob.strftime("%m/%d/%Y")),
        surnames=tuple(fold(s) for s in patient.surnames if len(fold(s)) >= 3),
        given_names=tuple(fold(g) for g in patient.given_names.split() if len(fold(g)) >= 3),
    )


def refuse_patient_details(text: str | None, patient: Patient, field: str) -> None:
    """Refuse a note or reason that carries the patient's name, birth date or phone.

    These texts go to the request log and the audit trail, which outlive an erasure.
    """
    if not text:
        return
    ids = identifiers_of(patient)
    folded = fold(text)
    words = set(folded.split())
    named = any(name in words for name in (*ids.surnames, *ids.given_names))
    if named or ids.found_in(text) or any(form in text for form in ids.dob_forms):
        raise InvalidArgument(
            f"the {field} must not contain the patient's name, date of birth, phone or "
            "member id (it is kept after an erasure); refer to the patient by the record only",
            field=field,
        )
