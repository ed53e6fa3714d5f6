"""Value types of the practice file: clock times, spans, weekdays, phones, NPIs, zones.

Each parser takes what YAML hands over (a string, sometimes an int or a date) and
raises ValueError with a message that names the value, the rule and the fix; the
schema turns those into `path: reason` lines.
"""

from __future__ import annotations

import re
from datetime import time
from typing import Annotated, Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import langcodes
import phonenumbers
from pydantic import BaseModel, BeforeValidator, ConfigDict, PlainSerializer, model_validator

WEEKDAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
_FULL_WEEKDAYS = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")
SUPPORTED_LANGUAGES = ("en", "es")

_CLOCK = re.compile(r"^(\d{1,2}):(\d{2})$")
_LANGUAGE = re.compile(r"^[a-z]{2,3}$")
_NUCC = re.compile(r"^[0-9]{3}[0-9A-Z]{6}X$")
_CPT = re.compile(r"^[0-9]{4}[0-9FTU]$")
_KEY = re.compile(r"^[a-z][a-z0-9]*(?:_[a-z0-9]+)*$")
_POSTAL = re.compile(r"^[0-9]{5}(?:-[0-9]{4})?$")
_STATE = re.compile(r"^[A-Z]{2}$")


class Strict(BaseModel):
    """A section of the file: unknown fields are mistakes, not silently ignored."""

    model_config = ConfigDict(extra="forbid", frozen=True)


def parse_clock(value: object) -> time:
    if isinstance(value, time):
        return value.replace(second=0, microsecond=0)
    match = _CLOCK.match(str(value).strip()) if isinstance(value, str) else None
    if match is None:
        raise ValueError(f'{value!r} is not a time of day; write it as 24-hour HH:MM, e.g. "07:30"')
    hours, minutes = int(match.group(1)), int(match.group(2))
    if hours > 23 or minutes > 59:
        raise ValueError(f"{value!r} is not a time of day; hours go 00-23 and minutes 00-59")
    return time(hours, minutes)


def format_clock(value: time) -> str:
    return value.strftime("%H:%M")


Clock = Annotated[
    time, BeforeValidator(parse_clock), PlainSerializer(format_clock, return_type=str)
]


class Span(Strict):
    """A stretch of one day, `start` before `end`, in a site's local time."""

    start: Clock
    end: Clock

    @model_validator(mode="before")
    @classmethod
    def _from_text(cls, value: Any) -> Any:
        if not isinstance(value, str):
            return value
        parts = value.split("-")
        if len(parts) != 2:
            raise ValueError(
                f'{value!r} is not a span; write it as "HH:MM-HH:MM", e.g. "08:00-17:00"'
            )
        return {"start": parts[0].strip(), "end": parts[1].strip()}

    @model_validator(mode="after")
    def _ordered(self) -> Span:
        if self.end <= self.start:
            raise ValueError(
                f"span {self.text()} ends before it starts; spans cannot cross midnight, "
                "so give the earlier time first"
            )
        return self

    def text(self) -> str:
        return f"{format_clock(self.start)}-{format_clock(self.end)}"

    def overlaps(self, other: Span) -> bool:
        return self.start < other.end and other.start < self.end

    def contains(self, other: Span) -> bool:
        return self.start <= other.start and other.end <= self.end

    def minutes(self) -> int:
        return (self.end.hour * 60 + self.end.minute) - (self.start.hour * 60 + self.start.minute)


def _span_text(span: Span) -> str:
    return span.text()


SpanText = Annotated[Span, PlainSerializer(_span_text, return_type=str)]


def parse_weekday(value: object) -> str:
    text = str(value).strip().lower()
    if text in WEEKDAYS:
        return text
    if text in _FULL_WEEKDAYS:
        return WEEKDAYS[_FULL_WEEKDAYS.index(text)]
    raise ValueError(f"{value!r} is not a weekday; use one of {', '.join(WEEKDAYS)}")


Weekday = Annotated[str, BeforeValidator(parse_weekday)]


