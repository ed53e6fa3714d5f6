"""Answers for a database that cannot take more work right now: 503 with Retry-After.

Under a burst a request may wait too long for a pooled connection (PostgreSQL) or for
its turn at the write lock (SQLite). That is no bug and no bad input: the client
should come back in a moment, and nothing was stored (the request's transaction rolled
back). Without these handlers it would surface as a 500 after a long hang.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from typing import ParamSpec, TypeVar

from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse
from sqlalchemy.exc import OperationalError
from sqlalchemy.exc import TimeoutError as PoolTimeout
from starlette.applications import Starlette
from starlette.concurrency import run_in_threadpool
from starlette.requests import HTTPConnection

from referraldesk.db.sqlite_gate import DatabaseBusy
from referraldesk.logging import get_logger
from referraldesk.settings import get_settings

log = get_logger(__name__)

RETRY_AFTER_SECONDS = 2
P = ParamSpec("P")
T = TypeVar("T")


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
async def admitted(
    connection: HTTPConnection, *, app: Starlette | None = None
) -> AsyncIterator[None]:
    """Hold one of the process's database slots for this request; 503 if none frees in time.

    Requests that wait here wait on the event loop, not in a worker thread. Waiting
    in threads (for a pooled connection or SQLite's write lock) let a burst take all
    40 of them, and the request holding the lock then had no thread left to finish
    its response in: every request stalled until the waits timed out.

    `connection` is a request or a WebSocket. `app` is the application whose slots
    are taken, by default the connection's; a mounted app (the dashboard) passes the
    root app, so the whole process shares one limit.
    """
    gate = _gate_of(app or connection.app)
    try:
        await asyncio.wait_for(gate.acquire(), timeout=get_settings().db_wait_seconds)
    except TimeoutError as exc:
        raise DatabaseBusy("the service is busy: no database slot in time") from exc
    try:
        yield
    finally:
        gate.release()


async def run_admitted(
    connection: HTTPConnection, work: Callable[P, T], *args: P.args, **kwargs: P.kwargs
) -> T:
    """Run `work` in the thread pool while holding a database slot (see `admitted`).

    For the routes that open their own sessions instead of taking `DbSession`: the
    SMS webhook and each message of the ConversationRelay socket.
    """
    async with admitted(connection):
        return await run_in_threadpool(work, *args, **kwargs)


def _gate_of(app: Starlette) -> asyncio.Semaphore:
    state = app.state
    gate: asyncio.Semaphore | None = getattr(state, "database_gate", None)
    if gate is None:
        gate = asyncio.Semaphore(get_settings().web_max_active_requests)
        state.database_gate = gate
    return gate
