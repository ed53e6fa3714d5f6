"""The dashboard's open times and the provider calendar feed's open slots come from the
practice's configured calendar: with the FHIR backend, a time the EHR marks busy is not
shown as open, and a day the built-in calendar has closed shows the EHR's open times.

The practice's own file closes every site on Wednesday 2026-04-15; the EHR does not."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from datetime import date

import pytest
from icalendar import Calendar
from sqlalchemy import Engine, select
from sqlalchemy.orm import Session
from structlog.testing import capture_logs
from tests.scheduling_fhir.conftest import Ehr

from referraldesk.admin.queries.schedule import provider_days
from referraldesk.audit.trail import Actor
from referraldesk.calendar_feeds.provider_feed import provider_feed
from referraldesk.db.session import session_factory
from referraldesk.models import Closure, Practice, Provider
from referraldesk.patients.service import register_patient
from referraldesk.scheduling.backends import calendar_for
from referraldesk.scheduling.booking import BookingRequest, book
from referraldesk.scheduling.slots import Slot, SlotQuery, find_slots

STAFF = Actor(name="staff:front-desk", role="staff")
CLOSED_HERE = date(2026, 4, 15)
ZONE = "America/Los_Angeles"
DEAD_EHR = "http://127.0.0.1:9/fhir"


@pytest.fixture
def practice(practice_engine: Engine, use_fhir: Callable[..., None]) -> Iterator[Session]:
    with session_factory(practice_engine)() as session:
        session.add(Closure(location_id=None, starts_on=CLOSED_HERE, ends_on=CLOSED_HERE,
                            name="Staff training (this practice's file only)"))
        practice_row = session.scalars(select(Practice)).one()
        practice_row.policy = {**(practice_row.policy or {}),
                               "calendar_feeds": {"show_open_slots": True}}
        session.commit()
        yield session


def ehr_open_that_day(practice: Session) -> list[Slot]:
    query = SlotQuery(specialty_key="orthopedics", start=CLOSED_HERE, end=CLOSED_HERE, limit=8)
    found = calendar_for(practice).find_slots(practice, query)
    practice.commit()
    return found


def provider_open_that_day(practice: Session, provider_id: str) -> list[Slot]:
    query = SlotQuery(provider_id=provider_id, start=CLOSED_HERE, end=CLOSED_HERE, limit=500)
    found = calendar_for(practice).find_slots(practice, query)
    practice.commit()
    return found


def mark_busy_in_ehr(ehr: Ehr, practice: Session, slot: Slot) -> None:
    """Someone at the EHR's front desk books the time; our database never hears of it."""
    provider = practice.get(Provider, slot.provider_id)
    assert provider is not None
    npi = provider.npi
    practice.commit()
    with ehr.session() as session:
        walk_in = register_patient(session, STAFF, {
            "given_names": "Rosa", "surnames": ["Mendez"], "dob": "1990-02-02",
            "phone": "+15595550199", "plan": "self pay"})
        provider_id = session.scalars(select(Provider.id).where(Provider.npi == npi)).one()
        book(session, STAFF,
             BookingRequest(patient_id=walk_in.id, provider_id=provider_id, start=slot.start))
        session.commit()


def dashboard_open_starts(practice: Session, provider_id: str) -> list[str]:
    days = provider_days(practice, provider_id, CLOSED_HERE, CLOSED_HERE, ZONE)
    practice.commit()
    return [entry.start.isoformat() for entry in days[CLOSED_HERE] if entry.kind == "open"]


def feed_open_uids(practice: Session, provider_id: str) -> set[str]:
    provider = practice.get(Provider, provider_id)
    assert provider is not None
    feed = Calendar.from_ical(provider_feed(practice, provider))
    practice.commit()
    return {str(event["uid"]) for event in feed.walk("VEVENT")
            if str(event["summary"]) == "Open"}


def test_the_dashboard_shows_the_ehr_open_times_and_not_its_busy_one(
    practice: Session, ehr: Ehr,
) -> None:
    taken = ehr_open_that_day(practice)[0]
    before = provider_open_that_day(practice, taken.provider_id)
    mark_busy_in_ehr(ehr, practice, taken)

    shown = dashboard_open_starts(practice, taken.provider_id)

    # The built-in calendar is closed that day: every open time shown is the EHR's.
    assert find_slots(practice, SlotQuery(provider_id=taken.provider_id, start=CLOSED_HERE,
                                          end=CLOSED_HERE)) == []
    assert taken.local_start.isoformat() not in shown
    assert shown == [s.local_start.isoformat() for s in before if s.start != taken.start]
    assert len(shown) == len(before) - 1 >= 1


def test_the_provider_feed_lists_the_ehr_open_slots_and_not_its_busy_one(
    practice: Session, ehr: Ehr,
) -> None:
    taken = ehr_open_that_day(practice)[0]
    before = provider_open_that_day(practice, taken.provider_id)
    mark_busy_in_ehr(ehr, practice, taken)

    uids = feed_open_uids(practice, taken.provider_id)

    assert f"open-{taken.id}@referraldesk" not in uids
    others_that_day = {f"open-{s.id}@referraldesk" for s in before if s.start != taken.start}
    assert others_that_day and others_that_day <= uids


def test_an_ehr_that_does_not_answer_leaves_the_bookings_and_shows_no_open_time(
    practice: Session, use_fhir: Callable[..., None],
) -> None:
    slot = ehr_open_that_day(practice)[0]
    patient = register_patient(practice, STAFF, {
        "given_names": "Daniel", "surnames": ["Ortega"], "dob": "1979-11-22",
        "phone": "+15595550117", "plan": "Health Net Medi-Cal"})
    booked = calendar_for(practice).book(
        practice, STAFF, BookingRequest(patient_id=patient.id, slot_id=slot.id))
    practice.commit()
    use_fhir(base_url=DEAD_EHR, retries=0)

    with capture_logs() as logs:
        days = provider_days(practice, slot.provider_id, CLOSED_HERE, CLOSED_HERE, ZONE)
        practice.commit()
        uids = feed_open_uids(practice, slot.provider_id)
        feed = Calendar.from_ical(provider_feed(practice, booked.provider))

    assert {e.kind for e in days[CLOSED_HERE]} == {"booked"}
    assert booked.id in {e.appointment_id for e in days[CLOSED_HERE]}
    assert uids == set()
    assert f"{booked.id}@referraldesk" in {str(event["uid"]) for event in feed.walk("VEVENT")}
    ours = {"schedule_open_times_unavailable", "provider_feed_open_slots_unavailable"}
    assert [entry["event"] for entry in logs if entry["event"] in ours] == [
        "schedule_open_times_unavailable", "provider_feed_open_slots_unavailable",
        "provider_feed_open_slots_unavailable"]
