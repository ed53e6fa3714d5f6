"""Open slots: hours, closures, time off, buffers, windows and the search filters.

"Today" is Wednesday 2026-03-04, 10:00 at a site in America/Los_Angeles (PST, UTC-8;
from Sunday 03-08 PDT, UTC-7).
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, date, datetime, timedelta

import pytest
from sqlalchemy.orm import Session
from tests.scheduling.conftest import Build

from referraldesk.errors import InvalidArgument, NotFound
from referraldesk.models import Appointment
from referraldesk.scheduling.slots import (
    Slot,
    SlotQuery,
    find_slots,
    next_available,
    parse_slot_id,
    slot_id,
)
from referraldesk.scheduling.windows import parse_window

THURSDAY = date(2026, 3, 5)
FRIDAY = date(2026, 3, 6)
TUESDAY = date(2026, 3, 10)


@pytest.fixture(autouse=True)
def _today(frozen_now: Callable[..., datetime]) -> None:
    frozen_now("2026-03-04T10:00:00-08:00")


def local_times(slots: list[Slot]) -> list[str]:
    return [slot.local_start.strftime("%a %H:%M") for slot in slots]


def day_slots(session: Session, day: date, **filters: object) -> list[Slot]:
    return find_slots(session, SlotQuery(start=day, end=day, limit=100, **filters))  # type: ignore[arg-type]


def book_directly(
    session: Session,
    build: Build,
    provider_id: str,
    location_id: str,
    start: datetime,
    minutes: int = 30,
) -> Appointment:
    appointment = Appointment(
        patient_id=build.patient().id,
        provider_id=provider_id,
        location_id=location_id,
        start_at=start,
        end_at=start + timedelta(minutes=minutes),
        timezone="America/Los_Angeles",
    )
    session.add(appointment)
    session.flush()
    return appointment


class TestHours:
    def test_it_cuts_provider_blocks_to_the_site_office_hours(
        self, build: Build, session: Session
    ) -> None:
        site = build.location(hours={3: ("10:00", "12:00")})
        build.provider(site, hours=("09:00", "17:00"))

        slots = day_slots(session, THURSDAY)

        assert local_times(slots) == ["Thu 10:00", "Thu 10:30", "Thu 11:00", "Thu 11:30"]

    def test_it_offers_nothing_on_a_day_the_site_is_not_open(
        self, build: Build, session: Session
    ) -> None:
        site = build.location(hours={0: ("08:00", "17:00")})
        build.provider(site)

        assert day_slots(session, THURSDAY) == []

    def test_it_keeps_the_slot_grid_anchored_at_the_block_start(
        self, build: Build, session: Session
    ) -> None:
        site = build.location(hours={3: ("09:10", "11:00")})
        build.provider(site, hours=("09:00", "11:00"))

        assert local_times(day_slots(session, THURSDAY)) == ["Thu 09:30", "Thu 10:00", "Thu 10:30"]

    def test_it_gives_slots_the_service_length_stepped_by_the_provider_slot(
        self, build: Build, session: Session
    ) -> None:
        site = build.location()
        build.provider(site, hours=("09:00", "11:00"))
        build.service("derm_new", duration_minutes=60)

        slots = day_slots(session, THURSDAY, service_key="derm_new")

        assert local_times(slots) == ["Thu 09:00", "Thu 09:30", "Thu 10:00"]
        assert {slot.duration_minutes for slot in slots} == {60}

    def test_it_honours_the_validity_dates_of_a_block(self, build: Build, session: Session) -> None:
        site = build.location()
        provider = build.provider(site, hours=None)
        build.block(provider, site, 3, "09:00", "10:00", valid_from=date(2026, 3, 12))

        assert day_slots(session, THURSDAY) == []
        assert local_times(day_slots(session, date(2026, 3, 12))) == ["Thu 09:00", "Thu 09:30"]


class TestClosuresAndExceptions:
    def test_it_closes_every_site_on_a_practice_holiday(
        self, build: Build, session: Session
    ) -> None:
        first, second = build.location(), build.location()
        build.provider(first)
        build.provider(second)
        build.closure(THURSDAY, FRIDAY)

        assert day_slots(session, THURSDAY) == []
        assert day_slots(session, FRIDAY) == []
        assert len(day_slots(session, TUESDAY)) == 32

    def test_it_closes_only_the_named_site(self, build: Build, session: Session) -> None:
        closed, open_site = build.location(), build.location()
        build.provider(closed)
        build.provider(open_site)
        build.closure(THURSDAY, location=closed)

        assert {slot.location_id for slot in day_slots(session, THURSDAY)} == {open_site.id}

    def test_it_removes_a_whole_day_off(self, build: Build, session: Session) -> None:
        site = build.location()
        provider = build.provider(site)
        build.exception(provider, THURSDAY, "off")

        assert day_slots(session, THURSDAY) == []
        assert len(day_slots(session, FRIDAY)) == 16

    def test_it_removes_part_of_a_day_off(self, build: Build, session: Session) -> None:
        site = build.location()
        provider = build.provider(site, hours=("09:00", "11:00"))
        build.exception(provider, THURSDAY, "off", "09:30", "10:15")

        assert local_times(day_slots(session, THURSDAY)) == ["Thu 09:00", "Thu 10:30"]

    def test_it_adds_an_extra_session_even_outside_office_hours(
        self, build: Build, session: Session
    ) -> None:
        site = build.location(hours={day: ("08:00", "17:00") for day in range(5)})
        provider = build.provider(site)
        saturday = date(2026, 3, 7)
        build.exception(provider, saturday, "extra", "08:00", "09:00", location=site)

        assert local_times(day_slots(session, saturday)) == ["Sat 08:00", "Sat 08:30"]

    def test_it_puts_an_extra_session_without_a_site_at_the_provider_site(
        self, build: Build, session: Session
    ) -> None:
        site = build.location()
        provider = build.provider(site, hours=None)
        build.exception(provider, THURSDAY, "extra", "18:00", "19:00")

        slots = day_slots(session, THURSDAY)

        assert local_times(slots) == ["Thu 18:00", "Thu 18:30"]
        assert {slot.location_id for slot in slots} == {site.id}

    def test_it_lets_a_closure_win_over_an_extra_session(
        self, build: Build, session: Session
    ) -> None:
        site = build.location()
        provider = build.provider(site)
        build.exception(provider, THURSDAY, "extra", "18:00", "19:00", location=site)
        build.closure(THURSDAY)

        assert day_slots(session, THURSDAY) == []


class TestBookingsAndBuffers:
    def test_it_hides_a_booked_slot(self, build: Build, session: Session) -> None:
        site = build.location()
        provider = build.provider(site, hours=("09:00", "10:30"))
        book_directly(
            session, build, provider.id, site.id, datetime(2026, 3, 5, 17, 30, tzinfo=UTC)
        )

        assert local_times(day_slots(session, THURSDAY)) == ["Thu 09:00", "Thu 10:00"]

    def test_it_keeps_the_buffer_free_around_each_booking(
        self, build: Build, session: Session
    ) -> None:
        site = build.location()
        provider = build.provider(site, hours=("09:00", "12:00"), buffer_minutes=15)
        book_directly(session, build, provider.id, site.id, datetime(2026, 3, 5, 18, 0, tzinfo=UTC))

        # 10:00-10:30 booked; 09:30 ends within 15 minutes of it, 10:30 starts within.
        assert local_times(day_slots(session, THURSDAY)) == ["Thu 09:00", "Thu 11:00", "Thu 11:30"]

    def test_it_ignores_cancelled_bookings(self, build: Build, session: Session) -> None:
        site = build.location()
        provider = build.provider(site, hours=("09:00", "10:00"))
        appointment = book_directly(
            session, build, provider.id, site.id, datetime(2026, 3, 5, 17, 0, tzinfo=UTC)
        )
        appointment.status = "cancelled"
        session.flush()

        assert local_times(day_slots(session, THURSDAY)) == ["Thu 09:00", "Thu 09:30"]

    def test_it_blocks_a_provider_booked_at_another_site(
        self, build: Build, session: Session
    ) -> None:
        first, second = build.location(), build.location()
        provider = build.provider(first, hours=("09:00", "10:00"), weekdays=[3])
        build.block(provider, second, 4, "09:00", "10:00")
        book_directly(
            session, build, provider.id, second.id, datetime(2026, 3, 5, 17, 0, tzinfo=UTC)
        )

        assert local_times(day_slots(session, THURSDAY)) == ["Thu 09:30"]

    def test_it_finds_slots_behind_a_long_booking_that_started_the_day_before(
        self, build: Build, session: Session
    ) -> None:
        site = build.location()
        provider = build.provider(site, hours=("00:00", "02:00"), weekdays=[3])
        book_directly(
            session, build, provider.id, site.id, datetime(2026, 3, 5, 7, 0, tzinfo=UTC), minutes=90
        )

        assert local_times(day_slots(session, THURSDAY)) == ["Thu 00:30", "Thu 01:00", "Thu 01:30"]


class TestThePast:
    def test_it_starts_after_now_plus_the_minimum_notice(
        self, build: Build, session: Session
    ) -> None:
        site = build.location()
        build.provider(site, hours=("09:00", "12:00"), weekdays=[2])

        slots = find_slots(session, SlotQuery(limit=3))

        # Now is 10:00 on Wednesday; 60 minutes' notice makes 11:00 the first.
        assert [slot.label() for slot in slots] == [
            "Wed 2026-03-04 11:00 PST",
            "Wed 2026-03-04 11:30 PST",
            "Wed 2026-03-11 09:00 PDT",
        ]

    def test_it_reads_the_notice_from_the_practice_policy(
        self, build: Build, session: Session
    ) -> None:
        build.practice(min_notice_minutes=0)
        site = build.location()
        build.provider(site, hours=("09:00", "12:00"), weekdays=[2])

        assert find_slots(session, SlotQuery(limit=1))[0].label() == "Wed 2026-03-04 10:00 PST"

    def test_it_offers_nothing_past_the_booking_horizon(
        self, build: Build, session: Session
    ) -> None:
        build.practice(horizon_days=7)
        site = build.location()
        build.provider(site, hours=("09:00", "09:30"), weekdays=[2])

        slots = find_slots(session, SlotQuery(end=date(2026, 4, 30)))

        assert [slot.label() for slot in slots] == ["Wed 2026-03-11 09:00 PDT"]

    def test_it_honours_an_explicit_not_before(self, build: Build, session: Session) -> None:
        site = build.location()
        build.provider(site)

        slot = next_available(
            session, SlotQuery(not_before=datetime(2026, 3, 10, 20, 15, tzinfo=UTC))
        )

        assert slot is not None
        assert slot.label() == "Tue 2026-03-10 13:30 PDT"


class TestFilters:
    def test_it_keeps_providers_who_take_the_plan(self, build: Build, session: Session) -> None:
        site = build.location()
        anthem, health_net = (
            build.plan("Anthem Blue Cross Medi-Cal"),
            build.plan("Health Net Medi-Cal"),
        )
        takes = build.provider(site, plans=[anthem])
        build.provider(site, plans=[health_net])

        slots = day_slots(session, THURSDAY, plan_id=anthem.id)

        assert {slot.provider_id for slot in slots} == {takes.id}

    def test_it_lets_every_provider_see_self_pay_patients(
        self, build: Build, session: Session
    ) -> None:
        site = build.location()
        self_pay = build.plan("Self pay", kind="self_pay")
        providers = [build.provider(site), build.provider(site)]

        slots = day_slots(session, THURSDAY, plan_id=self_pay.id)

        assert {slot.provider_id for slot in slots} == {provider.id for provider in providers}

    def test_it_refuses_an_unknown_plan(self, build: Build, session: Session) -> None:
        with pytest.raises(NotFound, match="no plan with id 'nope'"):
            day_slots(session, THURSDAY, plan_id="nope")

    def test_it_keeps_providers_who_speak_the_language(
        self, build: Build, session: Session
    ) -> None:
        site = build.location()
        speaks = build.provider(site, languages=["es", "en"])
        build.provider(site, languages=["en"])

        slots = day_slots(session, THURSDAY, language="es-MX")

        assert {slot.provider_id for slot in slots} == {speaks.id}
        assert slots[0].languages == ("es", "en")

    def test_it_keeps_providers_taking_new_patients(self, build: Build, session: Session) -> None:
        site = build.location()
        taking = build.provider(site)
        build.provider(site, accepting_new_patients=False)

        slots = day_slots(session, THURSDAY, new_patient=True)

        assert {slot.provider_id for slot in slots} == {taking.id}

    def test_it_filters_by_specialty_site_and_provider(
        self, build: Build, session: Session
    ) -> None:
        first, second = build.location(), build.location()
        derm = build.provider(first)
        ortho = build.provider(first, specialty="orthopedics")
        build.block(ortho, second, 3, "09:00", "10:00")

        assert {
            s.provider_id for s in day_slots(session, THURSDAY, specialty_key="orthopedics")
        } == {ortho.id}
        assert {s.location_id for s in day_slots(session, THURSDAY, location_id=second.id)} == {
            second.id
        }
        assert {s.provider_id for s in day_slots(session, THURSDAY, provider_id=derm.id)} == {
            derm.id
        }

    def test_it_leaves_out_inactive_providers(self, build: Build, session: Session) -> None:
        site = build.location()
        build.provider(site, active=False)

        assert day_slots(session, THURSDAY) == []

    def test_it_keeps_slots_inside_any_window(self, build: Build, session: Session) -> None:
        site = build.location()
        build.provider(site, hours=("06:00", "20:00"), weekdays=range(7))

        windows = parse_window("weekdays before 07:00; sat 10:00-11:00")
        slots = find_slots(session, SlotQuery(start=FRIDAY, end=date(2026, 3, 9), windows=windows))

        assert local_times(slots) == [
            "Fri 06:00",
            "Fri 06:30",
            "Sat 10:00",
            "Sat 10:30",
            "Mon 06:00",
            "Mon 06:30",
        ]

    def test_it_keeps_the_grid_when_a_window_opens_between_two_slots(
        self, build: Build, session: Session
    ) -> None:
        site = build.location()
        build.provider(site, hours=("09:00", "11:00"))

        slots = day_slots(session, THURSDAY, windows=parse_window("after 09:10; 10:00-10:20"))

        assert local_times(slots) == ["Thu 09:30", "Thu 10:00", "Thu 10:30"]

    def test_it_counts_a_slot_as_after_a_time_when_it_starts_then(
        self, build: Build, session: Session
    ) -> None:
        site = build.location()
        build.provider(site, hours=("16:00", "18:00"))

        slots = day_slots(session, THURSDAY, windows=parse_window("after 17:00"))

        assert local_times(slots) == ["Thu 17:00", "Thu 17:30"]


class TestOrderAndLimit:
    def test_it_returns_the_earliest_first_with_ties_broken_by_provider(
        self, build: Build, session: Session
    ) -> None:
        site = build.location()
        providers = sorted((build.provider(site) for _ in range(3)), key=lambda p: p.id)

        slots = find_slots(session, SlotQuery(start=THURSDAY, limit=5))

        assert [(slot.local_start.strftime("%H:%M"), slot.provider_id) for slot in slots] == [
            ("09:00", providers[0].id),
            ("09:00", providers[1].id),
            ("09:00", providers[2].id),
            ("09:30", providers[0].id),
            ("09:30", providers[1].id),
        ]

    def test_it_orders_sites_in_different_zones_by_the_real_instant(
        self, build: Build, session: Session
    ) -> None:
        west = build.location("America/Los_Angeles")
        east = build.location("America/New_York")
        build.provider(west, hours=("06:00", "06:30"))
        build.provider(east, hours=("08:00", "08:30"))

        slots = find_slots(session, SlotQuery(start=THURSDAY, limit=2))

        # 08:00 in New York is 05:00 in Los Angeles: it comes first.
        assert [slot.label() for slot in slots] == [
            "Thu 2026-03-05 08:00 EST",
            "Thu 2026-03-05 06:00 PST",
        ]

    def test_it_finds_the_next_available_slot_weeks_ahead(
        self, build: Build, session: Session
    ) -> None:
        site = build.location()
        provider = build.provider(site)
        build.exception(provider, THURSDAY, "off")
        for offset in range(1, 20):
            build.exception(provider, THURSDAY + timedelta(days=offset), "off")

        slot = next_available(session, SlotQuery(provider_id=provider.id, start=THURSDAY))

        assert slot is not None
        assert slot.label() == "Wed 2026-03-25 09:00 PDT"


class TestSlotIds:
    def test_it_round_trips_provider_site_and_utc_start(self) -> None:
        start = datetime(2026, 3, 10, 16, 0, tzinfo=UTC)

        ref = parse_slot_id(slot_id("p1", "loc1", start))

        assert (ref.provider_id, ref.location_id, ref.start) == ("p1", "loc1", start)
        assert slot_id("p1", "loc1", start) == "p1:loc1:20260310T1600Z"

    @pytest.mark.parametrize(
        "text",
        ["", "p1:loc1", "p1:loc1:2026-03-10", "p 1:loc1:20260310T1600Z", "p1:loc1:20261310T1600Z"],
    )
    def test_it_refuses_a_malformed_slot_id(self, text: str) -> None:
        with pytest.raises(InvalidArgument) as caught:
            parse_slot_id(text)

        assert caught.value.field == "slot_id"
        assert repr(text) in caught.value.message

    def test_it_reports_every_problem_in_a_query_at_once(self) -> None:
        with pytest.raises(InvalidArgument) as caught:
            SlotQuery(limit=0, duration_minutes=2, start=FRIDAY, end=THURSDAY)

        assert caught.value.message == (
            "slot search: limit=0 must be between 1 and 500; duration_minutes=2 must be between "
            "5 and 480; end 2026-03-05 is before start 2026-03-06: swap them"
        )
