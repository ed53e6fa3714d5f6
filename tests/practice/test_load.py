from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime, time, timedelta
from pathlib import Path
from typing import Any

from sqlalchemy import Engine, select
from sqlalchemy.orm import Session

from referraldesk.db.session import session_scope
from referraldesk.models import (
    Appointment,
    AvailabilityBlock,
    Coverage,
    Location,
    Patient,
    Plan,
    Practice,
    Provider,
)
from referraldesk.practice.loader import load_file
from referraldesk.practice.policy import current_policy

WriteFile = Callable[[dict[str, Any]], Path]


def load(engine: Engine, path: Path) -> Any:
    with session_scope(engine) as session:
        return load_file(session, path)


def test_it_loads_a_practice_file(
    engine: Engine, small_practice: dict[str, Any], write_practice: WriteFile
) -> None:
    report = load(engine, write_practice(small_practice))

    with Session(engine) as session:
        provider = session.scalars(select(Provider).where(Provider.npi == "1234567893")).one()
        blocks = sorted((b.weekday, b.starts, b.ends) for b in provider.blocks)
        plans = sorted(plan.key for plan in provider.plans)
        hours = sorted((h.weekday, h.opens) for h in session.scalars(select(Location)).one().hours)
    assert report.totals["providers"] == 2
    assert report.created["providers"] == 2
    assert provider.taxonomy_code == "207N00000X"
    assert blocks == [(0, time(8), time(12)), (1, time(8), time(12))]
    assert plans == ["medicare", "self_pay"]
    assert hours == [(0, time(8)), (1, time(8)), (5, time(8))]


def test_loading_the_same_file_twice_changes_nothing(
    engine: Engine, small_practice: dict[str, Any], write_practice: WriteFile
) -> None:
    path = write_practice(small_practice)
    first = load(engine, path)

    second = load(engine, path)

    assert second.changes == 0
    assert second.totals == first.totals
    assert "changes: created nothing; updated nothing; removed nothing" in second.summary()


def test_it_updates_what_changed_by_natural_key(
    engine: Engine, small_practice: dict[str, Any], write_practice: WriteFile
) -> None:
    load(engine, write_practice(small_practice))
    small_practice["providers"][0]["blocks"][0]["end"] = "11:00"
    small_practice["providers"][1]["family_name"] = "Prado Ruiz"

    report = load(engine, write_practice(small_practice))

    with Session(engine) as session:
        ends = set(
            session.scalars(
                select(AvailabilityBlock.ends).join(Provider).where(Provider.npi == "1234567893")
            )
        )
        count = len(session.scalars(select(Provider)).all())
    assert report.updated["providers"] == 2
    assert report.created["providers"] == 0
    assert ends == {time(11)}
    assert count == 2


def test_it_deletes_an_unlisted_provider_without_history(
    engine: Engine, small_practice: dict[str, Any], write_practice: WriteFile
) -> None:
    load(engine, write_practice(small_practice))
    del small_practice["providers"][1]

    report = load(engine, write_practice(small_practice))

    with Session(engine) as session:
        npis = session.scalars(select(Provider.npi)).all()
    assert report.removed["providers"] == 1
    assert npis == ["1234567893"]


def test_it_deactivates_an_unlisted_provider_with_future_bookings(
    engine: Engine,
    small_practice: dict[str, Any],
    write_practice: WriteFile,
    frozen_now: Callable[[str], datetime],
) -> None:
    frozen_now("2026-03-04T10:00:00-08:00")
    load(engine, write_practice(small_practice))
    _book(engine, "1904000118", datetime(2026, 3, 7, 16, 0, tzinfo=UTC))
    del small_practice["providers"][1]

    report = load(engine, write_practice(small_practice))

    with Session(engine) as session:
        provider = session.scalars(select(Provider).where(Provider.npi == "1904000118")).one()
    assert report.deactivated == ["1904000118"]
    assert provider.active is False
    assert "deactivated provider 1904000118" in report.summary()


def test_it_keeps_a_plan_that_patients_still_hold(
    engine: Engine, small_practice: dict[str, Any], write_practice: WriteFile
) -> None:
    load(engine, write_practice(small_practice))
    with session_scope(engine) as session:
        plan = session.scalars(select(Plan).where(Plan.key == "self_pay")).one()
        patient = _patient(session)
        session.add(Coverage(patient_id=patient.id, plan_id=plan.id))
    del small_practice["plans"][1]
    small_practice["providers"][0]["plans"] = ["medicare"]

    report = load(engine, write_practice(small_practice))

    assert report.kept == ["plans 'self_pay': patients' coverage refers to it"]
    assert report.removed["plans"] == 0


def test_it_stores_the_policy_with_its_defaults(
    engine: Engine, small_practice: dict[str, Any], write_practice: WriteFile
) -> None:
    small_practice["practice"]["policy"] = {"timely_access": {"urgent_hours": 72}}

    load(engine, write_practice(small_practice))

    with Session(engine) as session:
        stored = session.scalars(select(Practice)).one().policy
        policy = current_policy(session)
    assert stored["timely_access"] == {
        "urgent_hours": 72,
        "urgent_no_auth_hours": 48,
        "routine_business_days": 15,
    }
    assert stored["booking"] == {"min_notice_minutes": 60, "horizon_days": 90}
    assert stored["outreach"]["calling_window"] == "08:00-21:00"
    assert policy.timely_access.urgent_hours == 72


def _patient(session: Session) -> Patient:
    patient = Patient(
        given_names="Test",
        surnames=["Person"],
        dob=datetime(1970, 1, 1).date(),
        name_key="test|person",
    )
    session.add(patient)
    session.flush()
    return patient


def _book(engine: Engine, npi: str, start: datetime) -> None:
    with session_scope(engine) as session:
        provider = session.scalars(select(Provider).where(Provider.npi == npi)).one()
        session.add(
            Appointment(
                patient_id=_patient(session).id,
                provider_id=provider.id,
                location_id=provider.locations[0].id,
                start_at=start,
                end_at=start + timedelta(minutes=30),
                timezone="America/Los_Angeles",
            )
        )