def parse_weekdays(value: object) -> list[str]:
    """`mon`, `[mon, wed]`, `mon-fri` or `"mon, wed"` → the weekdays, Monday first."""
    if isinstance(value, list | tuple):
        days = [parse_weekday(item) for item in value]
    elif isinstance(value, str) and "-" in value:
        first, _, last = (part.strip() for part in value.partition("-"))
        start, stop = WEEKDAYS.index(parse_weekday(first)), WEEKDAYS.index(parse_weekday(last))
        if stop < start:
            raise ValueError(
                f"{value!r} runs backwards; write the range Monday-first, e.g. mon-fri"
            )
        days = list(WEEKDAYS[start : stop + 1])
    elif isinstance(value, str):
        days = [parse_weekday(item) for item in value.split(",") if item.strip()]
    else:
        raise ValueError(f"{value!r} is not a weekday or a list of weekdays, e.g. [mon, wed]")
    if not days:
        raise ValueError("no weekday given; name at least one, e.g. [mon]")
    return sorted(set(days), key=WEEKDAYS.index)


Weekdays = Annotated[list[str], BeforeValidator(parse_weekdays)]


def parse_phone(value: object) -> str:
    text = str(value).strip()
    try:
        number = phonenumbers.parse(text, "US")
    except phonenumbers.NumberParseException as exc:
        raise ValueError(
            f"{text!r} is not a phone number; write it in E.164, e.g. +15595550100"
        ) from exc
    if not phonenumbers.is_valid_number(number):
        raise ValueError(
            f"{text!r} is not a valid phone number; write it in E.164, e.g. +15595550100"
        )
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)


Phone = Annotated[str, BeforeValidator(parse_phone)]


def npi_is_valid(npi: str) -> bool:
    """The NPI check digit: Luhn over the number prefixed with 80840 (the US health-card prefix)."""
    if not re.fullmatch(r"[12][0-9]{9}", npi):
        return False
    total = 0
    for position, char in enumerate(reversed("80840" + npi)):
        digit = int(char)
        if position % 2 == 1:
            digit = digit * 2 - 9 if digit > 4 else digit * 2
        total += digit
    return total % 10 == 0


def parse_npi(value: object) -> str:
    text = str(value).strip()
    if not re.fullmatch(r"[0-9]{10}", text):
        raise ValueError(f"NPI {text!r} must be exactly 10 digits")
    if not npi_is_valid(text):
        raise ValueError(
            f"NPI {text!r} fails the NPI check digit (Luhn with prefix 80840); "
            "copy it again from the NPPES registry"
        )
    return text


Npi = Annotated[str, BeforeValidator(parse_npi)]


def parse_zone(value: object) -> str:
    text = str(value).strip()
    try:
        ZoneInfo(text)
    except (ZoneInfoNotFoundError, ValueError) as exc:
        raise ValueError(
            f"{text!r} is not an IANA time zone; use a name like America/Los_Angeles"
        ) from exc
    return text


TimeZone = Annotated[str, BeforeValidator(parse_zone)]


def _pattern(regex: re.Pattern[str], what: str, example: str) -> BeforeValidator:
    def check(value: object) -> str:
        text = str(value).strip()
        if not regex.fullmatch(text):
            raise ValueError(f"{text!r} is not {what}; e.g. {example}")
        return text

    return BeforeValidator(check)


Key = Annotated[str, _pattern(_KEY, "a snake_case key", "physical_therapy")]
def _language(value: object) -> str:
    """An ISO 639 code in its shortest standard form ("spa" is "es"), so a provider's
    languages compare with the caller's; a typo such as "sp" is refused, not saved to
    match nobody."""
    text = str(value).strip().lower()
    if not _LANGUAGE.fullmatch(text) or not langcodes.tag_is_valid(text):
        raise ValueError(f"{text!r} is not an ISO 639 language code; e.g. es, en, hmn")
    return langcodes.standardize_tag(text)


Language = Annotated[str, BeforeValidator(_language)]
NuccCode = Annotated[
    str, _pattern(_NUCC, "a NUCC taxonomy code (10 characters ending in X)", "207N00000X")
]
CptCode = Annotated[str, _pattern(_CPT, "a CPT code (five characters)", "99203")]
PostalCode = Annotated[str, _pattern(_POSTAL, "a US ZIP code", "93291")]
StateCode = Annotated[str, _pattern(_STATE, "a two-letter state code", "CA")]
