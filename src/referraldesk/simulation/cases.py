"""Caller cases as typed values, read from their YAML files (format: cases/README.md)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time
from pathlib import Path
from typing import Any

import yaml

from referraldesk.errors import InvalidArgument

OUTCOMES = (
    "booked",
    "rescheduled",
    "cancelled",
    "transferred",
    "answered",
    "refused",
    "emergency",
    "abandoned",
)
CHANNELS = ("chat", "sms", "voice")
WEEKDAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")


class CaseError(InvalidArgument):
    """A case file that cannot be played; the message lists every problem in it."""


@dataclass(frozen=True)
class PatientFacts:
    given: str
    surnames: tuple[str, ...]
    dob: date
    plan: str
    preferred_language: str = "en"


@dataclass(frozen=True)
class ReferralFacts:
    specialty: str
    referring_provider: str
    referring_practice: str
    reason: str
    urgency: str = "routine"


@dataclass(frozen=True)
class AppointmentFacts:
    specialty: str
    in_days: int
    local_time: time


@dataclass(frozen=True)
class AppointmentExpectation:
    specialty: str | None = None
    local_start_before: time | None = None
    local_start_after: time | None = None
    weekday_in: tuple[str, ...] = ()
    in_network: bool | None = None


@dataclass(frozen=True)
class Expectation:
    outcome: str
    appointment: AppointmentExpectation | None = None
    referral_status: str | None = None
    language: str | None = None
    max_turns: int | None = None
    never_said: tuple[str, ...] = ()


@dataclass(frozen=True)
class CallerCase:
    id: str
    about: str
    now: datetime
    channel: str
    language: str
    phone: str | None
    patient: PatientFacts | None
    referral: ReferralFacts | None
    appointments: tuple[AppointmentFacts, ...]
    says: dict[str, str]
    expect: Expectation
    path: Path | None = None

    @property
    def caller_language(self) -> str:
        """The language the caller answers in once past the opening: the one it ends in."""
        return self.expect.language or self.language


def load_case(path: Path | str) -> CallerCase:
    """Read and check one case file; CaseError names the file and every problem."""
    source = Path(path)
    try:
        raw = yaml.safe_load(source.read_text(encoding="utf-8"))
    except (OSError, yaml.YAMLError) as exc:
        raise CaseError(f"{source}: cannot be read as YAML ({exc})", field="path") from exc
    return parse_case(raw, source)


def parse_case(raw: Any, source: Path | None = None) -> CallerCase:
    """Build a case from its YAML mapping, reporting every problem at once."""
    where = str(source) if source else "case"
    if not isinstance(raw, dict):
        raise CaseError(f"{where}: a case is a mapping of fields (id, now, channel, ...)")
    problems: list[str] = []
    case = _build(raw, problems, source)
    if problems or case is None:
        raise CaseError(f"{where}: " + "; ".join(problems))
    return case


def _build(raw: dict[str, Any], problems: list[str], source: Path | None) -> CallerCase | None:
    now = raw.get("now")
    if not isinstance(now, datetime) or now.tzinfo is None:
        problems.append("now: give an ISO 8601 instant with its offset (2026-03-04T09:15:00-08:00)")
    channel = raw.get("channel")
    if channel not in CHANNELS:
        problems.append(f"channel: {channel!r} is not one of {', '.join(CHANNELS)}")
    language = raw.get("language")
    if language not in ("en", "es"):
        problems.append(f"language: {language!r} is not en or es")
    if not raw.get("id"):
        problems.append("id: missing")
    caller = raw.get("caller") or {}
    patient = _patient(caller.get("patient"), problems)
    referral = _referral(caller.get("referral"), problems)
    appointments = tuple(_appointments(caller.get("appointments"), problems))
    says = {str(key): str(value) for key, value in (raw.get("says") or {}).items()}
    if "opening" not in says:
        problems.append("says.opening: the caller's first words are missing")
    expect = _expect(raw.get("expect"), problems)
    if problems or expect is None or not isinstance(now, datetime):
        return None
    return CallerCase(
        id=str(raw["id"]),
        about=str(raw.get("about", "")),
        now=now,
        channel=str(channel),
        language=str(language),
        phone=caller.get("phone"),
        patient=patient,
        referral=referral,
        appointments=appointments,
        says=says,
        expect=expect,
        path=source,
    )


def _patient(raw: Any, problems: list[str]) -> PatientFacts | None:
    if raw is None:
        return None
    missing = [key for key in ("given", "surnames", "dob", "plan") if not raw.get(key)]
    if missing:
        problems.append(f"caller.patient: missing {', '.join(missing)}")
        return None
    if not isinstance(raw["dob"], date):
        problems.append("caller.patient.dob: write it as YYYY-MM-DD")
        return None
    return PatientFacts(
        given=str(raw["given"]),
        surnames=tuple(str(s) for s in raw["surnames"]),
        dob=raw["dob"],
        plan=str(raw["plan"]),
        preferred_language=str(raw.get("preferred_language", "en")),
    )


def _referral(raw: Any, problems: list[str]) -> ReferralFacts | None:
    if raw is None:
        return None
    missing = [
        key for key in ("specialty", "referring_provider", "referring_practice") if not raw.get(key)
    ]
    if missing:
        problems.append(f"caller.referral: missing {', '.join(missing)}")
        return None
    return ReferralFacts(
        specialty=str(raw["specialty"]),
        referring_provider=str(raw["referring_provider"]),
        referring_practice=str(raw["referring_practice"]),
        reason=str(raw.get("reason", "")),
        urgency=str(raw.get("urgency", "routine")),
    )


def _appointments(raw: Any, problems: list[str]) -> list[AppointmentFacts]:
    found = []
    for number, item in enumerate(raw or [], start=1):
        try:
            found.append(
                AppointmentFacts(
                    specialty=str(item["specialty"]),
                    in_days=int(item["in_days"]),
                    local_time=time.fromisoformat(str(item["local_time"])),
                )
            )
        except (KeyError, TypeError, ValueError):
            problems.append(
                f"caller.appointments[{number}]: needs specialty, in_days and local_time (HH:MM)"
            )
    return found


def _expect(raw: Any, problems: list[str]) -> Expectation | None:
    if not isinstance(raw, dict) or raw.get("outcome") not in OUTCOMES:
        problems.append(f"expect.outcome: give one of {', '.join(OUTCOMES)}")
        return None
    return Expectation(
        outcome=str(raw["outcome"]),
        appointment=_appointment_expectation(raw.get("appointment"), problems),
        referral_status=raw.get("referral_status"),
        language=raw.get("language"),
        max_turns=int(raw["max_turns"]) if raw.get("max_turns") is not None else None,
        never_said=tuple(str(s) for s in raw.get("never_said") or ()),
    )


def _appointment_expectation(raw: Any, problems: list[str]) -> AppointmentExpectation | None:
    if raw is None:
        return None
    weekdays = tuple(str(day).lower()[:3] for day in raw.get("weekday_in") or ())
    unknown = [day for day in weekdays if day not in WEEKDAYS]
    if unknown:
        problems.append(f"expect.appointment.weekday_in: {unknown} are not weekday keys (mon..sun)")
    try:
        before = _local_time(raw.get("local_start_before"))
        after = _local_time(raw.get("local_start_after"))
    except ValueError:
        problems.append("expect.appointment: local_start_before/after are HH:MM")
        return None
    return AppointmentExpectation(
        specialty=raw.get("specialty"),
        local_start_before=before,
        local_start_after=after,
        weekday_in=weekdays,
        in_network=raw.get("in_network"),
    )


def _local_time(value: Any) -> time | None:
    return None if value is None else time.fromisoformat(str(value))
