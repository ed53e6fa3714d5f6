"""Breaking the doors with a NUL character on PostgreSQL, which cannot store one in text.

A NUL (`%00` in a URL, `\\x00` in a form) that reached the database as a query parameter
made psycopg refuse it with DataError: a 500 with the statement and its parameters in
the server log. Now the address is refused at the door (api/nul_guard.py), a dashboard
form as it is read (admin/deps.py), and a DataError that still gets through is a 422
whose log line names only the error's type.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Engine
from tests.security.conftest import build_world
from tests.tools.factories import NOW, make_referral

from referraldesk import clock
from referraldesk.admin.deps import SESSION_COOKIE
from referraldesk.api.app import create_app
from referraldesk.auth.sessions import hash_secret, start_session
from referraldesk.db.session import session_factory
from referraldesk.models import Patient, User
from referraldesk.models.auth import DashboardSession

pytestmark = pytest.mark.postgres


@dataclass
class Desk:
    client: TestClient
    csrf: str
    patient_id: str
    referral_id: str
    token: dict[str, str]


@pytest.fixture
def desk(pg_engine: Engine) -> Iterator[Desk]:
    """A coordinator signed in to the dashboard, an admin token, and a referral."""
    clock.set_now(clock.parse_instant(NOW), frozen=True)
    with session_factory(pg_engine)() as session:
        world = build_world(session)
        user = session.get(User, world.user_ids["coordinator"])
        assert user is not None
        secret = start_session(session, user, source_address="testclient")
        csrf = session.get(DashboardSession, hash_secret(secret)).csrf_token  # type: ignore[union-attr]
        referral_id = make_referral(session, world.maria, status="received").id
        session.commit()
        patient_id = world.maria.id
    with TestClient(create_app(pg_engine), follow_redirects=False,
                    raise_server_exceptions=False) as client:
        client.cookies.set(SESSION_COOKIE, secret, path="/admin")
        yield Desk(client, csrf, patient_id, referral_id,
                   {"Authorization": f"Bearer {world.tokens['admin']}"})


@pytest.mark.parametrize("path", ["/admin/patients/%00", "/admin/tasks/%00/done",
                                  "/admin/today/flagged/%00"])
def test_a_nul_in_a_dashboard_id_is_refused_naming_the_address(desk: Desk, path: str) -> None:
    if path == "/admin/patients/%00":
        response = desk.client.get(path)
    else:
        response = desk.client.post(path, data={"csrf_token": desk.csrf, "then": "task"})

    assert response.status_code == 422
    assert "Some of what was sent is not valid" in response.text
    assert f"the address {path} holds a NUL character (%00)" in response.text


@pytest.mark.parametrize(("action", "form"), [
    ("consents", {"granted": "yes", "kind": "texts", "reason": "said yes\x00 at the desk"}),
    ("rights/request", {"kind": "access", "notes": "by phone\x00"}),
    ("rights/opt-out", {"reason": "asked\x00 by phone", "outreach": "on"}),
])
def test_a_nul_in_a_staff_reason_is_refused_naming_the_field(
    desk: Desk, action: str, form: dict[str, str]
) -> None:
    field = next(key for key, value in form.items() if "\x00" in value)

    response = desk.client.post(f"/admin/patients/{desk.patient_id}/{action}",
                                data={"csrf_token": desk.csrf, **form})

    assert response.status_code == 422
    assert f"{field}: holds a NUL character (%00)" in response.text


@pytest.mark.parametrize("path", ["/api/referrals/%00", "/api/intake/%00"])
def test_a_nul_in_an_api_id_is_refused_in_the_apis_shape(desk: Desk, path: str) -> None:
    response = desk.client.get(path, headers=desk.token)

    assert response.status_code == 422
    assert response.json()["error"] == {
        "code": "invalid_argument", "field": "path",
        "message": f"the address {path} holds a NUL character (%00), which no id or name "
                   "here contains; check the link"}


@pytest.mark.parametrize("path", ["/fhir/Appointment/%00", "/fhir/Practitioner/%00",
                                  "/fhir/Slot/%00"])
def test_a_nul_in_a_fhir_id_is_refused_as_an_operation_outcome(desk: Desk, path: str) -> None:
    response = desk.client.get(path, headers=desk.token)

    assert response.status_code == 422
    assert response.headers["content-type"] == "application/fhir+json"
    [issue] = response.json()["issue"]
    assert issue["code"] == "invalid"
    assert issue["diagnostics"].startswith(f"the address {path} holds a NUL character")


def test_a_nul_in_a_search_value_is_refused_naming_the_parameter(desk: Desk) -> None:
    search = desk.client.get("/admin/patients?name=%00")

    assert search.status_code == 422
    assert "name: holds a NUL character (%00)" in search.text


def test_a_nul_past_the_doors_is_a_422_and_the_log_holds_no_value(
    desk: Desk, capsys: pytest.CaptureFixture[str]
) -> None:
    # The move form's reason is a plain form field, not read through form_values: the
    # database refuses it, and the backstop answers.
    response = desk.client.post(f"/admin/referrals/{desk.referral_id}/move", data={
        "csrf_token": desk.csrf, "to_status": "accepted", "reason": "ok per Dr\x00 Ruiz"})

    assert response.status_code == 422
    assert "cannot be stored" in response.text and "nothing was changed" in response.text
    logged = capsys.readouterr()
    assert "database_refused_value" in logged.out + logged.err
    assert "Ruiz" not in logged.out + logged.err


def test_a_nul_in_a_json_field_is_refused_naming_it(desk: Desk, pg_engine: Engine) -> None:
    response = desk.client.post("/api/patients", headers=desk.token, json={
        "given_names": "Ana", "surnames": ["Ru\x00iz"], "dob": "1990-01-02",
        "phone": "+15595550100"})

    assert response.status_code == 422
    assert response.json()["error"]["field"] == "surnames[0]"
    with session_factory(pg_engine)() as session:
        assert session.query(Patient).count() == 2  # Maria and the other patient only
