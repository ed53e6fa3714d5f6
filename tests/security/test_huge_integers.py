"""Integers past what the databases store (SQLite and PostgreSQL keep 64 bits) are
refused at the door as bad input, never passed on to crash a query."""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Engine
from tests.security.conftest import World, bearer

from referraldesk.admin.deps import SESSION_COOKIE
from referraldesk.auth.sessions import start_session
from referraldesk.db.session import session_factory
from referraldesk.models import User

HUGE = [str(2**63), str(10**30), "-" + str(2**63)]


@pytest.mark.parametrize("value", HUGE)
def test_the_audit_page_refuses_a_record_number_out_of_range(
    client: TestClient, engine: Engine, world: World, value: str
) -> None:
    with session_factory(engine)() as session:
        user = session.get(User, world.user_ids["auditor"])
        assert user is not None
        secret = start_session(session, user, source_address="testclient")
        session.commit()
    client.cookies.set(SESSION_COOKIE, secret, path="/admin")

    answer = client.get(f"/admin/audit?before={value}")

    assert answer.status_code == 422
    assert "before" in answer.text


@pytest.mark.parametrize("value", HUGE)
def test_the_intake_queue_refuses_an_offset_out_of_range(
    client: TestClient, world: World, value: str
) -> None:
    answer = client.get(f"/api/intake?offset={value}", headers=bearer(world.tokens["coordinator"]))

    assert answer.status_code == 422
    assert answer.json()["error"]["field"] == "query.offset"
