"""A fresh copy of the demo practice's database per test, the clock frozen by each test."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import Engine
from sqlalchemy.orm import Session
from tests.outreach.support import demo_template, engine_from

from referraldesk.db.session import session_factory, use_engine


@pytest.fixture(scope="session")
def _demo_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return demo_template(tmp_path_factory.mktemp("demo"))


@pytest.fixture
def engine(tmp_path: Path, _demo_template: Path) -> Iterator[Engine]:
    engine = engine_from(_demo_template, tmp_path)
    use_engine(engine)
    yield engine
    use_engine(None)
    engine.dispose()


@pytest.fixture
def session(engine: Engine) -> Iterator[Session]:
    with session_factory(engine)() as session:
        yield session
