"""The practice file: one YAML document that configures the whole practice.

Sections: `practice` (name, phones, zone, languages, coverage, policy), `locations`,
`closures`, `specialties`, `plans`, `referring_practices`, `providers`, `services`.
Each item is checked on its own here; what refers to what (a provider's site, plan
or specialty) is checked in `checks.py`, so one pass reports every problem.
"""

from __future__ import annotations

import datetime as dt
from typing import Literal

from pydantic import Field, field_validator, model_validator

from referraldesk.practice.fields import (
    SUPPORTED_LANGUAGES,
    Clock,
    CptCode,
    Key,
    Language,
    Npi,
    NuccCode,
    Phone,
    PostalCode,
    Span,
    SpanText,
    StateCode,
    Strict,
    TimeZone,
    Weekday,
    Weekdays,
)

PLAN_KINDS = ("medi_cal", "medicare", "commercial", "workers_comp", "self_pay")
PlanKind = Literal["medi_cal", "medicare", "commercial", "workers_comp", "self_pay"]


class TimelyAccess(Strict):
    """California's timely-access targets for specialist care, overridable per practice."""

    urgent_hours: int = Field(default=96, ge=1, le=24 * 30)
    urgent_no_auth_hours: int = Field(default=48, ge=1, le=24 * 30)
    routine_business_days: int = Field(default=15, ge=1, le=90)


class BookingPolicy(Strict):
    # How close to its start a slot may still be booked, and how far ahead.
    min_notice_minutes: int = Field(default=60, ge=0, le=7 * 24 * 60)
    horizon_days: int = Field(default=90, ge=7, le=366)


class OutreachPolicy(Strict):
    max_attempts: int = Field(default=3, ge=1, le=10)
    retry_hours: int = Field(default=24, ge=1, le=24 * 14)
    # In the patient's own zone, not the practice's.
    calling_window: SpanText = Field(
        default_factory=lambda: Span(start=dt.time(8), end=dt.time(21))
    )
    # A referral still unbooked this many days after its target date expires.
    expire_after_target_days: int = Field(default=30, ge=0, le=365)
    # What consent a referral's phone number carries for a patient new to us: calls
    # about the referred care ("calls"), texts too ("calls_and_texts": the practice
    # collected a text opt-in), or nothing until staff record it ("none").
    consent_from_referral: Literal["none", "calls", "calls_and_texts"] = "calls"


class RetentionPolicy(Strict):
    conversation_days: int = Field(default=2190, ge=1)
    recording_days: int = Field(default=90, ge=1)


class SchedulingFeedPolicy(Strict):
    # Where SIU^S12/S13/S15 for bookings made here go: mllp://host:port or an http(s) URL
    # of the practice-management system's interface engine. None: nowhere.
    send_to: str | None = Field(default=None, pattern=r"^(mllp|https?)://\S+$", max_length=300)


class CalendarFeedPolicy(Strict):
    # What a provider's feed shows of a booking: "booked" (no PHI) or the patient's initials.
    event_title: Literal["booked", "initials"] = "booked"
    show_open_slots: bool = False


class BearerAuthConfig(Strict):
    """A fixed bearer token, read from the environment variable named here (never the YAML)."""

    type: Literal["bearer"]
    token_env: str = Field(pattern=r"^[A-Z_][A-Z0-9_]{0,63}$")


class SmartBackendAuthConfig(Strict):
    """SMART backend services: a signed JWT assertion exchanged for an access token."""

    type: Literal["smart_backend"]
    client_id: str = Field(min_length=1, max_length=200)
    token_url: str = Field(pattern=r"^https?://\S+$")
    private_key_path: str = Field(min_length=1, max_length=500)
    kid: str | None = Field(default=None, max_length=200)
    algorithm: Literal["RS384", "ES384"] = "RS384"
    # SMART v1 scopes for everything the calendar does: read Schedules, Slots and the
    # Practitioners and Locations they name; book, read back and cancel Appointments.
    scope: str = (
        "system/Schedule.read system/Slot.read system/Practitioner.read system/Location.read "
        "system/Appointment.read system/Appointment.write"
    )


