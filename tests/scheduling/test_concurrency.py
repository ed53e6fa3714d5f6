"""Bookings racing for the same time (inputs.md S2), on SQLite and PostgreSQL.

Each thread has its own session and transaction, as concurrent web requests do.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, date, datetime

from sqlalchemy import Engine, func, select
from sqlalchemy.orm import Session
from tests.scheduling.conftest import STAFF, Build

from referraldesk.db.session import session_scope
from referraldesk.errors import DomainError, Duplicate, SlotTaken
from referraldesk.models import Appointment, AuditEvent
from referraldesk.scheduling.booking import BookingRequest, book
from referraldesk.scheduling.slots import SlotQuery, find_slots, slot_id

RACERS = 24
TUESDAY_NINE = datetime(2026, 3, 10, 16, 0, tzinfo=UTC)  # 09:00 PDT (UTC-7)


def race(engine: Engine, requests: list[BookingRequest]) -> list[object]:
    """Start every booking at once; return each one's appointment id or its error."""
    barrier = threading.Barrier(len(requests))

    def attempt(request: BookingRequest) -> object:
        barrier.wait()
        try:
            with session_scope(engine) as session:
                return book(session, STAFF, request).id
        except DomainError as error:
            return error

    with ThreadPoolExecutor(max_workers=len(requests)) as pool:
        return list(pool.map(attempt, requests))


def booked_rows(engine: Engine) -> int:
    with session_scope(engine) as session:
        return (
            session.scalar(
                select(func.count()).select_from(Appointment).where(Appointment.status == "booked")
            )
            or 0
        )


def test_it_books_one_of_many_simultaneous_requests_for_one_slot(
    any_engine: Engine, any_session: Session, frozen_now: Callable[..., datetime]
) -> None:
    frozen_now("2026-03-04T10:00:00-08:00")
    build = Build(any_session)
    site = build.location("America/Los_Angeles")
    provider = build.provider(site)
    patients = [build.patient() for _ in range(RACERS)]
    any_session.commit()
    wanted = slot_id(provider.id, site.id, TUESDAY_NINE)
    requests = [BookingRequest(patient_id=patient.id, slot_id=wanted) for patient in patients]

    outcomes = race(any_engine, requests)

    winners = [outcome for outcome in outcomes if isinstance(outcome, str)]
    losers = [outcome for outcome in outcomes if not isinstance(outcome, str)]
    assert len(winners) == 1
    assert all(isinstance(loser, SlotTaken) for loser in losers)
    next_ids = {getattr(loser, "next_slot_id", None) for loser in losers}
    assert next_ids == {slot_id(provider.id, site.id, datetime(2026, 3, 10, 16, 30, tzinfo=UTC))}
    assert booked_rows(any_engine) == 1
    with session_scope(any_engine) as session:
        assert session.scalar(select(func.count()).select_from(AuditEvent)) == 1


def test_it_books_a_patient_once_when_two_providers_are_asked_for_the_same_time(
    any_engine: Engine, any_session: Session, frozen_now: Callable[..., datetime]
) -> None:
    frozen_now("2026-03-04T10:00:00-08:00")
    build = Build(any_session)
    site = build.location("America/Los_Angeles")
    providers = [build.provider(site) for _ in range(2)]
    patient = build.patient()
    any_session.commit()
    requests = [
        BookingRequest(patient_id=patient.id, slot_id=slot_id(provider.id, site.id, TUESDAY_NINE))
        for provider in providers
    ] * 6

    outcomes = race(any_engine, requests)

    assert sum(isinstance(outcome, str) for outcome in outcomes) == 1
    assert all(
        isinstance(outcome, (Duplicate, SlotTaken))
        for outcome in outcomes
        if not isinstance(outcome, str)
    )
    assert booked_rows(any_engine) == 1


def test_it_leaves_the_other_slots_open_after_the_race(
    any_engine: Engine, any_session: Session, frozen_now: Callable[..., datetime]
) -> None:
    frozen_now("2026-03-04T10:00:00-08:00")
    build = Build(any_session)
    site = build.location("America/Los_Angeles")
    provider = build.provider(site)
    patients = [build.patient() for _ in range(8)]
    any_session.commit()
    tuesday = date(2026, 3, 10)
    slots = find_slots(any_session, SlotQuery(start=tuesday, end=tuesday, limit=4))
    any_session.commit()
    requests = [
        BookingRequest(patient_id=patient.id, slot_id=slots[index % 4].id)
        for index, patient in enumerate(patients)
    ]

    outcomes = race(any_engine, requests)

    assert sum(isinstance(outcome, str) for outcome in outcomes) == 4
    with session_scope(any_engine) as session:
        starts = session.scalars(
            select(Appointment.start_at)
            .where(Appointment.provider_id == provider.id)
            .order_by(Appointment.start_at)
        ).all()
    assert starts == [slot.start for slot in slots]
