"""Calling hours in the patient's own zone: Arizona without DST, California across DST."""

from __future__ import annotations

from datetime import UTC, datetime, time

from sqlalchemy.orm import Session
from tests.outreach.support import PHOENIX_PHONE, register

from referraldesk.models import Patient, PatientPhone
from referraldesk.outreach.hours import (
    CallingHours,
    contact_windows,
    next_allowed,
    patient_zones,
)
from referraldesk.scheduling.windows import TimeWindow

HOURS = CallingHours(time(8), time(21))
LA = ("America/Los_Angeles",)


def utc(text: str) -> datetime:
    return datetime.fromisoformat(text).replace(tzinfo=UTC)


def test_it_reads_a_phoenix_number_in_arizona_time_row_s3() -> None:
    zones = patient_zones(Patient(phones=[PatientPhone(e164=PHOENIX_PHONE)]), "America/Los_Angeles")

    assert zones == ("America/Phoenix",)
    assert not HOURS.allows(utc("2026-07-15T14:30"), zones)  # 07:30 in Phoenix
    assert HOURS.allows(utc("2026-07-16T03:30"), zones)  # 20:30 in Phoenix


def test_it_falls_back_to_the_address_state_then_the_practice_zone() -> None:
    in_arizona = Patient(phones=[], state="AZ")
    nowhere = Patient(phones=[], state=None)

    assert patient_zones(in_arizona, "America/Los_Angeles") == ("America/Phoenix",)
    assert patient_zones(nowhere, "America/Chicago") == ("America/Chicago",)


def test_it_opens_at_eight_local_on_the_morning_clocks_spring_forward() -> None:
    # Saturday 21:00 PST; Sunday 8 March 2026 starts at 08:00 PDT = 15:00 UTC, not 16:00.
    assert next_allowed(utc("2026-03-08T05:00"), HOURS, LA) == utc("2026-03-08T15:00")


def test_it_opens_at_eight_local_on_the_morning_clocks_fall_back() -> None:
    # Saturday 22:00 PDT; Sunday 1 November 2026 starts at 08:00 PST = 16:00 UTC.
    assert next_allowed(utc("2026-11-01T05:00"), HOURS, LA) == utc("2026-11-01T16:00")


def test_it_closes_at_nine_in_the_evening_local_on_both_sides_of_the_change() -> None:
    assert HOURS.allows(utc("2026-03-08T03:59"), LA)  # Sat 19:59 PST
    assert not HOURS.allows(utc("2026-03-08T05:00"), LA)  # Sat 21:00 PST
    assert not HOURS.allows(utc("2026-03-09T04:00"), LA)  # Sun 21:00 PDT
    assert HOURS.allows(utc("2026-03-09T03:59"), LA)  # Sun 20:59 PDT


def test_it_keeps_to_the_patients_contact_windows_inside_the_calling_hours() -> None:
    evenings = CallingHours(time(8), time(21), (TimeWindow(frozenset(range(5)), time(17), None),))

    # Wednesday 15 July 2026, 10:00 PDT: the next weekday evening is 17:00 PDT the same day.
    assert next_allowed(utc("2026-07-15T17:00"), evenings, LA) == utc("2026-07-16T00:00")
    # Friday 21:00 PDT: the weekend is skipped to Monday 17:00.
    assert next_allowed(utc("2026-07-18T04:00"), evenings, LA) == utc("2026-07-21T00:00")


def test_it_reads_stored_contact_windows_of_a_registered_patient(session: Session) -> None:
    patient = register(session, windows=[{"weekdays": ["sat"], "after": "09:00", "before": None}])

    assert contact_windows(patient) == (TimeWindow(frozenset({5}), time(9), None),)
