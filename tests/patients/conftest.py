"""A tiny practice for patient tests: four plans, a staff actor, a patient factory."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from datetime import date
from pathlib import Path

import pytest
from sqlalchemy import Engine
from sqlalchemy.orm import Session

from referraldesk import clock
from referraldesk.audit.trail import Actor
from referraldesk.db.base import Base
from referraldesk.db.session import make_engine
from referraldesk.models import Coverage, Patient, PatientPhone, Plan
from referraldesk.patients.names import name_key

NOW = "2026-03-04T10:00:00-08:00"
STAFF = Actor(name="staff:desk@clinic.example.org", role="staff")

AddPatient = Callable[..., Patient]


@pytest.fixture
def staff() -> Actor:
    return STAFF


@pytest.fixture
def today(frozen_now: Callable[[str], object]) -> date:
    frozen_now(NOW)
    return date(2026, 3, 4)


def add_plans(session: Session) -> dict[str, Plan]:
    plans = {
        "anthem_medi_cal": Plan(
            key="anthem_medi_cal",
            name="Anthem Blue Cross Medi-Cal",
            payer="Anthem Blue Cross",
            kind="medi_cal",
            aliases=["Anthem Medi-Cal", "Blue Cross Medi-Cal"],
        ),
        "health_net_medi_cal": Plan(
            key="health_net_medi_cal",
            name="Health Net Medi-Cal",
            payer="Health Net",
            kind="medi_cal",
            aliases=["Health Net Community Solutions"],
        ),
        "medicare": Plan(key="medicare", name="Medicare", payer="CMS", kind="medicare"),
        "self_pay": Plan(key="self_pay", name="Self Pay", payer="Patient", kind="self_pay"),
    }
    session.add_all(plans.values())
    session.flush()
    return plans


def add_patient(
    session: Session,
    given: str,
    surnames: list[str],
    dob: date,
    phone: str = "+15595550143",
    plan: Plan | None = None,
    status: str = "active",
) -> Patient:
    patient = Patient(
        given_names=given,
        surnames=surnames,
        dob=dob,
        name_key=name_key(given, surnames),
        status=status,
    )
    patient.phones.append(PatientPhone(e164=phone, is_primary=True))
    if plan is not None:
        patient.coverages.append(Coverage(plan_id=plan.id, is_primary=True))
    session.add(patient)
    session.flush()
    return patient


@pytest.fixture
def plans(session: Session) -> dict[str, Plan]:
    return add_plans(session)


@pytest.fixture(scope="module")
def registry_engine(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Engine]:
    """One SQLite database per test module, for tests that only read patients."""
    path: Path = tmp_path_factory.mktemp("patients") / "registry.db"
    engine = make_engine(f"sqlite:///{path}")
    Base.metadata.create_all(engine)
    yield engine
    engine.dispose()
    clock.get_clock().reset()
