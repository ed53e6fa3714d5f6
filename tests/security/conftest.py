"""Fixtures for the security tests: one practice, a patient, a token per role, a user per
dashboard role, and the app on a fresh copy of the schema per test."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Engine, func, select
from sqlalchemy.orm import Session
from tests.tools.factories import (
    NOW,
    PracticeData,
    engine_from_template,
    make_patient,
    make_practice,
    schema_template,
)

from referraldesk import clock
from referraldesk.api.app import create_app
from referraldesk.auth import tokens
from referraldesk.db.session import session_factory
from referraldesk.models import ROLES, Patient, Provider, User

DASHBOARD_ROLES = ("admin", "staff", "coordinator", "auditor")
VALID_NPIS = ("1234567893", "1497755326", "1245319599", "1679576722")
# Another patient on file, whose details must never reach a reply to anyone else.
OTHER_NAME = "Quillfeather"
OTHER_DOB = date(1971, 9, 23)
OTHER_PHONE = "+15595550177"


@dataclass
class World:
    practice: PracticeData
    maria: Patient
    other: Patient
    tokens: dict[str, str]
    user_ids: dict[str, str]


@pytest.fixture(scope="session")
def _security_schema(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return schema_template(tmp_path_factory.mktemp("security-schema"))


@pytest.fixture
def engine(tmp_path: Path, _security_schema: Path) -> Iterator[Engine]:
    engine = engine_from_template(_security_schema, tmp_path)
    yield engine
    engine.dispose()


@pytest.fixture
def db(engine: Engine) -> Iterator[Session]:
    clock.set_now(clock.parse_instant(NOW), frozen=True)
    with session_factory(engine)() as session:
        yield session


@pytest.fixture
def world(db: Session) -> World:
    return build_world(db)


def build_world(db: Session) -> World:
    """The practice, Maria and another patient, a token per role and a user per dashboard role."""
    practice = make_practice(db)
    # The factories' second NPI fails the check digit, which the practice page refuses.
    for provider, npi in zip(db.scalars(select(Provider).order_by(Provider.npi)),
                             VALID_NPIS, strict=False):
        provider.npi = npi
    maria = make_patient(db, practice.medi_cal)
    other = make_patient(
        db, practice.medi_cal, given_names="Rosalind", surnames=(OTHER_NAME,),
        dob=OTHER_DOB, phone=OTHER_PHONE,
    )
    secrets = {role: tokens.create_token(db, name=f"{role}-test", role=role)[1] for role in ROLES}
    users = {}
    for role in DASHBOARD_ROLES:
        # No password: the tests open sessions directly (argon2 is tested with sign-in).
        user = User(email=f"{role}@valle.example.org", role=role, password_hash="!", active=True)
        db.add(user)
        db.flush()
        users[role] = user.id
    db.commit()
    return World(practice, maria, other, secrets, users)


@pytest.fixture
def client(engine: Engine, world: World) -> Iterator[TestClient]:
    with TestClient(create_app(engine), follow_redirects=False) as test_client:
        yield test_client


def bearer(secret: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {secret}"}


def count_rows(engine: Engine, model: type) -> int:
    with session_factory(engine)() as session:
        return int(session.scalar(select(func.count()).select_from(model)) or 0)
