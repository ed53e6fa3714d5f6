"""Signing in and out: argon2 passwords, the sign-in form's token, cookies, idle sign-out."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Engine, select
from tests.admin.conftest import SignIn
from tests.admin.world import PASSWORD, email

from referraldesk import clock
from referraldesk.db.session import session_scope
from referraldesk.models import AuditEvent
from referraldesk.settings import reset_settings_cache


def _sign_in(client: TestClient, address: str, password: str, next_path: str = "") -> object:
    form = client.get("/admin/login").text
    token = re.search(r'name="csrf_token" value="([^"]+)"', form)
    assert token is not None
    return client.post("/admin/login", data={"email": address, "password": password,
                                             "csrf_token": token.group(1), "next": next_path})


def test_it_signs_a_coordinator_in_and_lands_on_their_first_page(anonymous: TestClient) -> None:
    response = _sign_in(anonymous, "Coordinator@Valle.example.org", PASSWORD)

    assert response.status_code == 303  # type: ignore[attr-defined]
    assert response.headers["location"] == "/admin/today"  # type: ignore[attr-defined]
    assert anonymous.get("/admin/today").status_code == 200


def test_an_auditor_lands_on_numbers(anonymous: TestClient) -> None:
    response = _sign_in(anonymous, email("auditor"), PASSWORD)

    assert response.headers["location"] == "/admin/numbers"  # type: ignore[attr-defined]


def test_it_returns_to_the_page_asked_for(anonymous: TestClient) -> None:
    response = _sign_in(anonymous, email("staff"), PASSWORD, next_path="/admin/patients?name=x")

    assert response.headers["location"] == "/admin/patients?name=x"  # type: ignore[attr-defined]


@pytest.mark.parametrize("target", ["//evil.example/x", "https://evil.example/", "/admin/login"])
def test_it_never_sends_the_browser_off_the_dashboard_after_sign_in(
    anonymous: TestClient, target: str
) -> None:
    response = _sign_in(anonymous, email("staff"), PASSWORD, next_path=target)

    assert response.headers["location"] == "/admin/today"  # type: ignore[attr-defined]


def test_it_refuses_a_wrong_password_without_saying_which_part_was_wrong(
    anonymous: TestClient, engine: Engine
) -> None:
    wrong_password = _sign_in(anonymous, email("staff"), "not the password at all")
    unknown_email = _sign_in(anonymous, "nobody@valle.example.org", PASSWORD)

    for response in (wrong_password, unknown_email):
        assert response.status_code == 401  # type: ignore[attr-defined]
        assert "do not match an active dashboard user" in response.text  # type: ignore[attr-defined]
    assert anonymous.get("/admin/today").status_code == 303
    with session_scope(engine) as session:
        failures = session.scalars(select(AuditEvent.action).where(
            AuditEvent.action == "login_failed")).all()
    assert len(failures) == 2


def test_it_refuses_a_deactivated_user(anonymous: TestClient) -> None:
    response = _sign_in(anonymous, "gone@valle.example.org", PASSWORD)

    assert response.status_code == 401  # type: ignore[attr-defined]


def test_it_refuses_a_sign_in_form_that_did_not_come_from_its_page(anonymous: TestClient) -> None:
    response = anonymous.post("/admin/login", data={"email": email("admin"), "password": PASSWORD,
                                                    "csrf_token": "made-up"})

    assert response.status_code == 403
    assert "reload the sign-in page" in response.text


def test_it_slows_down_someone_guessing_passwords(anonymous: TestClient) -> None:
    statuses = [_sign_in(anonymous, email("admin"), f"guess number {n:04d}").status_code  # type: ignore[attr-defined]
                for n in range(11)]

    assert statuses[:10] == [401] * 10
    assert statuses[10] == 429
    refused = _sign_in(anonymous, email("admin"), "one more guess")  # type: ignore[attr-defined]
    assert refused.status_code == 429
    assert int(refused.headers["Retry-After"]) > 0


def test_the_session_cookie_is_http_only_and_same_site_lax(anonymous: TestClient) -> None:
    response = _sign_in(anonymous, email("admin"), PASSWORD)

    cookie = response.headers["set-cookie"]  # type: ignore[attr-defined]
    assert "rd_admin=" in cookie and "HttpOnly" in cookie and "SameSite=lax" in cookie
    assert "Secure" not in cookie


def test_the_session_cookie_is_secure_when_the_site_is_https(
    anonymous: TestClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("REFERRALDESK_PUBLIC_URL", "https://desk.valle.example.org")
    reset_settings_cache()
    # A Secure cookie travels over https only, so this browser speaks https.
    browser = TestClient(anonymous.app, base_url="https://testserver", follow_redirects=False)
    try:
        response = _sign_in(browser, email("admin"), PASSWORD)
    finally:
        monkeypatch.undo()
        reset_settings_cache()

    assert "Secure" in response.headers["set-cookie"]  # type: ignore[attr-defined]


def test_it_signs_out_after_fifteen_idle_minutes(signed_in: SignIn) -> None:
    staff = signed_in("staff")
    start = clock.now()

    clock.set_now(start + timedelta(minutes=14), frozen=True)
    still_in = staff.get("/admin/today")
    clock.set_now(start + timedelta(minutes=14 + 16), frozen=True)
    idle = staff.get("/admin/today")

    assert still_in.status_code == 200
    assert idle.status_code == 303
    assert idle.headers["location"] == "/admin/login?next=%2Fadmin%2Ftoday&ended=idle"
    clock.set_now(start + timedelta(minutes=31), frozen=True)
    assert staff.get("/admin/today").status_code == 303


def test_the_idle_time_is_a_setting(signed_in: SignIn, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("REFERRALDESK_ADMIN_IDLE_TIMEOUT_SECONDS", "300")
    reset_settings_cache()
    staff = signed_in("staff")
    try:
        clock.set_now(clock.now() + timedelta(minutes=6), frozen=True)
        response = staff.get("/admin/today")
    finally:
        monkeypatch.undo()
        reset_settings_cache()

    assert response.status_code == 303


REFRESH = '<meta http-equiv="refresh" content="{seconds};url=/admin/">'


@pytest.mark.parametrize("idle_setting", [None, "300"])
def test_a_page_left_open_takes_itself_away_after_the_idle_time(
    signed_in: SignIn, monkeypatch: pytest.MonkeyPatch, idle_setting: str | None
) -> None:
    if idle_setting:
        monkeypatch.setenv("REFERRALDESK_ADMIN_IDLE_TIMEOUT_SECONDS", idle_setting)
    reset_settings_cache()
    idle_seconds = int(idle_setting or 900)
    staff = signed_in("staff")
    try:
        page = staff.get("/admin/today").text
        # What the browser does when the refresh fires, with nobody at the screen.
        clock.set_now(clock.now() + timedelta(seconds=idle_seconds + 5), frozen=True)
        reloaded = staff.get("/admin/")
    finally:
        monkeypatch.undo()
        reset_settings_cache()

    assert REFRESH.format(seconds=idle_seconds + 5) in page
    assert reloaded.status_code == 303
    assert reloaded.headers["location"].endswith("ended=idle")


def test_the_sign_in_page_does_not_refresh_itself(anonymous: TestClient) -> None:
    assert 'http-equiv="refresh"' not in anonymous.get("/admin/login").text


def test_signing_out_ends_the_session_for_every_copy_of_the_cookie(
    signed_in: SignIn, engine: Engine
) -> None:
    staff = signed_in("staff")
    copied = staff.client.cookies.get("rd_admin")

    response = staff.post("/admin/logout")
    replay = TestClient(staff.client.app, follow_redirects=False)
    replay.cookies.set("rd_admin", copied or "", path="/admin")

    assert response.status_code == 303
    assert response.headers["location"] == "/admin/login?ended=signed_out"
    assert replay.get("/admin/today").status_code == 303
    with session_scope(engine) as session:
        assert session.scalar(select(AuditEvent.action).order_by(AuditEvent.seq.desc())) == "logout"


def test_the_sign_in_page_says_why_the_user_was_signed_out(anonymous: TestClient) -> None:
    page = anonymous.get("/admin/login?ended=idle").text

    assert "signed out after a while without activity" in page


def test_every_page_is_sent_with_security_headers(anonymous: TestClient) -> None:
    response = anonymous.get("/admin/login")

    assert "frame-ancestors 'none'" in response.headers["content-security-policy"]
    assert response.headers["x-content-type-options"] == "nosniff"
    assert response.headers["cache-control"] == "no-store"
