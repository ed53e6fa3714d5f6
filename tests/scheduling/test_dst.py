"""Slots on both sides of the 2026 US daylight-saving changes (03-08 and 11-01)."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, date, datetime, timedelta

import pytest
from sqlalchemy.orm import Session
from tests.scheduling.conftest import STAFF, Build

from referraldesk.scheduling.booking import BookingRequest, book
from referraldesk.scheduling.slots import SlotQuery, find_slots
from referraldesk.scheduling.windows import parse_window

# zone -> (standard offset, daylight offset) in hours
ZONES = {
    "America/New_York": (-5, -4),
    "America/Chicago": (-6, -5),
    "America/Denver": (-7, -6),
    "America/Los_Angeles": (-8, -7),
    "America/Phoenix": (-7, -7),
}
SPRING_DAY = date(2026, 3, 8)
AUTUMN_DAY = date(2026, 11, 1)


def utc(day: date, hour: int, minute: int, offset_hours: int) -> datetime:
    """The instant at which a clock `offset_hours` from UTC shows day hour:minute."""
    return datetime(day.year, day.month, day.day, hour, minute, tzinfo=UTC) - timedelta(
        hours=offset_hours
    )


def observes_dst(zone: str) -> bool:
    standard, daylight = ZONES[zone]
    return standard != daylight


def starts(session: Session, day: date, **filters: object) -> list[datetime]:
    query = SlotQuery(start=day, end=day, limit=100, **filters)  # type: ignore[arg-type]
    return [slot.start for slot in find_slots(session, query)]


@pytest.mark.parametrize("zone", list(ZONES))
class TestSpringForward:
    def test_it_keeps_the_monday_after_at_nine_local_with_the_daylight_offset(
        self, zone: str, build: Build, session: Session, frozen_now: Callable[..., datetime]
    ) -> None:
        frozen_now("2026-03-06T12:00:00+00:00")
        site = build.location(zone)
        build.provider(site)
        monday = date(2026, 3, 9)

        slots = find_slots(session, SlotQuery(start=monday, end=monday, limit=100))

        standard, daylight = ZONES[zone]
        assert slots[0].start == utc(monday, 9, 0, daylight)
        assert slots[0].local_start.hour == 9
        assert slots[0].local_start.utcoffset() == timedelta(hours=daylight)
        assert slots[-1].local_start.strftime("%H:%M") == "16:30"
        assert len(slots) == 16

    def test_it_offers_no_slot_in_the_skipped_hour(
        self, zone: str, build: Build, session: Session, frozen_now: Callable[..., datetime]
    ) -> None:
        frozen_now("2026-03-06T12:00:00+00:00")
        site = build.location(zone)
        build.provider(site, hours=("01:00", "03:00"), weekdays=[6])

        found = starts(session, SPRING_DAY)

        standard, daylight = ZONES[zone]
        if observes_dst(zone):
            # 02:00 and 02:30 never show on the clock that night.
            assert found == [utc(SPRING_DAY, 1, 0, standard), utc(SPRING_DAY, 1, 30, standard)]
        else:
            assert found == [
                utc(SPRING_DAY, hour, minute, standard)
                for hour, minute in ((1, 0), (1, 30), (2, 0), (2, 30))
            ]

    def test_it_keeps_the_same_local_time_a_week_later_across_the_change(
        self, zone: str, build: Build, session: Session, frozen_now: Callable[..., datetime]
    ) -> None:
        frozen_now("2026-03-02T12:00:00+00:00")
        site = build.location(zone)
        build.provider(site)
        before, after = date(2026, 3, 6), date(2026, 3, 13)

        first_before = starts(session, before)[0]
        first_after = starts(session, after)[0]

        standard, daylight = ZONES[zone]
        assert first_before == utc(before, 9, 0, standard)
        assert first_after == utc(after, 9, 0, daylight)
        assert first_after - first_before == timedelta(days=7, hours=standard - daylight)


@pytest.mark.parametrize("zone", list(ZONES))
class TestFallBack:
    def test_it_offers_each_instant_of_the_repeated_hour_once(
        self, zone: str, build: Build, session: Session, frozen_now: Callable[..., datetime]
    ) -> None:
        frozen_now("2026-10-29T12:00:00+00:00")
        site = build.location(zone)
        build.provider(site, hours=("01:00", "03:00"), weekdays=[6])

        slots = find_slots(session, SlotQuery(start=AUTUMN_DAY, end=AUTUMN_DAY, limit=100))

        standard, daylight = ZONES[zone]
        found = [slot.start for slot in slots]
        assert len(found) == len(set(found))
        if observes_dst(zone):
            # 01:00 and 01:30 happen twice (daylight, then standard); 3 real hours of work.
            first = utc(AUTUMN_DAY, 1, 0, daylight)
            assert found == [first + timedelta(minutes=30 * step) for step in range(6)]
            offsets = [slot.local_start.utcoffset() for slot in slots]
            assert offsets == [timedelta(hours=daylight)] * 2 + [timedelta(hours=standard)] * 4
            walls = [slot.local_start.strftime("%H:%M") for slot in slots]
            assert walls == ["01:00", "01:30", "01:00", "01:30", "02:00", "02:30"]
        else:
            assert found == [
                utc(AUTUMN_DAY, 1, 0, standard) + timedelta(minutes=30 * step) for step in range(4)
            ]

    def test_it_applies_a_window_to_both_runs_of_the_repeated_hour(
        self, zone: str, build: Build, session: Session, frozen_now: Callable[..., datetime]
    ) -> None:
        frozen_now("2026-10-29T12:00:00+00:00")
        site = build.location(zone)
        build.provider(site, hours=("01:00", "03:00"), weekdays=[6])

        slots = find_slots(
            session,
            SlotQuery(start=AUTUMN_DAY, end=AUTUMN_DAY, windows=parse_window("sun 01:00-01:30")),
        )

        standard, daylight = ZONES[zone]
        expected = [utc(AUTUMN_DAY, 1, 0, daylight), utc(AUTUMN_DAY, 1, 0, standard)]
        assert [slot.start for slot in slots] == (expected if observes_dst(zone) else expected[:1])

    def test_it_books_every_slot_of_the_repeated_hour(
        self, zone: str, build: Build, session: Session, frozen_now: Callable[..., datetime]
    ) -> None:
        frozen_now("2026-10-29T12:00:00+00:00")
        site = build.location(zone)
        build.provider(site, hours=("01:00", "03:00"), weekdays=[6])
        slots = find_slots(session, SlotQuery(start=AUTUMN_DAY, end=AUTUMN_DAY, limit=100))

        booked = [
            book(session, STAFF, BookingRequest(patient_id=build.patient().id, slot_id=slot.id))
            for slot in slots
        ]

        assert [appointment.start_at for appointment in booked] == [slot.start for slot in slots]
        assert find_slots(session, SlotQuery(start=AUTUMN_DAY, end=AUTUMN_DAY)) == []

    def test_it_keeps_the_same_local_time_a_week_later_across_the_change(
        self, zone: str, build: Build, session: Session, frozen_now: Callable[..., datetime]
    ) -> None:
        frozen_now("2026-10-26T12:00:00+00:00")
        site = build.location(zone)
        build.provider(site)
        before, after = date(2026, 10, 30), date(2026, 11, 6)

        first_before = starts(session, before)[0]
        first_after = starts(session, after)[0]

        standard, daylight = ZONES[zone]
        assert first_before == utc(before, 9, 0, daylight)
        assert first_after == utc(after, 9, 0, standard)
        assert first_after - first_before == timedelta(days=7, hours=daylight - standard)


class TestRowS1:
    """inputs.md S1: Mon-Fri 09:00-17:00 in New York, searched on Friday 2026-10-30."""

    def test_it_lists_monday_after_the_change_from_nine_est_to_four_thirty(
        self, build: Build, session: Session, frozen_now: Callable[..., datetime]
    ) -> None:
        frozen_now("2026-10-30T10:00:00-04:00")
        site = build.location("America/New_York")
        build.provider(site, slot_minutes=30)
        monday = date(2026, 11, 2)

        slots = find_slots(session, SlotQuery(start=monday, end=monday, limit=100))

        assert slots[0].start == datetime(2026, 11, 2, 14, 0, tzinfo=UTC)
        assert slots[0].label() == "Mon 2026-11-02 09:00 EST"
        assert slots[-1].label() == "Mon 2026-11-02 16:30 EST"
        assert slots[-1].start == datetime(2026, 11, 2, 21, 30, tzinfo=UTC)
        assert len(slots) == 16

    def test_it_books_every_listed_slot(
        self, build: Build, session: Session, frozen_now: Callable[..., datetime]
    ) -> None:
        frozen_now("2026-10-30T10:00:00-04:00")
        site = build.location("America/New_York")
        build.provider(site, slot_minutes=30)
        monday = date(2026, 11, 2)
        slots = find_slots(session, SlotQuery(start=monday, end=monday, limit=100))

        booked = [
            book(session, STAFF, BookingRequest(patient_id=build.patient().id, slot_id=slot.id))
            for slot in slots
        ]

        assert [(a.start_at, a.end_at, a.timezone) for a in booked] == [
            (slot.start, slot.start + timedelta(minutes=30), "America/New_York") for slot in slots
        ]
        assert find_slots(session, SlotQuery(start=monday, end=monday, limit=100)) == []
