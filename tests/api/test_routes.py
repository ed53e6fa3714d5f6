from __future__ import annotations

from fastapi.testclient import TestClient
from sqlalchemy import Engine, func, select
from sqlalchemy.orm import Session
from tests.api.conftest import World, bearer

from referraldesk.db.session import session_factory
from referraldesk.models import Appointment, Consent, ToolCall

NEW_PATIENT = {
    "given_names": "Luis",
    "surnames": ["Soto"],
    "dob": "1990-01-31",
    "phone": "559-555-0123",
    "preferred_language": "es",
    "plan": "CalViva Health",
    "contact_windows": ["weekdays before 08:00"],
}


def _referral(world: World) -> dict[str, object]:
    return {
        "patient_id": world.maria.id,
        "specialty": "Physical Therapy",
        "reason": "back pain",
        "urgency": "routine",
        "referring_provider": "Dr. Elena Park",
        "referring_practice": "Valley Family Care",
        "placer_id": "VFC-1",
    }


def test_the_catalog_lists_every_tool_with_its_roles(client: TestClient, world: World) -> None:
    response = client.get("/api/tools", headers=bearer(world.tokens["staff"]))

    tools = {tool["name"]: tool for tool in response.json()["tools"]}
    assert len(tools) == 19
    assert tools["transfer_to_staff"]["roles"] == ["admin", "agent", "coordinator", "staff"]
    assert "patient_id" in tools["get_patient_insurance"]["parameters"]["properties"]


def test_a_tool_call_answers_ok_with_data_or_an_error_with_its_status(
    client: TestClient, world: World
) -> None:
    headers = bearer(world.tokens["staff"])

    found = client.post(
        "/api/tools/get_patient_insurance", json={"patient_id": world.maria.id}, headers=headers
    )
    missing = client.post(
        "/api/tools/get_patient_insurance", json={"patient_id": "nobody"}, headers=headers
    )
    unknown = client.post("/api/tools/fly", json={}, headers=headers)

    assert found.status_code == 200
    assert found.json()["ok"] is True
    assert found.json()["data"]["coverages"][0]["member_id"] == "CV12345678"
    assert (missing.status_code, missing.json()["ok"], missing.json()["error"]["code"]) == (
        404,
        False,
        "not_found",
    )
    assert unknown.status_code == 404


def test_an_idempotency_key_header_books_once(
    client: TestClient, world: World, engine: Engine
) -> None:
    slot = f"{world.practice.therapist.id}:{world.practice.site.id}:20260312T1500Z"
    headers = bearer(world.tokens["integration"]) | {"Idempotency-Key": "req-42"}
    body = {"patient_id": world.maria.id, "slot_id": slot}

    first = client.post("/api/tools/schedule_appointment", json=body, headers=headers)
    again = client.post("/api/tools/schedule_appointment", json=body, headers=headers)

    assert first.status_code == again.status_code == 200
    assert again.json()["data"] == first.json()["data"]
    assert again.json()["replayed"] is True
    with session_factory(engine)() as session:
        assert session.scalar(select(func.count()).select_from(Appointment)) == 1
        assert session.scalar(select(func.count()).select_from(ToolCall)) == 2


def test_an_integration_registers_a_patient_once(client: TestClient, world: World) -> None:
    headers = bearer(world.tokens["integration"])

    created = client.post("/api/patients", json=NEW_PATIENT, headers=headers)
    again = client.post("/api/patients", json=NEW_PATIENT, headers=headers)
    invalid = client.post(
        "/api/patients", json=NEW_PATIENT | {"dob": "tomorrow", "phone": "1"}, headers=headers
    )

    assert created.status_code == 201
    assert created.json()["contact_windows"] == [
        {"weekdays": ["mon", "tue", "wed", "thu", "fri"], "after": None, "before": "08:00"}
    ]
    assert (again.status_code, again.json()["error"]["code"]) == (409, "duplicate")
    assert invalid.status_code == 422
    assert (
        "dob" in invalid.json()["error"]["message"]
        and "phone" in invalid.json()["error"]["message"]
    )


