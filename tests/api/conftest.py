"""Fixtures for API tests: the app on a fresh database, a practice, and a token per role."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Engine
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
from referraldesk.models import ROLES, Patient


@pytest.fixture(scope="session")
def _schema_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return schema_template(tmp_path_factory.mktemp("schema"))


@pytest.fixture
def engine(tmp_path: Path, _schema_template: Path) -> Iterator[Engine]:
    """A fresh database per test, copied from a schema built once (create_all is the slow part)."""
    engine = engine_from_template(_schema_template, tmp_path)
    yield engine
    engine.dispose()


@dataclass
class World:
    practice: PracticeData
    maria: Patient
    tokens: dict[str, str]


@pytest.fixture
def db(engine: Engine) -> Iterator[Session]:
    clock.set_now(clock.parse_instant(NOW), frozen=True)
    with session_factory(engine)() as session:
        yield session


@pytest.fixture
def world(db: Session) -> World:
    practice = make_practice(db)
    maria = make_patient(db, practice.medi_cal)
    secrets = {role: tokens.create_token(db, name=f"{role}-test", role=role)[1] for role in ROLES}
    revoked, secrets["revoked"] = tokens.create_token(db, name="old", role="admin")
    tokens.revoke(db, revoked.id)
    _, secrets["expired"] = tokens.create_token(
        db, name="gone", role="admin", expires_at=clock.now() - timedelta(days=1)
    )
    db.commit()
    return World(practice, maria, secrets)


@pytest.fixture
def client(engine: Engine, world: World) -> Iterator[TestClient]:
    with TestClient(create_app(engine)) as test_client:
        yield test_client


def bearer(secret: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {secret}"}
