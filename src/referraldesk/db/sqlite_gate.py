"""One writer at a time per SQLite file inside a process, waiting in line, not in a loop.

Every SQLite transaction here takes the write lock at BEGIN (see session.py). Left to
SQLite, forty request threads that want it poll with a growing back-off; the lock is
free for microseconds between holders and a late poller rarely sees it, so a burst of
50 starts left some waiting the full busy timeout and answered 500. Threads blocked on
a Python lock are woken as soon as it is released, so each transaction gets its turn;
one that has waited `wait_seconds` raises `DatabaseBusy` (a 503 with Retry-After).
Other processes on the same file still meet SQLite's own busy timeout.
"""

from __future__ import annotations

import threading
from typing import Any

from sqlalchemy import Engine, event

from referraldesk.errors import Unavailable

_HELD = "referraldesk_sqlite_gate_held"
_gates: dict[str, threading.Lock] = {}
_gates_lock = threading.Lock()


class DatabaseBusy(Unavailable):
    """The database did not give this request its turn in time; try again shortly."""

    retry_after_seconds = 2


def install(engine: Engine, wait_seconds: float) -> None:
    """Queue the transactions of `engine` (a SQLite file) on one lock per file."""
    gate = _gate_for(str(engine.url.database))

    def acquire(connection: Any) -> None:
        if not gate.acquire(timeout=wait_seconds):
            raise DatabaseBusy(
                f"the database is busy: no turn within {wait_seconds:g} s; try again shortly"
            )
        connection.info[_HELD] = gate

    def release(connection: Any) -> None:
        held = connection.info.pop(_HELD, None)
        if held is not None:
            held.release()

    def release_on_checkin(_dbapi_connection: Any, record: Any) -> None:
        # A connection handed back with its transaction never ended (an error between
        # BEGIN and the first statement) must not keep the lock.
        held = record.info.pop(_HELD, None)
        if held is not None:
            held.release()

    event.listen(engine, "begin", acquire)
    event.listen(engine, "commit", release)
    event.listen(engine, "rollback", release)
    event.listen(engine.pool, "checkin", release_on_checkin)


def _gate_for(database: str) -> threading.Lock:
    with _gates_lock:
        return _gates.setdefault(database, threading.Lock())
