"""Shared fixtures: a fresh database per test on SQLite, and on PostgreSQL where asked.

- `engine`: a new SQLite file with the full schema.
- `pg_engine`: the same on PostgreSQL; the test run creates its own database on
  127.0.0.1:5432 and drops it at the end, so nothing is left behind.
- `any_engine`: parametrized over both, for storage and booking tests.
- `session`: a session on `engine`; tests commit as the application would.
- `frozen_now`: freezes the practice clock at an instant a test names.
"""

from __future__ import annotations

import os
import tempfile
import uuid
from collections.abc import Callable, Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest
import structlog
from sqlalchemy import Engine, create_engine, text
from sqlalchemy.orm import Session

import referraldesk.models  # noqa: F401 - registers every table
from referraldesk import clock
from referraldesk.db.base import Base
from referraldesk.db.session import make_engine, session_factory, use_engine
from referraldesk.jobs import huey
from referraldesk.settings import reset_settings_cache

# A fixed key, so PHI columns are encrypted in every test as in production, and no
# test writes var/encryption.key.
TEST_ENCRYPTION_KEY = "TKlu5taD7bY1x9C04BnpHieMqDTfqRvEgtsQb3gMj3g="
os.environ["REFERRALDESK_ENCRYPTION_KEY"] = TEST_ENCRYPTION_KEY
os.environ.pop("REFERRALDESK_ENCRYPTION_OLD_KEYS", None)
# Likewise a fixed session secret, so no test writes var/session.secret.
os.environ["REFERRALDESK_SESSION_SECRET"] = "test-session-secret-0123456789abcdefghijklmnop"
# And a fixed audit key, with the chain's checkpoint in this process's own temporary
# folder: no test writes var/audit.key or var/audit.checkpoint.
os.environ["REFERRALDESK_AUDIT_KEY"] = "test-audit-key-0123456789abcdefghijklmnopqrstuv"
os.environ["REFERRALDESK_AUDIT_CHECKPOINT_FILE"] = str(
    Path(tempfile.mkdtemp(prefix="referraldesk-tests-")) / "audit.checkpoint"
)
reset_settings_cache()  # importing the job queue above has already read them

PG_ADMIN_URL = os.environ.get(
    "REFERRALDESK_TEST_PG_ADMIN_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/postgres"
)


@pytest.fixture(autouse=True)
def _reset_clock() -> Iterator[None]:
    yield
    clock.get_clock().reset()


@pytest.fixture(autouse=True)
def _keep_logging_as_it_was() -> Iterator[None]:
    # A CLI command run in a test configures logging (a level, a stream) for the whole
    # process; the tests after it, in whatever order, must log as before.
    saved = structlog.get_config()
    yield
    structlog.configure(**saved)


@pytest.fixture(autouse=True, scope="session")
def _jobs_run_inline() -> Iterator[None]:
    # Jobs run at once in the test's thread, against the test's database.
    huey.immediate = True
    yield


# When the `demo` fixture's practice is loaded and its clock stands (a Thursday, 9:00 in
# the demo's Pacific time).
DEMO_NOW = datetime(2026, 12, 3, 17, 0, tzinfo=UTC)


@pytest.fixture
def demo(engine: Engine) -> Engine:
    """The test's database with the demo practice loaded, the clock frozen at DEMO_NOW."""
    from referraldesk.practice.loader import load_demo

    clock.set_now(DEMO_NOW, frozen=True)
    with session_factory(engine)() as session:
        load_demo(session, DEMO_NOW.date())
        session.commit()
    return engine


@pytest.fixture
def frozen_now() -> Callable[[datetime | str], datetime]:
    def freeze(instant: datetime | str) -> datetime:
        value = datetime.fromisoformat(instant) if isinstance(instant, str) else instant
        clock.set_now(value, frozen=True)
        return value

    return freeze


@pytest.fixture
def engine(tmp_path: Path) -> Iterator[Engine]:
    engine = make_engine(f"sqlite:///{tmp_path / 'test.db'}")
    Base.metadata.create_all(engine)
    use_engine(engine)
    yield engine
    use_engine(None)
    engine.dispose()


@pytest.fixture(scope="session")
def _pg_database() -> Iterator[str]:
    name = f"rd_test_{os.getpid()}_{uuid.uuid4().hex[:6]}"
    admin = create_engine(PG_ADMIN_URL, isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.execute(text(f'CREATE DATABASE "{name}"'))
    url = PG_ADMIN_URL.rsplit("/", 1)[0] + f"/{name}"
    pg = make_engine(url)
    Base.metadata.create_all(pg)
    pg.dispose()
    yield url
    with admin.connect() as connection:
        connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    admin.dispose()


@pytest.fixture
def pg_engine(_pg_database: str) -> Iterator[Engine]:
    engine = make_engine(_pg_database)
    _truncate_all(engine)
    use_engine(engine)
    yield engine
    use_engine(None)
    engine.dispose()


def _truncate_all(engine: Engine) -> None:
    tables = ", ".join(f'"{table.name}"' for table in Base.metadata.sorted_tables)
    with engine.begin() as connection:
        connection.execute(text(f"TRUNCATE {tables} RESTART IDENTITY CASCADE"))


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def any_engine(request: pytest.FixtureRequest) -> Engine:
    if request.param == "sqlite":
        return request.getfixturevalue("engine")
    return request.getfixturevalue("pg_engine")


@pytest.fixture
def session(engine: Engine) -> Iterator[Session]:
    with session_factory(engine)() as session:
        yield session