class SchedulingConfig(Strict):
    """Whose calendar the agent books into: the built-in one, or a FHIR R4 server's."""

    backend: Literal["builtin", "fhir"] = "builtin"
    base_url: str | None = Field(default=None, pattern=r"^https?://\S+$")
    auth: BearerAuthConfig | SmartBackendAuthConfig | None = Field(
        default=None, discriminator="type"
    )
    timeout_seconds: float = Field(default=5.0, gt=0, le=60)
    retries: int = Field(default=2, ge=0, le=5)

    @model_validator(mode="after")
    def _fhir_needs_a_server(self) -> SchedulingConfig:
        if self.backend == "fhir" and self.base_url is None:
            raise ValueError(
                "backend fhir needs base_url, the FHIR server's base (https://ehr.example/fhir)"
            )
        if self.backend == "builtin" and (self.base_url or self.auth):
            raise ValueError("base_url and auth are for backend fhir; drop them or set backend")
        return self


class PracticePolicy(Strict):
    auto_accept_referrals: bool = False
    scheduling_feed: SchedulingFeedPolicy = SchedulingFeedPolicy()
    calendar_feeds: CalendarFeedPolicy = CalendarFeedPolicy()
    timely_access: TimelyAccess = TimelyAccess()
    minutes_saved_per_call: float = Field(default=4.0, ge=0, le=120)
    booking: BookingPolicy = BookingPolicy()
    # Streaming (ConversationRelay) answers with the latency callers expect; turn_based
    # (<Gather>) is the fallback for accounts without ConversationRelay.
    voice_transport: Literal["streaming", "turn_based"] = "streaming"
    # California needs every party's consent: a recorded call says so before anything else.
    record_calls: bool = False
    outreach: OutreachPolicy = OutreachPolicy()
    retention: RetentionPolicy = RetentionPolicy()
    # None (or backend builtin): the built-in calendar; see scheduling/backends.
    scheduling: SchedulingConfig | None = None


class PracticeInfo(Strict):
    name: str = Field(min_length=1, max_length=200)
    phone: Phone | None = None
    staff_phone: Phone | None = None
    timezone: TimeZone = "America/Los_Angeles"
    languages: list[Language] = Field(default_factory=lambda: ["en", "es"], min_length=1)
    coverage_mode: Literal["after_hours", "full_day"] = "full_day"
    policy: PracticePolicy = PracticePolicy()

    @field_validator("languages")
    @classmethod
    def _spoken(cls, value: list[str]) -> list[str]:
        unknown = [code for code in value if code not in SUPPORTED_LANGUAGES]
        if unknown:
            raise ValueError(
                f"the agent cannot speak {', '.join(unknown)}; "
                f"choose from {', '.join(SUPPORTED_LANGUAGES)}"
            )
        return value


class LocationConfig(Strict):
    key: Key
    name: str = Field(min_length=1, max_length=200)
    address: str | None = None
    city: str | None = None
    state: StateCode | None = None
    postal_code: PostalCode | None = None
    phone: Phone | None = None
    timezone: TimeZone
    hours: dict[Weekday, list[SpanText]] = Field(default_factory=dict)

    @field_validator("hours", mode="before")
    @classmethod
    def _single_span(cls, value: object) -> object:
        # `mon: "08:00-17:00"` is the common case; a list is only needed for a lunch break.
        if isinstance(value, dict):
            return {
                day: [spans] if isinstance(spans, str) else spans for day, spans in value.items()
            }
        return value

    @model_validator(mode="after")
    def _spans_apart(self) -> LocationConfig:
        for day, spans in self.hours.items():
            ordered = sorted(spans, key=lambda span: span.start)
            for before, after in zip(ordered, ordered[1:], strict=False):
                if before.overlaps(after):
                    raise ValueError(
                        f"hours on {day}: {before.text()} overlaps {after.text()}; "
                        "merge them into one span"
                    )
        return self


class ClosureConfig(Strict):
    """A holiday or closure; `until` makes it a range, `location` limits it to one site."""

    name: str = Field(min_length=1, max_length=200)
    date: dt.date
    until: dt.date | None = None
    location: Key | None = None

    @model_validator(mode="after")
    def _ordered(self) -> ClosureConfig:
        if self.until is not None and self.until < self.date:
            raise ValueError(f"closure ends ({self.until}) before it starts ({self.date})")
        return self

    @property
    def last_day(self) -> dt.date:
        return self.until or self.date


class SpecialtyConfig(Strict):
    key: Key
    nucc: NuccCode
    label_en: str = Field(min_length=1, max_length=100)
    label_es: str = Field(min_length=1, max_length=100)


class PlanConfig(Strict):
    key: Key
    name: str = Field(min_length=1, max_length=200)
    payer: str = Field(min_length=1, max_length=200)
    kind: PlanKind
    aliases: list[str] = Field(default_factory=list)


