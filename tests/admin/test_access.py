"""Every dashboard route against every role, no session, and a post without its CSRF token."""

from __future__ import annotations

import re
from typing import Any

import pytest
from fastapi.routing import APIRoute
from fastapi.testclient import TestClient
from tests.admin.conftest import SignIn, Staff
from tests.admin.world import ROLES, World
from tests.intake_pdf.documents import digital_pdf, make_cases

from referraldesk.admin import pages
from referraldesk.admin.app import PREFIX

EVERYONE = {"admin", "staff", "coordinator", "auditor"}
DESK = {"admin", "staff", "coordinator"}
COORDINATION = {"admin", "coordinator"}
ADMIN = {"admin"}
AUDIT = {"admin", "auditor"}
RIGHTS = {"admin", "staff"}
PDF = digital_pdf(make_cases(1, seed=3)[0])
PROVIDER_NPI = "1904000555"
ROUTES: list[tuple[str, str, set[str]]] = [
    ("GET", "/admin/today", DESK),
    ("POST", "/admin/tasks/{task}/done", DESK),
    ("POST", "/admin/tasks/{task}/call", DESK),
    ("POST", "/admin/today/flagged/{chat}", DESK),
    ("GET", "/admin/conversations", DESK),
    ("GET", "/admin/conversations/{chat}", DESK),
    ("GET", "/admin/referrals", DESK),
    ("GET", "/admin/referrals/nudges", DESK),
    ("GET", "/admin/referrals/state/received", DESK),
    ("GET", "/admin/referrals/{referral}", DESK),
    ("POST", "/admin/referrals/{referral}/move", COORDINATION),
    ("GET", "/admin/referrals/{referral}/status-letter.pdf", COORDINATION),
    ("GET", "/admin/intake", COORDINATION),
    ("GET", "/admin/intake/fax", COORDINATION),
    ("POST", "/admin/intake/fax", COORDINATION),
    ("POST", "/admin/intake/csv", COORDINATION),
    ("POST", "/admin/intake/pdf", COORDINATION),
    ("GET", "/admin/intake/{message}", COORDINATION),
    ("POST", "/admin/intake/{message}/replay", COORDINATION),
    ("GET", "/admin/intake/{pdf}/document", COORDINATION),
    ("POST", "/admin/intake/{pdf}/confirm", COORDINATION),
    ("GET", "/admin/numbers", EVERYONE),
    ("GET", "/admin/schedule", DESK),
    ("GET", "/admin/practice", DESK),
    ("POST", "/admin/practice/locations/visalia/hours", ADMIN),
    ("POST", "/admin/practice/closures", ADMIN),
    ("POST", "/admin/practice/closures/remove", ADMIN),
    ("POST", "/admin/practice/service", ADMIN),
    ("GET", f"/admin/practice/providers/{PROVIDER_NPI}", ADMIN),
    ("POST", f"/admin/practice/providers/{PROVIDER_NPI}", ADMIN),
    ("GET", "/admin/practice/services/pt_eval", ADMIN),
    ("POST", "/admin/practice/services/pt_eval", ADMIN),
    ("GET", "/admin/patients", DESK),
    ("GET", "/admin/patients/{patient}", DESK),
    ("POST", "/admin/patients/{patient}/consents", DESK),
    ("GET", "/admin/rights", RIGHTS),
    ("POST", "/admin/rights/{request}/complete", RIGHTS),
    ("POST", "/admin/patients/{patient}/rights/request", RIGHTS),
    ("POST", "/admin/patients/{patient}/rights/export", RIGHTS),
    ("POST", "/admin/patients/{patient}/rights/opt-out", RIGHTS),
    ("POST", "/admin/patients/{patient}/rights/erase", ADMIN),
    ("GET", "/admin/audit", AUDIT),
    ("POST", "/admin/audit/verify", AUDIT),
]
IDS = [f"{method} {path}" for method, path, _ in ROUTES]
# Open to anyone, signed in or not: signing in and out, and the stylesheet and script.
UNGUARDED = {("GET", "/admin/"), ("GET", "/admin/login"), ("POST", "/admin/login"),
             ("POST", "/admin/logout"), ("GET", "/admin/static/{name}")}


