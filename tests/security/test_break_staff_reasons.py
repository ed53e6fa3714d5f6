"""Breaking the reasons and notes staff type on a patient's record (consents, data-rights
requests): they outlive an erasure, so the patient's details must never get into them."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Engine, func, select
from sqlalchemy.orm import Session
from tests.security.conftest import World

from referraldesk.admin.deps import SESSION_COOKIE
from referraldesk.api.app import create_app
from referraldesk.auth.sessions import hash_secret, start_session
from referraldesk.db.session import session_factory
from referraldesk.models import Consent, DataRightsRequest, User
from referraldesk.models.auth import DashboardSession

Post = Callable[[str, dict[str, str]], Any]


@pytest.fixture
def staff(engine: Engine, world: World, db: Session) -> Post:
    """POSTs as a signed-in staff member, with the session's CSRF token."""
    db.rollback()  # no read transaction left open to hold SQLite's lock
    with session_factory(engine)() as session:
        user = session.get(User, world.user_ids["staff"])
        assert user is not None
        secret = start_session(session, user, source_address="testclient")
        csrf = session.get(DashboardSession, hash_secret(secret)).csrf_token  # type: ignore[union-attr]
        session.commit()
    client = TestClient(create_app(engine), follow_redirects=False)
    client.cookies.set(SESSION_COOKIE, secret, path="/admin")

    def post(url: str, data: dict[str, str]) -> Any:
        return client.post(url, data={"csrf_token": csrf, **data})

    return post


def _count(engine: Engine, model: type) -> int:
    with session_factory(engine)() as session:
        return int(session.scalar(select(func.count()).select_from(model)) or 0)


def _consent(staff: Post, world: World, reason: str) -> Any:
    return staff(f"/admin/patients/{world.maria.id}/consents",
                 {"granted": "yes", "kind": "texts", "reason": reason})


@pytest.mark.parametrize("reason", [
    "said yes, MARÍA", "said yes maría!", "said yes Ｍａｒｉａ", "dob 05/02/1980",
    "phone 559-555-0143", "phone (559) 555 0143",
])
def test_a_consent_reason_naming_the_patient_is_refused_and_nothing_recorded(
    staff: Post, world: World, engine: Engine, reason: str
) -> None:
    response = _consent(staff, world, reason)

    assert response.status_code == 422
    assert "must not contain the patient" in response.text
    assert _count(engine, Consent) == 0


@pytest.mark.parametrize("reason", [
    "dob 5/2/1980", "dob 05-02-1980", "born May 2, 1980", "nació el 2 de mayo de 1980",
    "said yes M\u200ba\u200br\u200bí\u200ba", "born the 2nd of May, 80", "dob 02.05.1980",
    "dob ٠٥/٠٢/١٩٨٠", "said yes Ma\u00adría", "phone 559\u200b555\u200b0143",
])
def test_a_reason_with_the_dob_written_otherwise_or_a_hidden_name_is_refused(
    staff: Post, world: World, engine: Engine, reason: str
) -> None:
    assert world.maria.dob.isoformat() == "1980-05-02"

    response = _consent(staff, world, reason)

    assert response.status_code == 422
    assert "refer to the patient by the record id only" in response.text
    assert _count(engine, Consent) == 0


@pytest.mark.parametrize("reason", ["said yes on 5/3/1980's anniversary", "called 2 May 2026",
                                    "room 5, 2 visits in 1980"])
def test_a_reason_with_another_date_is_taken(
    staff: Post, world: World, engine: Engine, reason: str
) -> None:
    response = _consent(staff, world, reason)

    assert response.status_code == 303
    assert _count(engine, Consent) == 1


def test_a_reason_naming_the_record_as_the_refusal_advises_is_taken(
    staff: Post, world: World, engine: Engine
) -> None:
    response = _consent(staff, world, f"record {world.maria.id}: said yes at check-in")

    assert response.status_code == 303
    assert _count(engine, Consent) == 1


@pytest.mark.parametrize("received", ["2026-02-30", "yesterday", "2026-03-09T10:00"])
def test_a_request_date_that_is_not_a_date_is_refused_naming_the_field(
    staff: Post, world: World, engine: Engine, received: str
) -> None:
    response = staff(f"/admin/patients/{world.maria.id}/rights/request",
                     {"kind": "access", "received": received})

    assert response.status_code == 422
    assert "is not a date like 2026-03-09" in response.text
    assert _count(engine, DataRightsRequest) == 0


@pytest.mark.parametrize("received", ["2062-03-09", "1900-01-01"])
def test_a_request_received_in_the_future_or_a_century_ago_is_refused(
    staff: Post, world: World, engine: Engine, received: str
) -> None:
    response = staff(f"/admin/patients/{world.maria.id}/rights/request",
                     {"kind": "access", "received": received})

    assert response.status_code == 422
    assert _count(engine, DataRightsRequest) == 0
