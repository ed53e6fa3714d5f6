"""`POST /api/appointments` and `referraldesk slots` read the practice's configured
calendar: with the FHIR backend, the EHR's open times, not the built-in calendar's.

The practice's own file closes every site on Wednesday 2026-04-15; the EHR does not.
The built-in calendar would answer "no slot" that day; the EHR has open times."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from datetime import date
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Engine, func, select
from sqlalchemy.orm import Session
from tests.scheduling_fhir.conftest import NOW, STAFF, Ehr
from typer.testing import CliRunner

from referraldesk.api.app import create_app
from referraldesk.auth.tokens import create_token
from referraldesk.cli import app as cli
from referraldesk.cli import common
from referraldesk.db.session import session_factory
from referraldesk.models import Appointment, Closure, Provider
from referraldesk.patients.service import register_patient
from referraldesk.scheduling.backends import calendar_for
from referraldesk.scheduling.booking import BookingRequest, book
from referraldesk.scheduling.slots import Slot, SlotQuery, find_slots

CLOSED_HERE = date(2026, 4, 15)


@pytest.fixture
def practice(practice_engine: Engine, use_fhir: Callable[..., None]) -> Iterator[Session]:
    with session_factory(practice_engine)() as session:
        session.add(
            Closure(
                location_id=None,
                starts_on=CLOSED_HERE,
                ends_on=CLOSED_HERE,
                name="Staff training (this practice's file only)",
            )
        )
        session.commit()
        yield session


@pytest.fixture
def api(practice: Session, practice_engine: Engine) -> TestClient:
    _, secret = create_token(practice, name="scheduler-bridge", role="integration")
    practice.commit()
    return TestClient(
        create_app(engine=practice_engine), headers={"Authorization": f"Bearer {secret}"}
    )


def ehr_slots(practice: Session) -> list[Slot]:
    query = SlotQuery(specialty_key="orthopedics", start=CLOSED_HERE, end=CLOSED_HERE, limit=8)
    found = calendar_for(practice).find_slots(practice, query)
    practice.commit()
    return found


def ehr_bookings_at(ehr: Ehr, npi: str, slot: Slot) -> int:
    with ehr.session() as session:
        return (
            session.scalar(
                select(func.count())
                .select_from(Appointment)
                .join(Provider)
                .where(
                    Provider.npi == npi,
                    Appointment.start_at == slot.start,
                    Appointment.status == "booked",
                )
            )
            or 0
        )


def npi_of(practice: Session, slot: Slot) -> str:
    provider = practice.get(Provider, slot.provider_id)
    assert provider is not None
    # On SQLite an open transaction holds the write lock the API needs.
    practice.commit()
    return provider.npi


def test_the_built_in_calendar_is_closed_that_day_and_the_ehr_is_open(practice: Session) -> None:
    builtin = find_slots(
        practice,
        SlotQuery(specialty_key="orthopedics", start=CLOSED_HERE, end=CLOSED_HERE, limit=8),
    )

    assert builtin == []
    assert len(ehr_slots(practice)) == 8


def test_the_api_books_an_ehr_time_by_provider_and_by_specialty(
    practice: Session, ehr: Ehr, api: TestClient, daniel: str
) -> None:
    first, second = ehr_slots(practice)[:2]

    by_provider = api.post(
        "/api/appointments",
        json={
            "patient_id": daniel,
            "provider_id": first.provider_id,
            "start": first.start.isoformat(),
        },
    )
    by_specialty = api.post(
        "/api/appointments",
        json={"patient_id": daniel, "specialty": "orthopedics", "start": second.start.isoformat()},
    )

    assert by_provider.status_code == 201, by_provider.json()
    assert by_specialty.status_code == 201, by_specialty.json()
    for answer, slot in ((by_provider, first), (by_specialty, second)):
        local = practice.get(Appointment, answer.json()["id"])
        assert local is not None and local.external_id and local.start_at == slot.start
        assert ehr_bookings_at(ehr, npi_of(practice, slot), slot) == 1


def test_a_time_taken_at_the_ehr_front_desk_is_slot_taken_and_not_double_booked(
    practice: Session, ehr: Ehr, api: TestClient, daniel: str
) -> None:
    slot = ehr_slots(practice)[0]
    npi = npi_of(practice, slot)
    with ehr.session() as session:
        walk_in = register_patient(
            session,
            STAFF,
            {
                "given_names": "Rosa",
                "surnames": ["Mendez"],
                "dob": "1990-02-02",
                "phone": "+15595550199",
                "plan": "self pay",
            },
        )
        provider_id = session.scalars(select(Provider.id).where(Provider.npi == npi)).one()
        book(
            session,
            STAFF,
            BookingRequest(patient_id=walk_in.id, provider_id=provider_id, start=slot.start),
        )
        session.commit()

    answer = api.post(
        "/api/appointments",
        json={
            "patient_id": daniel,
            "provider_id": slot.provider_id,
            "start": slot.start.isoformat(),
        },
    )

    assert (answer.status_code, answer.json()["error"]["code"]) == (409, "slot_taken")
    assert ehr_bookings_at(ehr, npi, slot) == 1
    assert (
        practice.scalar(
            select(func.count()).select_from(Appointment).where(Appointment.patient_id == daniel)
        )
        == 0
    )


def test_the_slots_command_lists_the_ehr_open_times(
    practice: Session, monkeypatch: pytest.MonkeyPatch
) -> None:
    expected = ehr_slots(practice)[:3]
    monkeypatch.setattr(common, "configure_logging", lambda *_, **__: None)

    result = CliRunner().invoke(
        cli,
        [
            "slots",
            "--specialty",
            "orthopedics",
            "--from",
            CLOSED_HERE.isoformat(),
            "--days",
            "1",
            "--limit",
            "3",
            "--ids",
            f"--now={NOW}",
        ],
    )

    assert result.exit_code == 0, result.output
    lines: list[Any] = result.stdout.strip().splitlines()
    assert [line.rsplit("[", 1)[1].rstrip("]") for line in lines] == [s.id for s in expected]