def _url(path: str, world: World, pdf: str = "no-such-pdf") -> str:
    return path.format(task=world.task_id, chat=world.chat_id, referral=world.received_referral_id,
                       message=world.failed_message_id, patient=world.patient_id, pdf=pdf,
                       request="no-such-request")


def _uploaded_pdf(signed_in: SignIn) -> str:
    """The id of a PDF referral waiting for its fields to be confirmed."""
    coordinator = signed_in("coordinator")
    response = _send(coordinator, "POST", "/admin/intake/pdf")
    assert response.status_code == 303, response.text
    return str(response.headers["location"]).split("/")[-1].split("?")[0]


def _send(staff: Staff, method: str, url: str) -> Any:
    if method == "GET":
        return staff.get(url)
    uploads = {"/csv": ("x.csv", b"placer_id\n", "text/csv"),
               "/pdf": ("x.pdf", PDF, "application/pdf")}
    for ending, file in uploads.items():
        if url.endswith(ending):
            return staff.client.post(url, data={"csrf_token": staff.csrf}, files={"file": file})
    return staff.post(url, {"to_status": "accepted", "name": "x", "date": "2026-12-24"})


@pytest.mark.parametrize(("method", "path", "allowed"), ROUTES, ids=IDS)
def test_each_role_reaches_only_its_routes(
    signed_in: SignIn, world: World, method: str, path: str, allowed: set[str]
) -> None:
    pdf = _uploaded_pdf(signed_in) if "{pdf}" in path else "no-such-pdf"
    statuses = {role: _send(signed_in(role), method, _url(path, world, pdf)).status_code
                for role in ROLES}

    refused = {role for role, status in statuses.items() if status == 403}
    assert refused == set(ROLES) - allowed
    assert all(statuses[role] not in (401, 403, 500) for role in allowed), statuses


@pytest.mark.parametrize(("method", "path", "allowed"), ROUTES, ids=IDS)
def test_without_a_session_every_route_sends_the_browser_to_sign_in(
    anonymous: TestClient, world: World, method: str, path: str, allowed: set[str]
) -> None:
    url = _url(path, world)

    response = anonymous.get(url) if method == "GET" else anonymous.post(url, data={"x": "1"})

    assert response.status_code == 303
    assert response.headers["location"].startswith("/admin/login?next=")


@pytest.mark.parametrize(("method", "path", "allowed"),
                         [route for route in ROUTES if route[0] == "POST"],
                         ids=[i for i in IDS if i.startswith("POST")])
def test_a_post_without_the_session_token_is_refused(
    signed_in: SignIn, world: World, method: str, path: str, allowed: set[str]
) -> None:
    admin = signed_in("admin")

    response = admin.client.post(_url(path, world), data={"csrf_token": "forged"})

    assert response.status_code == 403
    assert "security token" in response.text


def test_every_dashboard_route_is_in_the_matrix() -> None:
    declared = {(method, PREFIX + route.path) for router in pages.routers()
                for route in router.routes if isinstance(route, APIRoute)
                for method in route.methods}
    tested = [(method, re.sub(r"\{[^}]+\}", "x", path)) for method, path, _ in ROUTES]

    def covered(method: str, path: str) -> bool:
        pattern = re.compile(re.sub(r"\\\{[^}]+\\\}", "[^/]+", re.escape(path)) + "$")
        return any(m == method and pattern.match(url) for m, url in tested)

    missing = sorted(route for route in declared - UNGUARDED if not covered(*route))
    assert len(declared) > len(UNGUARDED)
    assert missing == []


def test_the_navigation_shows_only_the_pages_of_the_role(signed_in: SignIn) -> None:
    auditor = signed_in("auditor")

    page = auditor.get("/admin/numbers").text

    assert 'href="/admin/audit"' in page and 'href="/admin/numbers"' in page
    assert 'href="/admin/conversations"' not in page
    assert 'href="/admin/today"' not in page and 'href="/admin/practice"' not in page


def test_a_refusal_names_the_role_and_the_page(signed_in: SignIn) -> None:
    response = signed_in("staff").get("/admin/audit")

    assert response.status_code == 403
    assert "the staff role may not see Audit" in response.text
