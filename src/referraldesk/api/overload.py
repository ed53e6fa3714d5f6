"""Answers for a database that cannot take more work right now: 503 with Retry-After.

Under a burst a request may wait too long for a pooled connection (PostgreSQL) or for
its turn at the write lock (SQLite). That is no bug and no bad input: the client
should come back in a moment, and nothing was stored (the request's transaction rolled
back). Without these handlers it would surface as a 500 after a long hang.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse
from sqlalchemy.exc import OperationalError
from sqlalchemy.exc import TimeoutError as PoolTimeout

from referraldesk.db.sqlite_gate import DatabaseBusy
from referraldesk.logging import get_logger
from referraldesk.settings import get_settings

log = get_logger(__name__)

RETRY_AFTER_SECONDS = 2


def install_overload_handlers(app: FastAPI) -> None:
    app.add_exception_handler(DatabaseBusy, _busy)
    app.add_exception_handler(PoolTimeout, _busy)
    app.add_exception_handler(OperationalError, _locked_or_raise)


async def _busy(request: Request, exc: Exception) -> JSONResponse:
    log.warning("database_busy", path=request.url.path, error=type(exc).__name__)
    return _retry_later()


async def _locked_or_raise(request: Request, exc: Exception) -> JSONResponse:
    # Another process held SQLite's write lock past the busy timeout; any other
    # operational error (a lost connection, a bad statement) is a real failure.
    if "database is locked" not in str(exc):
        raise exc
    return await _busy(request, exc)


def _retry_later() -> JSONResponse:
    return JSONResponse(
        {
            "error": {
                "code": "unavailable",
                "message": "the service is busy; nothing was stored, try again in a moment",
            }
        },
        status_code=503,
        headers={"Retry-After": str(RETRY_AFTER_SECONDS)},
    )


@asynccontextmanager
async def admitted(request: Request) -> AsyncIterator[None]:
    """Hold one of the process's database slots for this request; 503 if none frees in time.

    Requests that wait here wait on the event loop, not in a worker thread. Waiting
    in threads (for a pooled connection or SQLite's write lock) let a burst take all
    40 of them, and the request holding the lock then had no thread left to finish
    its response in: every request stalled until the waits timed out.
    """
    gate = _gate_of(request)
    try:
        await asyncio.wait_for(gate.acquire(), timeout=get_settings().db_wait_seconds)
    except TimeoutError as exc:
        raise DatabaseBusy("the service is busy: no database slot in time") from exc
    try:
        yield
    finally:
        gate.release()


def _gate_of(request: Request) -> asyncio.Semaphore:
    state = request.app.state
    gate: asyncio.Semaphore | None = getattr(state, "database_gate", None)
    if gate is None:
        gate = asyncio.Semaphore(get_settings().web_max_active_requests)
        state.database_gate = gate
    return gate
