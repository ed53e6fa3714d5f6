"""The referral as integrators send it (API.md's referral shape), validated."""

from __future__ import annotations

import re
from collections.abc import Mapping
from datetime import date
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

from referraldesk.errors import InvalidArgument
from referraldesk.patients.schemas import invalid_from
from referraldesk.referrals.referrers import practice_name

# ICD-10-CM: a letter, a digit, a digit or letter, then up to four characters after
# the dot ("M25.561", "W11.XXXA", "L84").
ICD10_PATTERN = re.compile(r"^[A-Z][0-9][0-9A-Z](\.[0-9A-Z]{1,4})?$")
_URGENCY_WORDS = {
    "routine": "routine",
    "r": "routine",
    "rutina": "routine",
    "normal": "routine",
    "elective": "routine",
    "urgent": "urgent",
    "u": "urgent",
    "urgente": "urgent",
    "stat": "urgent",
    "s": "urgent",
    "asap": "urgent",
}


class ReferralIn(BaseModel):
    """A referral: `specialty` as a snake_case key or a plain name ("Orthopedics")."""

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    patient_id: str = Field(min_length=1, max_length=32)
    specialty: str = Field(min_length=1, max_length=100)
    # Required, but may be blank: a referral without a reason is kept and asks for one.
    reason: str = Field(max_length=4000)
    urgency: Literal["routine", "urgent"] = "routine"
    referring_provider: str = Field(min_length=1, max_length=200)
    referring_practice: str = Field(min_length=1, max_length=200)
    referring_npi: str | None = None
    icd10: list[str] = Field(default_factory=list)
    notes: str | None = Field(default=None, max_length=20000)
    placer_id: str | None = Field(default=None, max_length=64)
    requested_provider_id: str | None = Field(default=None, max_length=32)
    authorization_number: str | None = Field(default=None, max_length=64)
    authorization_from: date | None = None
    authorization_until: date | None = None
    # True when the plan needs prior authorization for this visit; an
    # authorization_number implies it. It sets the urgent target (96 h, else 48 h).
    authorization_required: bool | None = None

    @field_validator("urgency", mode="before")
    @classmethod
    def _urgency_word(cls, value: object) -> object:
        if isinstance(value, str):
            return _URGENCY_WORDS.get(value.strip().lower(), value)
        return value

    @field_validator("referring_practice", mode="before")
    @classmethod
    def _practice_name(cls, value: object) -> object:
        # Before the length check, which counts the name as kept.
        if not isinstance(value, str):
            return value
        try:
            return practice_name(value)
        except InvalidArgument as exc:
            raise ValueError(exc.message) from exc

    @field_validator("referring_npi")
    @classmethod
    def _npi_shape(cls, value: str | None) -> str | None:
        # Shape only: referring EHRs send test and legacy NPIs that fail the check
        # digit, and refusing the referral for that would lose the patient.
        if value is None or value == "":
            return None
        if not re.fullmatch(r"\d{10}", value):
            raise ValueError(f"referring_npi {value!r} is not an NPI: it must be ten digits")
        return value

    @field_validator("icd10")
    @classmethod
    def _icd10_codes(cls, value: list[str]) -> list[str]:
        given = [code for code in value if code and code.strip()]
        pairs = [(code, normalize_icd10(code)) for code in given]
        bad = [original for original, code in pairs if code is None]
        if bad:
            raise ValueError(
                f"not ICD-10-CM code(s): {', '.join(map(repr, bad))}; write them like M25.561 "
                "or W11.XXXA"
            )
        return [code for _, code in pairs if code is not None]


def normalize_icd10(code: str) -> str | None:
    """Return the code upper-cased with its dot ("m25561" -> "M25.561"), or None if malformed."""
    cleaned = code.strip().upper().replace(" ", "")
    if "." not in cleaned and len(cleaned) > 3:
        cleaned = f"{cleaned[:3]}.{cleaned[3:]}"
    return cleaned if ICD10_PATTERN.match(cleaned) else None


def parse_referral(data: Mapping[str, Any] | ReferralIn) -> ReferralIn:
    """Validate a referral payload, reporting every problem in one InvalidArgument."""
    if isinstance(data, ReferralIn):
        return data
    try:
        return ReferralIn.model_validate(dict(data))
    except ValidationError as exc:
        raise invalid_from(exc) from exc
