"""A tiny practice for intake tests, built once and copied for each test.

Specialties dermatology, orthopedics, cardiology and pediatrics, one provider
each; the plans the sample messages name; a token per role. The database file is
built once per session and copied per test (schema and practice in ~milliseconds).
"""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Engine
from sqlalchemy.orm import Session
from tests.intake.support import NOW

from referraldesk import clock
from referraldesk.api.app import create_app
from referraldesk.auth import tokens
from referraldesk.db.base import Base
from referraldesk.db.session import make_engine, session_factory, use_engine
from referraldesk.models import ROLES, Location, Plan, Practice, Provider, Specialty

SPECIALTIES = (
    ("dermatology", "207N00000X", "Dermatology", "Dermatología", "1801000001"),
    ("orthopedics", "207X00000X", "Orthopedics", "Ortopedia", "1801000002"),
    ("cardiology", "207RC0000X", "Cardiology", "Cardiología", "1801000003"),
    ("pediatrics", "208000000X", "Pediatrics", "Pediatría", "1801000004"),
)
PLANS = (
    ("anthem_medi_cal", "Anthem Blue Cross Medi-Cal", "medi_cal", ["Anthem Medi-Cal", "Anthem"]),
    ("health_net_medi_cal", "Health Net Medi-Cal", "medi_cal", ["Health Net"]),
    ("medicare", "Medicare", "medicare", ["Original Medicare"]),
)


@dataclass(frozen=True)
class Template:
    path: Path
    secrets: dict[str, str]


@pytest.fixture(scope="session")
def _template(tmp_path_factory: pytest.TempPathFactory) -> Template:
    path = tmp_path_factory.mktemp("intake") / "template.db"
    engine = make_engine(f"sqlite:///{path}")
    Base.metadata.create_all(engine)
    with session_factory(engine)() as session:
        _practice(session)
        secrets = {role: tokens.create_token(session, name=f"{role}-token", role=role)[1]
                   for role in ROLES}
        session.commit()
    engine.dispose()
    return Template(path, secrets)


def _practice(session: Session) -> None:
    session.add(Practice(name="Sequoia Test Clinic", timezone="America/Los_Angeles",
                         policy={"auto_accept_referrals": True}))
    site = Location(key="visalia", name="Visalia", timezone="America/Los_Angeles")
    plans = [Plan(key=key, name=name, payer=name, kind=kind, aliases=aliases)
             for key, name, kind, aliases in PLANS]
    session.add_all([site, *plans])
    for key, nucc, label_en, label_es, npi in SPECIALTIES:
        session.add(Specialty(key=key, nucc_code=nucc, label_en=label_en, label_es=label_es))
        session.add(Provider(npi=npi, given_name="Test", family_name=label_en,
                             specialty_key=key, taxonomy_code=nucc, locations=[site],
                             plans=list(plans)))
    session.flush()


@pytest.fixture
def intake_engine(_template: Template, tmp_path: Path) -> Iterator[Engine]:
    copy = tmp_path / "intake.db"
    shutil.copyfile(_template.path, copy)
    engine = make_engine(f"sqlite:///{copy}")
    use_engine(engine)
    clock.set_now(clock.parse_instant(NOW), frozen=True)
    yield engine
    use_engine(None)
    engine.dispose()


@pytest.fixture
def db(intake_engine: Engine) -> Iterator[Session]:
    with session_factory(intake_engine)() as session:
        yield session


@pytest.fixture
def secrets(_template: Template) -> dict[str, str]:
    return _template.secrets


@pytest.fixture
def client(intake_engine: Engine) -> Iterator[TestClient]:
    with TestClient(create_app(intake_engine)) as test_client:
        yield test_client
