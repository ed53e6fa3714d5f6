"""Engine and session factory. The request or the job owns the transaction."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from functools import lru_cache
from pathlib import Path

from sqlalchemy import Engine, create_engine, event
from sqlalchemy.orm import Session, sessionmaker

from referraldesk.db import sqlite_gate
from referraldesk.settings import get_settings


def make_engine(url: str) -> Engine:
    """An engine for `url`, its pool and waits sized by the settings (DB_POOL_SIZE ...)."""
    settings = get_settings()
    if url.startswith("sqlite"):
        _ensure_sqlite_folder(url)
        engine = create_engine(url, connect_args={"check_same_thread": False, "timeout": 30})
        event.listen(engine, "connect", _tune_sqlite)
        # Queue for the write lock in this process first (registered before BEGIN).
        sqlite_gate.install(engine, settings.db_wait_seconds)
        # Take the write lock at BEGIN: two bookings racing for one slot must
        # serialize, not both read "free" and then one fail at COMMIT.
        event.listen(engine, "begin", lambda conn: conn.exec_driver_sql("BEGIN IMMEDIATE"))
        return engine
    return create_engine(
        url,
        pool_pre_ping=True,
        pool_size=settings.db_pool_size,
        max_overflow=settings.db_max_overflow,
        pool_timeout=settings.db_wait_seconds,
    )


def _ensure_sqlite_folder(url: str) -> None:
    path = url.split("///", 1)[-1]
    if path and path != ":memory:" and not path.startswith("file:"):
        Path(path).parent.mkdir(parents=True, exist_ok=True)


def _tune_sqlite(dbapi_connection, _record) -> None:  # type: ignore[no-untyped-def]
    # Python's sqlite3 opens its own transactions, which would defeat BEGIN IMMEDIATE.
    dbapi_connection.isolation_level = None
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.execute("PRAGMA busy_timeout=30000")
    cursor.close()


_engine_override: Engine | None = None


def get_engine() -> Engine:
    """The application's engine: the settings' database, or the one a test installed."""
    if _engine_override is not None:
        return _engine_override
    return _engine_for(get_settings().database_url)


@lru_cache(maxsize=4)
def _engine_for(url: str) -> Engine:
    return make_engine(url)


def use_engine(engine: Engine | None) -> None:
    """Make every `get_engine()` return `engine` (None restores the settings' one).

    Tests and the caller-case player use this so that jobs, commands and the web
    app they start all reach the database the test built.
    """
    global _engine_override
    _engine_override = engine


def session_factory(engine: Engine | None = None) -> sessionmaker[Session]:
    return sessionmaker(bind=engine or get_engine(), expire_on_commit=False)


@contextmanager
def session_scope(engine: Engine | None = None) -> Iterator[Session]:
    """A unit of work: commit on success, roll back on any error."""
    session = session_factory(engine)()
    try:
        yield session
        session.commit()
    except BaseException:
        session.rollback()
        raise
    finally:
        session.close()


def reset_engines() -> None:
    use_engine(None)
    _engine_for.cache_clear()
