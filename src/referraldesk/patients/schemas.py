"""The patient as integrators and tools send it (API.md's patient shape), validated."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date, time
from typing import Any, Literal

from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    ValidationError,
    ValidationInfo,
    field_validator,
)

from referraldesk.clock import now
from referraldesk.errors import InvalidArgument
from referraldesk.patients.consents import CONSENT_KINDS
from referraldesk.patients.names import printable_name
from referraldesk.patients.phones import normalize_phone
from referraldesk.scheduling.windows import (
    WEEKDAY_KEYS,
    TimeWindow,
    from_understanding,
    parse_window,
)

MAX_AGE_YEARS = 120
# Longer than any real given name or surname (HL7 XPN components are 194 at most, and
# real ones far shorter); a longer one is a mistake or an attack, refused at every door.
MAX_NAME_LENGTH = 100
_LANGUAGES = {
    "en": "en",
    "eng": "en",
    "english": "en",
    "ingles": "en",
    "inglés": "en",
    "es": "es",
    "spa": "es",
    "spanish": "es",
    "espanol": "es",
    "español": "es",
}


class PatientIn(BaseModel):
    """A new patient: `plan` by name, loosely; `phone` in any common format."""

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    given_names: str = Field(min_length=1, max_length=MAX_NAME_LENGTH)
    surnames: list[str] = Field(min_length=1, max_length=2)
    dob: date
    phone: str
    preferred_language: Literal["en", "es"] = "en"
    plan: str = Field(min_length=1, max_length=200)
    member_id: str | None = Field(default=None, max_length=64)
    # "weekdays before 08:00" or {"weekdays": ["mon"], "after": "17:00", "before": null}
    contact_windows: list[str | dict[str, Any]] = Field(default_factory=list)
    # kind -> granted, recorded with source "intake" (an extension of API.md's shape).
    consents: dict[str, bool] = Field(default_factory=dict)

    @field_validator("surnames")
    @classmethod
    def _surnames_present(cls, value: list[str]) -> list[str]:
        cleaned = [surname.strip() for surname in value]
        if any(not surname for surname in cleaned):
            raise ValueError("a surname is empty; send one or two non-empty surnames")
        if any(len(surname) > MAX_NAME_LENGTH for surname in cleaned):
            raise ValueError(f"a surname is longer than {MAX_NAME_LENGTH} characters")
        return [_printable(surname, "surnames") for surname in cleaned]

    @field_validator("given_names", "plan", "member_id")
    @classmethod
    def _no_control_characters(cls, value: str | None, info: ValidationInfo) -> str | None:
        return None if value is None else _printable(value, info.field_name or "value")

    @field_validator("dob")
    @classmethod
    def _dob_plausible(cls, value: date) -> date:
        today = now().date()
        if value > today:
            raise ValueError(f"date of birth {value.isoformat()} is in the future; check the year")
        if today.year - value.year > MAX_AGE_YEARS:
            raise ValueError(
                f"date of birth {value.isoformat()} is more than {MAX_AGE_YEARS} years ago; "
                "check the year (two-digit years are the usual slip)"
            )
        return value

    @field_validator("phone")
    @classmethod
    def _phone_e164(cls, value: str) -> str:
        try:
            e164 = normalize_phone(value)
        except InvalidArgument as exc:
            raise ValueError(exc.message) from exc
        # The practice calls and texts from US numbers within US calling hours; a
        # number abroad could be neither reached nor placed in a time zone.
        if not e164.startswith("+1"):
            raise ValueError(
                "the phone number is not a North American (+1) number; the practice can "
                "call and text only US numbers: give a US mobile or landline"
            )
        return e164

    @field_validator("preferred_language", mode="before")
    @classmethod
    def _language_code(cls, value: object) -> object:
        if isinstance(value, str):
            return _LANGUAGES.get(value.strip().lower(), value)
        return value

    @field_validator("contact_windows")
    @classmethod
    def _windows_readable(cls, value: list[str | dict[str, Any]]) -> list[str | dict[str, Any]]:
        return [stored_window(window) for item in value for window in _windows_of(item)]

    @field_validator("consents")
    @classmethod
    def _known_consents(cls, value: dict[str, bool]) -> dict[str, bool]:
        unknown = sorted(set(value) - set(CONSENT_KINDS))
        if unknown:
            raise ValueError(
                f"unknown consent kind(s) {', '.join(unknown)}; use {', '.join(CONSENT_KINDS)}"
            )
        return value


def _printable(value: str, field: str) -> str:
    try:
        return printable_name(value, field)
    except InvalidArgument as exc:
        raise ValueError(exc.message) from exc


def parse_patient(data: Mapping[str, Any] | PatientIn) -> PatientIn:
    """Validate a patient payload, reporting every problem in one InvalidArgument."""
    if isinstance(data, PatientIn):
        return data
    try:
        return PatientIn.model_validate(dict(data))
    except ValidationError as exc:
        raise invalid_from(exc) from exc


def invalid_from(exc: ValidationError) -> InvalidArgument:
    """Turn a pydantic error into one InvalidArgument naming every bad field."""
    problems = exc.errors(include_url=False, include_input=False)
    fields = [".".join(str(part) for part in problem["loc"]) or "body" for problem in problems]
    lines = [f"{field}: {problem['msg']}" for field, problem in zip(fields, problems, strict=True)]
    return InvalidArgument("; ".join(lines), field=fields[0] if fields else None)


def stored_window(window: TimeWindow) -> dict[str, Any]:
    """The JSON form of a contact window kept on Patient.contact_windows."""
    days = window.weekdays
    return {
        "weekdays": None if days is None else [WEEKDAY_KEYS[day] for day in sorted(days)],
        "after": _clock(window.after),
        "before": _clock(window.before),
    }


def _windows_of(item: str | dict[str, Any]) -> list[TimeWindow]:
    try:
        return parse_window(item) if isinstance(item, str) else from_understanding(item)
    except InvalidArgument as exc:
        raise ValueError(exc.message) from exc


def _clock(value: time | None) -> str | None:
    return None if value is None else value.strftime("%H:%M")
