"""From an HL7 v2 SIU message (a practice-management system's schedule) to `ScheduleFacts`.

SIU^S12 new booking, S13 rescheduled, S14 modified (SCH-25 may say it was kept or
missed), S15 cancelled, S26 no-show, after HL7 v2.5.1 chapter 10. Where a sender may
put a fact in more than one place, the places are tried in the order written in each
helper. Every problem is collected and raised at once.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone
from zoneinfo import ZoneInfo

from referraldesk.intake.facts import (
    INVALID,
    MISSING,
    UNSUPPORTED,
    IntakeProblems,
    PatientFacts,
    Problem,
)
from referraldesk.intake.hl7.mapping import patient_facts
from referraldesk.intake.hl7.message import Hl7Message, Segment

BOOK = "book"
MOVE = "move"
MODIFY = "modify"
CANCEL = "cancel"
NO_SHOW = "no_show"
KEPT = "kept"
TRIGGERS = {"S12": BOOK, "S13": MOVE, "S14": MODIFY, "S15": CANCEL, "S26": NO_SHOW}
SUPPORTED = "SIU^S12, SIU^S13, SIU^S14, SIU^S15 or SIU^S26"
# HL7 table 0278 (filler status codes) and the words interface engines use for them.
_STATUS_EVENTS = {
    "complete": KEPT, "completed": KEPT, "started": KEPT, "arrived": KEPT, "kept": KEPT,
    "checkedin": KEPT, "noshow": NO_SHOW, "no-show": NO_SHOW, "no_show": NO_SHOW,
    "cancelled": CANCEL, "canceled": CANCEL, "deleted": CANCEL, "dc": CANCEL,
}
_TIMESTAMP = re.compile(r"^([0-9]{12})([0-9]{2})?(?:\.[0-9]+)?([+-][0-9]{4})?$")
_WHOLE_NUMBER = re.compile(r"^\s*[+-]?[0-9]+\s*$")
_MINUTES_PER_UNIT = {"min": 1, "m": 1, "minutes": 1, "h": 60, "hr": 60, "hours": 60}
DTM_FORMAT = "YYYYMMDDHHMM[SS][+ZZZZ] (202603091400-0800)"
# Past these, times overflow when moved to UTC or lengthened: no appointment needs
# them, so they are refused naming the field rather than failing as an internal error.
FIRST_YEAR, LAST_YEAR = 1900, 2200
MAX_OFFSET = timedelta(hours=14)  # Kiribati's +14:00 is the widest offset in use
MAX_MINUTES = 24 * 60


@dataclass
class ScheduleFacts:
    """One schedule event: what happened to which appointment, and where and when."""

    event: str
    filler_id: str
    filler_namespace: str = ""
    # SCH-1 when it names one of our bookings: the PM system's echo of an SIU we sent.
    our_appointment_id: str | None = None
    # A naive start is in the site's local time; the applier resolves it.
    start: datetime | None = None
    minutes: int | None = None
    end: datetime | None = None
    provider_ids: list[str] = field(default_factory=list)
    location_names: list[str] = field(default_factory=list)
    placer_referral_id: str | None = None
    our_referral_id: str | None = None
    patient: PatientFacts | None = None
    reason: str = ""


def is_siu(message: Hl7Message) -> bool:
    return message.message_code == "SIU"


def schedule_facts(message: Hl7Message, our_application: str) -> ScheduleFacts:
    """Map a parsed SIU message; raises IntakeProblems listing every problem found."""
    event = _event(message)
    sch = message.first("SCH")
    if sch is None:
        raise IntakeProblems([Problem("SCH", "an SIU message needs its SCH segment", MISSING)])
    problems: list[Problem] = []
    facts = ScheduleFacts(event=event, filler_id=sch.value(2, 1),
                          filler_namespace=sch.value(2, 2), reason=_reason(sch))
    if not facts.filler_id:
        problems.append(Problem("SCH-2", "the filler appointment id is empty; every SIU message "
                                         "names its appointment there", MISSING))
    if event == MODIFY:
        facts.event = _STATUS_EVENTS.get(sch.value(25, 1).lower().replace(" ", ""), MODIFY)
    _read_placer_ids(sch, facts, our_application)
    _read_resources(message, facts)
    if facts.event in (BOOK, MOVE, MODIFY):
        _read_timing(message, sch, facts, problems)
    if event == BOOK:
        facts.patient = _patient(message, problems)
    if problems:
        raise IntakeProblems(problems)
    return facts


def _event(message: Hl7Message) -> str:
    if message.message_code == "SIU" and message.trigger in TRIGGERS:
        return TRIGGERS[message.trigger]
    raise IntakeProblems([Problem("MSH-9", f"message type {message.message_code}^"
                                           f"{message.trigger} is not a schedule event taken "
                                           f"here; send {SUPPORTED}", UNSUPPORTED)])


def _reason(sch: Segment) -> str:
    return sch.value(7, 2) or sch.value(7, 1) or sch.value(6, 2) or sch.value(6, 1)


def _read_placer_ids(sch: Segment, facts: ScheduleFacts, our_application: str) -> None:
    # SCH-1 is the placer appointment id: ours (`<id>^REFERRALDESK`) when the PM system
    # echoes a booking we sent; any other placer's id means nothing here.
    if sch.value(1, 1) and sch.value(1, 2).upper() == our_application:
        facts.our_appointment_id = sch.value(1, 1)
    # SCH-26 carries the referral's placer id; SCH-27 our own referral id when the
    # booking answers an SIU we sent (namespace: our application).
    facts.placer_referral_id = sch.value(26, 1) or None
    if sch.value(27, 1) and sch.value(27, 2).upper() == our_application:
        facts.our_referral_id = sch.value(27, 1)


def _read_resources(message: Hl7Message, facts: ScheduleFacts) -> None:
    for segment in message.all("AIP"):
        facts.provider_ids.append(segment.value(3, 1))
    for segment in message.all("AIG"):
        facts.provider_ids.append(segment.value(3, 1))
    for segment in message.all("AIL"):
        facts.location_names.extend(
            name for name in (segment.value(3, 1), segment.value(3, 4)) if name)
    facts.provider_ids = [value for value in dict.fromkeys(facts.provider_ids) if value]


def _read_timing(
    message: Hl7Message, sch: Segment, facts: ScheduleFacts, problems: list[Problem]
) -> None:
    places: list[tuple[str, str]] = []
    for name, number in (("TQ1", 7), ("AIS", 4), ("AIP", 6), ("AIG", 8), ("AIL", 6)):
        segment = message.first(name)
        if segment is not None and segment.value(number):
            places.append((f"{name}-{number}", segment.value(number)))
    if sch.value(11, 4):
        places.append(("SCH-11", sch.value(11, 4)))
    if not places:
        problems.append(Problem("TQ1-7", "the appointment's start is missing; send it in TQ1-7 "
                                         "or AIS-4 as YYYYMMDDHHMM[SS][+ZZZZ]", MISSING))
        return
    where, raw = places[0]
    facts.start = _instant(where, raw, problems)
    tq1 = message.first("TQ1")
    if tq1 is not None and tq1.value(8):
        facts.end = _instant("TQ1-8", tq1.value(8), problems)
        _check_span(facts, problems)
    facts.minutes = _minutes(message, sch, problems)


def _instant(where: str, raw: str, problems: list[Problem]) -> datetime | None:
    try:
        return parse_instant(raw)
    except ValueError as exc:
        problems.append(Problem(where, f"{raw!r} {exc}; send {DTM_FORMAT}", INVALID))
        return None


def _check_span(facts: ScheduleFacts, problems: list[Problem]) -> None:
    start, end = facts.start, facts.end
    # A naive time is the site's and an aware one may not be: only like with like compares.
    if start is None or end is None or (start.tzinfo is None) != (end.tzinfo is None):
        return
    if end - start > timedelta(minutes=MAX_MINUTES):
        problems.append(Problem("TQ1-8", f"the appointment ends more than a day "
                                         f"({MAX_MINUTES} minutes) after it starts; send "
                                         "the end of this visit", INVALID))


def _minutes(message: Hl7Message, sch: Segment, problems: list[Problem]) -> int | None:
    for name, number in (("AIS", 7), ("AIP", 8), ("AIG", 10), ("SCH", 9)):
        segment = message.first(name)
        if segment is None or not _WHOLE_NUMBER.match(segment.value(number)):
            continue
        given = segment.value(number).strip()
        unit = segment.value(number + 1, 1).lower() or "min"
        digits = given.lstrip("+-").lstrip("0")
        if given.startswith("-") or not digits:
            # Taken as "no length" it would silently book the provider's default.
            problems.append(Problem(f"{name}-{number}", f"the duration {given!r} is not a "
                                    "positive length; send the minutes (30)", INVALID))
            return None
        # Digits are counted before int(), which raises on thousands of them.
        minutes = MAX_MINUTES + 1 if len(digits) > len(str(MAX_MINUTES)) else (
            int(digits) * _MINUTES_PER_UNIT.get(unit, 1))
        if minutes > MAX_MINUTES:
            problems.append(Problem(f"{name}-{number}", f"the duration {given!r} {unit} is longer "
                                    f"than a day ({MAX_MINUTES} minutes); send this visit's "
                                    "minutes (30)", INVALID))
            return None
        return minutes
    return None


def _patient(message: Hl7Message, problems: list[Problem]) -> PatientFacts | None:
    pid = message.first("PID")
    if pid is None:
        problems.append(Problem("PID", "a new booking needs its patient (PID-3 or PID-5, PID-7, "
                                       "PID-13)", MISSING))
        return None
    ours = _our_patient_id(pid)
    if ours is not None:
        return PatientFacts(patient_id=ours)
    return patient_facts(message, problems)


def _our_patient_id(pid: Segment) -> str | None:
    for repetition in range(pid.repetition_count(3)):
        if pid.value(3, 4, repetition).upper() == "REFERRALDESK" and pid.value(3, 1, repetition):
            return pid.value(3, 1, repetition)
    return None


def parse_instant(raw: str) -> datetime:
    """An HL7 DTM to the minute or finer; aware when it carries an offset, else naive.

    Raises ValueError with what is wrong, to follow the quoted value in a message:
    not a date and time, a year outside 1900-2200, an offset beyond +/-14:00.
    """
    match = _TIMESTAMP.match(raw.strip())
    if match is None:
        raise ValueError("is not a date and time")
    digits, seconds, offset = match.groups()
    try:
        value = datetime.strptime(digits + (seconds or "00"), "%Y%m%d%H%M%S")
    except ValueError:
        raise ValueError("is not a date and time") from None
    if not FIRST_YEAR <= value.year <= LAST_YEAR:
        raise ValueError(f"is outside the years {FIRST_YEAR}-{LAST_YEAR}")
    if offset is None:
        return value
    hours, minutes = int(offset[1:3]), int(offset[3:5])
    delta = timedelta(hours=hours, minutes=minutes)
    if minutes >= 60 or delta > MAX_OFFSET:
        raise ValueError(f"has the offset {offset}, beyond the -1400 to +1400 any zone uses")
    return value.replace(tzinfo=timezone(-delta if offset[0] == "-" else delta))


def local_to_aware(value: datetime, zone: str) -> datetime:
    """A naive local time at a site, read in the site's zone (fold 0 at a DST repeat)."""
    return value if value.tzinfo is not None else value.replace(tzinfo=ZoneInfo(zone))

