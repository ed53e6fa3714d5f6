"""The patient page's data-rights section through the real dashboard routes (no browser)."""

from __future__ import annotations

import json

from sqlalchemy import Engine
from tests.admin.conftest import SignIn
from tests.admin.world import World

from referraldesk.db.session import session_factory
from referraldesk.models import DataRightsRequest, Patient


def test_staff_log_a_request_and_see_its_deadline(signed_in: SignIn, world: World) -> None:
    desk = signed_in("staff")

    logged = desk.post(f"/admin/patients/{world.patient_id}/rights/request",
                       {"kind": "access", "received": "2026-01-02", "notes": "by letter"})
    page = desk.get(logged.headers["location"])

    assert logged.status_code == 303
    assert page.status_code == 200
    assert "Data rights" in page.text and "Request logged." in page.text
    assert 'class="overdue"' in page.text  # received 2 January: past 45 days by now
    assert "Erase for good" not in page.text  # staff may not erase
    listing = desk.get("/admin/rights")
    assert listing.status_code == 200 and "overdue" in listing.text


def test_staff_download_the_export_as_json_and_pdf(signed_in: SignIn, world: World) -> None:
    desk = signed_in("staff")
    url = f"/admin/patients/{world.patient_id}/rights/export"

    as_json = desk.post(url, {"reason": "access request by phone", "format": "json"})
    as_pdf = desk.post(url, {"reason": "access request by phone", "format": "pdf"})

    assert as_json.status_code == 200
    assert json.loads(as_json.text)["patient"]["id"] == world.patient_id
    assert "attachment" in as_json.headers["content-disposition"]
    assert as_pdf.status_code == 200 and as_pdf.content.startswith(b"%PDF-")


def test_erasure_takes_an_admin_and_the_typed_record_id(
    signed_in: SignIn, world: World, engine: Engine,
) -> None:
    url = f"/admin/patients/{world.patient_id}/rights/erase"
    reason = {"reason": "deletion request by letter"}

    by_staff = signed_in("staff").post(url, {**reason, "confirm": world.patient_id})
    admin = signed_in("admin")
    assert f"/admin/tasks/{world.task_id}/done" in admin.get("/admin/today").text
    mistyped = admin.post(url, {**reason, "confirm": "wrong"})
    erased = admin.post(url, {**reason, "confirm": world.patient_id})
    page = admin.get(f"/admin/patients/{world.patient_id}")

    assert (by_staff.status_code, mistyped.status_code, erased.status_code) == (403, 409, 303)
    assert "This record was erased" in page.text
    # The stub's placeholder date of birth is never shown as if it were one.
    assert '<span class="muted">erased</span>' in page.text and "1900" not in page.text
    today = admin.get("/admin/today")
    assert today.status_code == 200 and f"/admin/tasks/{world.task_id}/done" not in today.text
    with session_factory(engine)() as session:
        patient = session.get(Patient, world.patient_id)
        assert patient is not None and patient.status == "erased"


def test_a_post_without_its_csrf_token_changes_nothing(
    signed_in: SignIn, world: World, engine: Engine,
) -> None:
    admin = signed_in("admin")

    refused = admin.client.post(f"/admin/patients/{world.patient_id}/rights/request",
                                data={"kind": "deletion"})

    assert refused.status_code == 403
    with session_factory(engine)() as session:
        assert session.query(DataRightsRequest).count() == 0


def test_bad_input_gets_a_clear_error_page(signed_in: SignIn, world: World) -> None:
    desk = signed_in("staff")

    no_reason = desk.post(f"/admin/patients/{world.patient_id}/rights/opt-out",
                          {"outreach": "on", "reason": ""})
    bad_kind = desk.post(f"/admin/patients/{world.patient_id}/rights/request", {"kind": "x"})

    assert no_reason.status_code == 422 and "reason" in no_reason.text
    assert bad_kind.status_code == 422 and "access, deletion" in bad_kind.text


def test_a_coordinator_sees_no_data_rights_actions(signed_in: SignIn, world: World) -> None:
    coordinator = signed_in("coordinator")

    page = coordinator.get(f"/admin/patients/{world.patient_id}")
    export = coordinator.post(f"/admin/patients/{world.patient_id}/rights/export",
                              {"reason": "curious", "format": "json"})

    assert page.status_code == 200 and "Data rights" not in page.text
    assert export.status_code == 403


def _logged_request(desk, world: World, engine: Engine, kind: str) -> str:  # type: ignore[no-untyped-def]
    desk.post(f"/admin/patients/{world.patient_id}/rights/request", {"kind": kind})
    with session_factory(engine)() as session:
        return session.query(DataRightsRequest).filter_by(kind=kind).one().id


def test_staff_close_a_correction_as_answered_and_deny_another_with_a_note(
    signed_in: SignIn, world: World, engine: Engine,
) -> None:
    desk = signed_in("staff")
    correction = _logged_request(desk, world, engine, "correction")
    deletion = _logged_request(desk, world, engine, "deletion")
    page = desk.get(f"/admin/patients/{world.patient_id}").text
    assert f"/admin/rights/{correction}/complete" in page

    answered = desk.post(f"/admin/rights/{correction}/complete",
                         {"outcome": "completed", "notes": "address corrected"})
    no_reason = desk.post(f"/admin/rights/{deletion}/complete", {"outcome": "denied"})
    denied = desk.post(f"/admin/rights/{deletion}/complete",
                       {"outcome": "denied", "notes": "records kept by law for 7 years"})
    again = desk.post(f"/admin/rights/{deletion}/complete", {"outcome": "completed"})

    assert answered.status_code == 303
    assert answered.headers["location"].endswith("?done=completed#data-rights")
    assert no_reason.status_code == 422 and "needs a note" in no_reason.text
    assert (denied.status_code, again.status_code) == (303, 409)
    with session_factory(engine)() as session:
        statuses = {r.kind: (r.status, r.handled_by) for r in session.query(DataRightsRequest)}
    assert statuses["correction"][0] == "completed"
    assert statuses["deletion"][0] == "denied"
    assert "Request marked denied" in desk.get(denied.headers["location"]).text


def test_coordinators_and_auditors_may_not_close_requests(
    signed_in: SignIn, world: World, engine: Engine,
) -> None:
    request_id = _logged_request(signed_in("staff"), world, engine, "access")

    for role in ("coordinator", "auditor"):
        refused = signed_in(role).post(f"/admin/rights/{request_id}/complete",
                                       {"outcome": "completed"})
        assert refused.status_code == 403, role
    with session_factory(engine)() as session:
        assert session.get(DataRightsRequest, request_id).status == "open"  # type: ignore[union-attr]
