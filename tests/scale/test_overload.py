"""What a busy process answers: a PostgreSQL pool time-out and a full database limit are
503 with Retry-After and store nothing, on the API, the SMS webhook and the dashboard;
and the start limit's counter lives in Redis when Redis is configured."""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import Callable, Iterator
from datetime import datetime
from urllib.parse import urlencode

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from redis import Redis
from sqlalchemy import Engine, func, select
from sqlalchemy.orm import Session
from starlette.datastructures import ImmutableMultiDict
from tests.conversation.factories import NOW, make_practice
from twilio.request_validator import RequestValidator

from referraldesk import clock
from referraldesk.api.app import create_app
from referraldesk.channels.ratelimit import REDIS_PREFIX, RateLimit
from referraldesk.db.session import make_engine, session_factory
from referraldesk.errors import RateLimited
from referraldesk.models import Conversation, RateCounter
from referraldesk.settings import reset_settings_cache

REDIS_URL = "redis://127.0.0.1:6379/0"
TWILIO_TOKEN = "12345678901234567890123456789012"
PUBLIC_URL = "https://clinic.example.org"

Freeze = Callable[[datetime | str], datetime]


@pytest.fixture
def settings_env(monkeypatch: pytest.MonkeyPatch) -> Iterator[Callable[..., None]]:
    """Set REFERRALDESK_* variables for this test; the settings are read again."""

    def apply(**values: str) -> None:
        for name, value in values.items():
            monkeypatch.setenv(f"REFERRALDESK_{name}", value)
        reset_settings_cache()

    yield apply
    monkeypatch.undo()
    reset_settings_cache()


def with_practice(engine: Engine) -> Engine:
    clock.set_now(clock.parse_instant(NOW), frozen=True)
    with session_factory(engine)() as session:
        make_practice(session)
        session.commit()
    return engine


def stored(engine: Engine) -> int:
    with Session(engine) as session:
        return int(session.scalar(select(func.count()).select_from(Conversation)) or 0)


def no_free_slot(app: FastAPI) -> FastAPI:
    """Every database slot of the process taken (see api/overload.admitted)."""
    app.state.database_gate = asyncio.Semaphore(0)
    return app


def signed_text(client: TestClient, body: str, sid: str) -> object:
    fields = [("From", "+15595550143"), ("To", "+15595550100"), ("Body", body),
              ("MessageSid", sid)]
    signature = RequestValidator(TWILIO_TOKEN).compute_signature(
        f"{PUBLIC_URL}/twilio/sms", ImmutableMultiDict(fields)
    )
    return client.post(
        "/twilio/sms",
        content=urlencode(fields),
        headers={"content-type": "application/x-www-form-urlencoded",
                 "x-twilio-signature": signature},
    )


@pytest.mark.postgres
def test_a_postgresql_pool_time_out_is_503_with_retry_after_and_stores_nothing(
    pg_engine: Engine, settings_env: Callable[..., None]
) -> None:
    settings_env(DB_POOL_SIZE="2", DB_MAX_OVERFLOW="0", DB_WAIT_SECONDS="0.2")
    with_practice(pg_engine)
    small = make_engine(pg_engine.url.render_as_string(hide_password=False))

    with TestClient(create_app(small), raise_server_exceptions=False) as client:
        with small.connect() as first, small.connect() as second:
            held = (first.closed, second.closed)
            refused = client.post("/api/conversations", json={"channel": "chat"})
        after_refusal = stored(pg_engine)
        started = client.post("/api/conversations", json={"channel": "chat"})
    small.dispose()

    assert held == (False, False)
    assert refused.status_code == 503
    assert refused.headers["retry-after"] == "2"
    assert refused.json()["error"]["code"] == "unavailable"
    assert after_refusal == 0
    assert started.status_code == 201
    assert stored(pg_engine) == 1


def test_the_sms_webhook_waits_for_a_database_slot_and_answers_503_twiml_when_none_frees(
    engine: Engine, settings_env: Callable[..., None]
) -> None:
    settings_env(TWILIO_AUTH_TOKEN=TWILIO_TOKEN, PUBLIC_URL=PUBLIC_URL, DB_WAIT_SECONDS="0.05")
    with_practice(engine)

    with TestClient(no_free_slot(create_app(engine)), raise_server_exceptions=False) as client:
        response = signed_text(client, "necesito una cita", "SM1")

    assert response.status_code == 503  # type: ignore[attr-defined]
    assert response.headers["retry-after"] == "2"  # type: ignore[attr-defined]
    assert response.headers["content-type"].startswith("application/xml")  # type: ignore[attr-defined]
    assert response.text == (  # type: ignore[attr-defined]
        '<?xml version="1.0" encoding="UTF-8"?><Response />'
    )
    assert stored(engine) == 0


def test_the_dashboard_shares_the_database_limit_of_the_api(
    engine: Engine, settings_env: Callable[..., None]
) -> None:
    settings_env(DB_WAIT_SECONDS="0.05")
    with_practice(engine)

    with TestClient(no_free_slot(create_app(engine)), raise_server_exceptions=False) as client:
        page = client.get("/admin/", follow_redirects=False)
        started = client.post("/api/conversations", json={"channel": "chat"})

    assert page.status_code == 503
    assert "busy" in page.text
    assert (started.status_code, started.headers["retry-after"]) == (503, "2")


@pytest.fixture
def redis_limit(settings_env: Callable[..., None]) -> Iterator[tuple[RateLimit, Redis]]:
    """A limit of 2 per 10 minutes counted in the real Redis, under a name of its own."""
    settings_env(REDIS_URL=REDIS_URL)
    limit = RateLimit(f"test-{uuid.uuid4().hex[:12]}", limit=2, window_seconds=600)
    redis = Redis.from_url(REDIS_URL)
    yield limit, redis
    for key in redis.scan_iter(f"{REDIS_PREFIX}{limit.name}:*"):
        redis.delete(key)
    redis.close()


def test_the_rate_counter_lives_in_redis_and_expires_with_its_window(
    session: Session, redis_limit: tuple[RateLimit, Redis], frozen_now: Freeze
) -> None:
    limit, redis = redis_limit
    # 400 seconds before the window ends (windows start on the UTC ten minutes).
    frozen_now("2026-03-04T10:03:20-08:00")

    counts = [limit.hit(session, "203.0.113.7"), limit.hit(session, "203.0.113.7")]
    with pytest.raises(RateLimited) as refused:
        limit.hit(session, "203.0.113.7")
    other = limit.hit(session, "198.51.100.4")

    keys = sorted(key.decode() for key in redis.scan_iter(f"{REDIS_PREFIX}{limit.name}:*"))
    lifetimes = [redis.ttl(key) for key in keys]
    assert counts == [1, 2]
    assert refused.value.retry_after_seconds == 400
    assert (other, limit.count(session, "203.0.113.7")) == (1, 3)
    assert len(keys) == 2
    assert not any("203.0.113" in key or "198.51.100" in key for key in keys)
    # The rest of the window and one more: the count of a window outlives it briefly.
    assert all(990 <= lifetime <= 1000 for lifetime in lifetimes), lifetimes
    assert session.scalars(select(RateCounter.key)).all() == []
