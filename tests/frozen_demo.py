"""Fixtures shared by the SIU feed and calendar feed tests: the demo practice per test
(copied from one template), the clock frozen on a Wednesday, a client and an
integration token. Each of those conftests imports them by name."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Engine
from sqlalchemy.orm import Session
from tests.outreach.support import demo_template, engine_from
from tests.siu.support import NOW

from referraldesk import clock
from referraldesk.api.app import create_app
from referraldesk.auth import tokens
from referraldesk.db.session import session_factory, use_engine


@pytest.fixture(scope="session")
def _demo_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return demo_template(tmp_path_factory.mktemp("frozen-demo"))


@pytest.fixture
def engine(tmp_path: Path, _demo_template: Path) -> Iterator[Engine]:
    engine = engine_from(_demo_template, tmp_path)
    use_engine(engine)
    clock.set_now(clock.parse_instant(NOW), frozen=True)
    yield engine
    use_engine(None)
    engine.dispose()


@pytest.fixture
def session(engine: Engine) -> Iterator[Session]:
    with session_factory(engine)() as session:
        yield session


@pytest.fixture
def integration_secret(engine: Engine) -> str:
    with session_factory(engine)() as session:
        secret = tokens.create_token(session, name="pm-interface", role="integration")[1]
        session.commit()
    return secret


@pytest.fixture
def client(engine: Engine) -> Iterator[TestClient]:
    with TestClient(create_app(engine)) as test_client:
        yield test_client
