"""Data-rights tests run on a copy of one SQLite world, or on PostgreSQL built afresh."""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import Engine
from tests.rights.world import History, build_history, load_practice

from referraldesk import clock
from referraldesk.db.base import Base
from referraldesk.db.session import make_engine, session_factory, use_engine


@pytest.fixture(scope="session")
def _sqlite_world(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, History]:
    path = tmp_path_factory.mktemp("rights") / "world.db"
    engine = make_engine(f"sqlite:///{path}")
    Base.metadata.create_all(engine)
    use_engine(engine)
    try:
        with session_factory(engine)() as session:
            load_practice(session)
            history = build_history(session)
    finally:
        use_engine(None)
        clock.get_clock().reset()
        engine.dispose()
    return path, history


@pytest.fixture
def sqlite_world(_sqlite_world: tuple[Path, History], tmp_path: Path) -> Iterator[
        tuple[Engine, History]]:
    copy = tmp_path / "rights.db"
    shutil.copyfile(_sqlite_world[0], copy)
    engine = make_engine(f"sqlite:///{copy}")
    use_engine(engine)
    yield engine, _sqlite_world[1]
    use_engine(None)
    engine.dispose()


@pytest.fixture
def pg_world(pg_engine: Engine) -> tuple[Engine, History]:
    with session_factory(pg_engine)() as session:
        load_practice(session)
        history = build_history(session)
    return pg_engine, history


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def world(request: pytest.FixtureRequest) -> tuple[Engine, History]:
    name = "sqlite_world" if request.param == "sqlite" else "pg_world"
    world: tuple[Engine, History] = request.getfixturevalue(name)
    return world
