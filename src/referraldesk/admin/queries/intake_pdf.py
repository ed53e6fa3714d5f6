"""A PDF's fields as the review form shows them: label, value, confidence, how sure to look."""

from __future__ import annotations

from dataclasses import dataclass

from referraldesk.intake.pdf.fields import FIELDS
from referraldesk.models.intake import IntakeMessage

LABELS = {
    "placer_id": "Their reference number", "referring_practice": "Referring practice",
    "referring_provider": "Referring provider", "referring_provider_npi": "Referring NPI",
    "patient_given": "Patient's given names", "patient_surnames": "Patient's surnames",
    "patient_dob": "Date of birth (YYYY-MM-DD)", "patient_phone": "Patient's phone",
    "preferred_language": "Language (en or es)", "plan": "Health plan",
    "member_id": "Member id", "specialty": "Specialty", "reason": "Reason for referral",
    "icd10": "Diagnosis codes (ICD-10)", "urgency": "Urgency (routine or urgent)",
}
# Below this a person should read the field against the document.
CHECK_BELOW = 0.8


@dataclass(frozen=True)
class ReviewField:
    name: str
    label: str
    value: str
    confidence: float
    corrected: bool

    @property
    def needs_a_look(self) -> bool:
        return not self.corrected and self.confidence < CHECK_BELOW

    @property
    def percent(self) -> int:
        return round(self.confidence * 100)


def pdf_review_fields(message: IntakeMessage) -> list[ReviewField]:
    stored = (message.extracted or {}).get("fields", {})
    fields = []
    for name in FIELDS:
        item = stored.get(name) or {}
        fields.append(ReviewField(name, LABELS[name], str(item.get("value", "")),
                                  float(item.get("confidence", 0.0)),
                                  bool(item.get("corrected"))))
    return fields
