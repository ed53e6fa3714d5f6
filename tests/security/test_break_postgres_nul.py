"""Breaking the doors with a NUL character on PostgreSQL, which cannot store one in text.

A NUL (`%00` in a URL, `\\x00` in a form) reaches the database as a query parameter and
psycopg refuses it with DataError; nothing catches that, so each of these is a 500 with
the statement and its parameters in the server log. Each should be a 4xx naming the
value (or a plain 404 for an id that cannot exist).
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Engine
from tests.security.conftest import build_world
from tests.tools.factories import NOW

from referraldesk import clock
from referraldesk.admin.deps import SESSION_COOKIE
from referraldesk.api.app import create_app
from referraldesk.auth.sessions import hash_secret, start_session
from referraldesk.db.session import session_factory
from referraldesk.models import User
from referraldesk.models.auth import DashboardSession

pytestmark = pytest.mark.postgres
NUL_XFAIL = pytest.mark.xfail(strict=True, reason=(
    "psycopg DataError on a NUL reaches no handler: 500 (fix: refuse NUL in the path, "
    "query and form values before any query, and map sqlalchemy DataError to a 4xx)"))


@dataclass
class Desk:
    client: TestClient
    csrf: str
    patient_id: str
    token: dict[str, str]


@pytest.fixture
def desk(pg_engine: Engine) -> Iterator[Desk]:
    clock.set_now(clock.parse_instant(NOW), frozen=True)
    with session_factory(pg_engine)() as session:
        world = build_world(session)
        user = session.get(User, world.user_ids["staff"])
        assert user is not None
        secret = start_session(session, user, source_address="testclient")
        csrf = session.get(DashboardSession, hash_secret(secret)).csrf_token  # type: ignore[union-attr]
        session.commit()
        patient_id = world.maria.id
    with TestClient(create_app(pg_engine), follow_redirects=False,
                    raise_server_exceptions=False) as client:
        client.cookies.set(SESSION_COOKIE, secret, path="/admin")
        yield Desk(client, csrf, patient_id,
                   {"Authorization": f"Bearer {world.tokens['admin']}"})


@NUL_XFAIL
@pytest.mark.parametrize("path", ["/admin/patients/%00", "/admin/tasks/%00/done",
                                  "/admin/today/flagged/%00"])
def test_a_nul_in_a_dashboard_id_is_not_a_server_error(desk: Desk, path: str) -> None:
    if path == "/admin/patients/%00":
        response = desk.client.get(path)
    else:
        response = desk.client.post(path, data={"csrf_token": desk.csrf, "then": "task"})

    assert response.status_code == 404


@NUL_XFAIL
@pytest.mark.parametrize(("action", "form"), [
    ("consents", {"granted": "yes", "kind": "texts", "reason": "said yes\x00 at the desk"}),
    ("rights/request", {"kind": "access", "notes": "by phone\x00"}),
    ("rights/opt-out", {"reason": "asked\x00 by phone", "outreach": "on"}),
])
def test_a_nul_in_a_staff_reason_is_refused_naming_the_field(
    desk: Desk, action: str, form: dict[str, str]
) -> None:
    response = desk.client.post(f"/admin/patients/{desk.patient_id}/{action}",
                                data={"csrf_token": desk.csrf, **form})

    assert response.status_code == 422


@NUL_XFAIL
@pytest.mark.parametrize("path", ["/api/referrals/%00", "/api/intake/%00",
                                  "/fhir/Appointment/%00", "/fhir/Practitioner/%00"])
def test_a_nul_in_an_integration_id_is_not_a_server_error(desk: Desk, path: str) -> None:
    response = desk.client.get(path, headers=desk.token)

    assert response.status_code in (404, 422)


def test_a_nul_where_the_door_already_checks_is_refused(desk: Desk) -> None:
    slot = desk.client.get("/fhir/Slot/%00", headers=desk.token)
    search = desk.client.get("/admin/patients?name=%00")

    assert (slot.status_code, search.status_code) == (422, 422)
    assert "is not one of ours" in slot.text