def test_an_integration_books_by_provider_or_specialty_and_reads_appointments(
    client: TestClient, world: World
) -> None:
    headers = bearer(world.tokens["integration"])

    by_provider = client.post(
        "/api/appointments",
        headers=headers,
        json={
            "patient_id": world.maria.id,
            "provider_id": world.practice.therapist.id,
            "start": "2026-03-12T08:00:00-07:00",
        },
    )
    by_specialty = client.post(
        "/api/appointments",
        headers=headers,
        json={
            "patient_id": world.maria.id,
            "specialty": "physical_therapy",
            "start": "2026-03-13T08:30:00-07:00",
        },
    )
    nowhere = client.post(
        "/api/appointments",
        headers=headers,
        json={
            "patient_id": world.maria.id,
            "specialty": "physical_therapy",
            "start": "2026-03-13T15:00:00-07:00",
        },
    )
    listed = client.get(f"/api/patients/{world.maria.id}/appointments", headers=headers)

    assert by_provider.status_code == 201
    assert by_provider.json()["start"] == "2026-03-12T08:00:00-07:00"
    assert by_provider.json()["provider"] == {
        "id": world.practice.therapist.id,
        "name": "Dr. Ana Ruiz",
        "specialty": "physical_therapy",
    }
    assert by_specialty.json()["end"] == "2026-03-13T09:00:00-07:00"
    assert (nowhere.status_code, nowhere.json()["error"]["code"]) == (404, "not_found")
    assert [a["start"] for a in listed.json()] == [
        "2026-03-12T08:00:00-07:00",
        "2026-03-13T08:30:00-07:00",
    ]


def test_the_directory_shows_providers_with_plan_names(client: TestClient, world: World) -> None:
    headers = bearer(world.tokens["integration"])

    listed = client.get("/api/providers?language=es", headers=headers)
    one = client.get(f"/api/providers/{world.practice.therapist.id}", headers=headers)
    missing = client.get("/api/providers/nobody", headers=headers)

    assert [p["name"] for p in listed.json()] == ["Dr. Ana Ruiz"]
    assert {
        key: one.json()[key]
        for key in (
            "id",
            "name",
            "specialty",
            "languages",
            "plans",
            "locations",
            "accepting_new_patients",
        )
    } == {
        "id": world.practice.therapist.id,
        "name": "Dr. Ana Ruiz",
        "specialty": "physical_therapy",
        "languages": ["en", "es"],
        "plans": ["Blue Shield PPO", "CalViva Health"],
        "locations": ["Fresno Main"],
        "accepting_new_patients": True,
    }
    assert missing.status_code == 404


def test_referrals_come_in_as_json_and_coordinators_read_them(
    client: TestClient, world: World, db: Session
) -> None:
    sent = client.post(
        "/api/referrals", json=_referral(world), headers=bearer(world.tokens["integration"])
    )
    resent = client.post(
        "/api/referrals", json=_referral(world), headers=bearer(world.tokens["integration"])
    )
    coordinator = bearer(world.tokens["coordinator"])
    listed = client.get("/api/referrals?status=accepted", headers=coordinator)
    other = client.get("/api/referrals?status=closed", headers=coordinator)
    bad = client.get("/api/referrals?status=lost", headers=coordinator)
    one = client.get(f"/api/referrals/{sent.json()['id']}", headers=coordinator)

    assert (sent.status_code, resent.status_code) == (201, 200)
    assert resent.json()["id"] == sent.json()["id"]
    assert [r["id"] for r in listed.json()] == [sent.json()["id"]]
    assert other.json() == []
    assert bad.status_code == 422
    assert [step["to"] for step in one.json()["history"]] == ["received", "accepted"]
    assert one.json()["appointment"] is None
    # The same consent as from an HL7 or FHIR feed (the practice default: calls only).
    given = db.scalars(
        select(Consent).where(Consent.patient_id == _referral(world)["patient_id"])
    ).all()
    assert [(c.kind, c.granted, c.source) for c in given] == [
        ("automated_calls", True, "referral")
    ]