class ReferringPracticeConfig(Strict):
    name: str = Field(min_length=1, max_length=200)
    npi: Npi | None = None
    protocol: Literal["hl7_mllp", "hl7_http", "fhir", "fax", "none"] = "fax"
    endpoint: str | None = None
    fax: Phone | None = None
    email: str | None = None

    @model_validator(mode="after")
    def _reachable(self) -> ReferringPracticeConfig:
        if self.protocol in ("hl7_mllp", "hl7_http", "fhir") and not self.endpoint:
            raise ValueError(f"protocol {self.protocol} needs an endpoint to send replies to")
        if self.protocol == "fax" and not self.fax:
            raise ValueError("protocol fax needs a fax number")
        return self


class BlockConfig(Strict):
    """A weekly working span of a provider at one site."""

    days: Weekdays
    start: Clock
    end: Clock
    location: Key
    valid_from: dt.date | None = None
    valid_until: dt.date | None = None

    @model_validator(mode="after")
    def _ordered(self) -> BlockConfig:
        if self.end <= self.start:
            raise ValueError(
                f"block ends at {self.end:%H:%M}, not after its start {self.start:%H:%M}"
            )
        if self.valid_from and self.valid_until and self.valid_until < self.valid_from:
            raise ValueError(
                f"valid_until {self.valid_until} is before valid_from {self.valid_from}"
            )
        return self


class ExceptionConfig(Strict):
    """One date that differs from the week: `off` (all day, or a span) or an `extra` span."""

    date: dt.date
    kind: Literal["off", "extra"]
    start: Clock | None = None
    end: Clock | None = None
    location: Key | None = None
    reason: str | None = None

    @model_validator(mode="after")
    def _complete(self) -> ExceptionConfig:
        if (self.start is None) != (self.end is None):
            raise ValueError("give both start and end, or neither (a whole day off)")
        if self.start is not None and self.end is not None and self.end <= self.start:
            raise ValueError(f"ends at {self.end:%H:%M}, not after its start {self.start:%H:%M}")
        if self.kind == "extra" and (self.start is None or self.location is None):
            raise ValueError("an extra span needs start, end and location")
        return self


class ProviderConfig(Strict):
    npi: Npi
    title: str | None = None
    given_name: str = Field(min_length=1, max_length=100)
    family_name: str = Field(min_length=1, max_length=100)
    credentials: str | None = None
    specialty: Key
    # Defaults to the specialty's code; set it for a subspecialty.
    taxonomy: NuccCode | None = None
    languages: list[Language] = Field(default_factory=lambda: ["en"], min_length=1)
    locations: list[Key] = Field(min_length=1)
    plans: list[str] = Field(default_factory=list)
    accepting_new_patients: bool = True
    telehealth: bool = False
    slot_minutes: int = Field(default=30, ge=5, le=240)
    buffer_minutes: int = Field(default=0, ge=0, le=120)
    active: bool = True
    bio: str | None = None
    blocks: list[BlockConfig] = Field(default_factory=list)
    exceptions: list[ExceptionConfig] = Field(default_factory=list)


class ServiceConfig(Strict):
    key: Key
    name_en: str = Field(min_length=1, max_length=200)
    name_es: str = Field(min_length=1, max_length=200)
    cpt: CptCode | None = None
    duration_minutes: int = Field(ge=5, le=480)
    specialty: Key
    new_patient: bool = True


class PracticeConfig(Strict):
    """The whole file, each item valid on its own; `checks.reference_problems` does the rest."""

    practice: PracticeInfo
    locations: list[LocationConfig] = Field(default_factory=list)
    closures: list[ClosureConfig] = Field(default_factory=list)
    specialties: list[SpecialtyConfig] = Field(default_factory=list)
    plans: list[PlanConfig] = Field(default_factory=list)
    referring_practices: list[ReferringPracticeConfig] = Field(default_factory=list)
    providers: list[ProviderConfig] = Field(default_factory=list)
    services: list[ServiceConfig] = Field(default_factory=list)


SECTION_MODELS: dict[str, type[Strict]] = {
    "locations": LocationConfig,
    "closures": ClosureConfig,
    "specialties": SpecialtyConfig,
    "plans": PlanConfig,
    "referring_practices": ReferringPracticeConfig,
    "providers": ProviderConfig,
    "services": ServiceConfig,
}
