"""The start limit is counted in the database, so every instance shares it."""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Engine, select
from tests.conversation.factories import ScriptedBrain

from referraldesk import clock
from referraldesk.api.app import create_app
from referraldesk.channels.ratelimit import RateLimit
from referraldesk.db.session import session_factory
from referraldesk.errors import RateLimited
from referraldesk.models import RateCounter

LIMIT = RateLimit("test", limit=2, window_seconds=600)


def test_two_instances_share_one_allowance(
    client: TestClient, engine: Engine, brain: ScriptedBrain
) -> None:
    with TestClient(create_app(engine)) as other:
        for index in range(20):
            instance = client if index % 2 else other
            assert instance.post("/api/conversations", json={"channel": "chat"}).status_code == 201

        assert other.post("/api/conversations", json={"channel": "chat"}).status_code == 429


def test_it_counts_per_window_and_stores_no_address(any_engine: Engine) -> None:
    clock.set_now(clock.parse_instant("2026-03-04T10:00:00-08:00"), frozen=True)
    with session_factory(any_engine)() as session:
        counts = [LIMIT.hit(session, "203.0.113.9"), LIMIT.hit(session, "203.0.113.9")]
        with pytest.raises(RateLimited) as refused:
            LIMIT.hit(session, "203.0.113.9")
        other = LIMIT.hit(session, "198.51.100.1")
        keys = session.scalars(select(RateCounter.key)).all()
        session.commit()

    clock.set_now(clock.parse_instant("2026-03-04T10:10:00-08:00"), frozen=True)
    with session_factory(any_engine)() as session:
        later = LIMIT.hit(session, "203.0.113.9")
        session.commit()

    assert (counts, other, later) == ([1, 2], 1, 1)
    assert "try again in 600 seconds" in refused.value.message
    assert not any("203.0.113.9" in key for key in keys)
