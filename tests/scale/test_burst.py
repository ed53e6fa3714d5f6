"""A burst of new conversations on one process, on the SQLite default and on PostgreSQL:
every start succeeds, or is told 503 with Retry-After and leaves nothing behind; never
a 500."""

from __future__ import annotations

from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import httpx
import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Engine, func, select
from tests.conversation.factories import NOW, make_practice

from referraldesk import clock
from referraldesk.api.app import create_app
from referraldesk.db.base import Base
from referraldesk.db.session import make_engine, session_factory
from referraldesk.models import Conversation
from referraldesk.settings import reset_settings_cache

BURST = 50


def sqlite_app_engine(path: Path) -> Engine:
    engine = make_engine(f"sqlite:///{path}")
    Base.metadata.create_all(engine)
    return with_practice(engine)


def with_practice(engine: Engine) -> Engine:
    clock.set_now(clock.parse_instant(NOW), frozen=True)
    with session_factory(engine)() as session:
        make_practice(session)
        session.commit()
    return engine


@pytest.fixture
def generous_limits(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    monkeypatch.setenv("REFERRALDESK_CHAT_STARTS_PER_10_MINUTES", "100000")
    reset_settings_cache()
    yield
    reset_settings_cache()


def burst(engine: Engine) -> list[httpx.Response]:
    with TestClient(create_app(engine), raise_server_exceptions=False) as client:

        def start(_: int) -> httpx.Response:
            return client.post("/api/conversations", json={"channel": "chat"})

        with ThreadPoolExecutor(BURST) as pool:
            return list(pool.map(start, range(BURST)))


def stored(engine: Engine) -> int:
    with session_factory(engine)() as session:
        return int(session.scalar(select(func.count()).select_from(Conversation)) or 0)


def test_fifty_simultaneous_starts_all_succeed(tmp_path: Path, generous_limits: None) -> None:
    engine = sqlite_app_engine(tmp_path / "burst.db")

    statuses = [response.status_code for response in burst(engine)]

    assert statuses == [201] * BURST
    assert stored(engine) == BURST
    engine.dispose()


@pytest.mark.postgres
def test_fifty_simultaneous_starts_on_postgresql_all_succeed(
    pg_engine: Engine, generous_limits: None
) -> None:
    engine = with_practice(pg_engine)

    statuses = [response.status_code for response in burst(engine)]

    assert statuses == [201] * BURST
    assert stored(engine) == BURST


def test_a_request_that_waits_too_long_gets_503_with_retry_after(
    tmp_path: Path, generous_limits: None, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("REFERRALDESK_DB_WAIT_SECONDS", "0.001")
    reset_settings_cache()
    engine = sqlite_app_engine(tmp_path / "impatient.db")

    responses = burst(engine)

    statuses = sorted({response.status_code for response in responses})
    refused = [response for response in responses if response.status_code == 503]
    assert statuses == [201, 503]
    assert {response.headers["retry-after"] for response in refused} == {"2"}
    assert refused[0].json()["error"]["code"] == "unavailable"
    assert stored(engine) == BURST - len(refused)
    engine.dispose()
