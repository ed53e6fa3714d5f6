"""The shape `understand` returns (API.md, "understanding")."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field


class Name(BaseModel):
    """A caller's name as said: given names and one or two surnames."""

    model_config = ConfigDict(frozen=True)

    given: str | None = None
    surnames: list[str] = Field(default_factory=list)


class Window(BaseModel):
    """When the caller can come: local 'HH:MM' bounds and weekday keys ('mon'...'sun')."""

    model_config = ConfigDict(frozen=True)

    after: str | None = None
    before: str | None = None
    weekdays: list[str] = Field(default_factory=list)


class DateRange(BaseModel):
    """A span of days the caller named ("next week", "el mes que viene"): ISO dates, inclusive."""

    model_config = ConfigDict(frozen=True)

    start: str
    end: str


class Understanding(BaseModel):
    """What one caller turn says, in the API's JSON shape plus a few confirmation flags.

    `dob_ambiguous` is True when a numeric date of birth reads differently day-first and
    month-first (`dob_alternative` holds the other reading), `phone_invalid` when digits
    that look like a phone number are not a valid US number, and `plan_candidates` lists
    the plans a loose plan name could mean when it fits more than one. `date_range` is
    the span a caller named as a whole ("this week", "la próxima semana", "next month"),
    None when they named none.
    """

    model_config = ConfigDict(frozen=True)

    language: str
    intent: str | None = None
    dates: list[str] = Field(default_factory=list)
    times: list[str] = Field(default_factory=list)
    window: Window | None = None
    dob: str | None = None
    name: Name = Field(default_factory=Name)
    phone: str | None = None
    plan: str | None = None
    specialty: str | None = None
    yes_no: bool | None = None
    dob_ambiguous: bool = False
    dob_alternative: str | None = None
    phone_invalid: bool = False
    plan_candidates: list[str] = Field(default_factory=list)
    date_range: DateRange | None = None
