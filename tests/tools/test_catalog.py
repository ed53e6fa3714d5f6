from __future__ import annotations

import dataclasses
from typing import Any

import pytest
from jsonschema import Draft202012Validator
from sqlalchemy import select
from sqlalchemy.orm import Session
from structlog.testing import capture_logs
from tests.tools.factories import Call, PracticeData

from referraldesk.errors import ERROR_CODES
from referraldesk.models import AuditEvent, Patient, StaffTask, ToolCall
from referraldesk.tools import ToolContext, catalog, registry

FRONT_DESK = [
    "lookup_patient",
    "lookup_patient_by_phone",
    "create_new_patient",
    "get_patient_appointments",
    "get_available_slots",
    "find_next_available",
    "schedule_appointment",
    "cancel_appointment",
    "reschedule_appointment",
    "get_patient_insurance",
    "get_providers",
    "get_provider_info",
    "get_services",
    "get_office_hours",
]
REFERRAL_AND_HANDOFF = [
    "get_patient_referrals",
    "update_referral_status",
    "transfer_to_staff",
    "send_confirmation",
    "record_consent",
]
# One valid argument set per tool, as a model would send it under strict mode.
EXAMPLES: dict[str, dict[str, Any]] = {
    "lookup_patient": {"given_names": "María", "surnames": ["López"], "dob": "1980-05-02"},
    "lookup_patient_by_phone": {"phone": None},
    "create_new_patient": {
        "given_names": "Luis",
        "surnames": ["Soto"],
        "dob": "1990-01-31",
        "phone": "559-555-0123",
        "preferred_language": "es",
        "plan": "CalViva",
        "member_id": None,
        "contact_windows": [{"weekdays": ["mon"], "after": "17:00", "before": None}],
    },
    "get_patient_appointments": {"include_past": None},
    "get_available_slots": {
        "specialty": "physical_therapy",
        "provider_id": None,
        "plan": None,
        "language": "es",
        "location": None,
        "service": None,
        "date_from": "2026-03-11",
        "date_to": None,
        "windows": [{"weekdays": None, "after": None, "before": "08:00"}],
        "urgency": "urgent",
        "target_date": "2026-03-13",
        "limit": 3,
    },
    "find_next_available": {
        "specialty": "fisioterapia",
        "provider_id": None,
        "plan": None,
        "language": None,
        "location": None,
        "service": None,
        "date_from": None,
        "date_to": None,
        "windows": None,
        "urgency": None,
        "target_date": None,
        "limit": None,
    },
    "schedule_appointment": {
        "slot_id": "a:b:20260312T1500Z",
        "service": None,
        "referral_id": None,
        "notes": None,
    },
    "cancel_appointment": {"appointment_id": "x", "reason": None},
    "reschedule_appointment": {
        "appointment_id": "x",
        "slot_id": "a:b:20260312T1500Z",
        "reason": "work",
    },
    "get_patient_insurance": {},
    "get_providers": {
        "specialty": None,
        "language": "es",
        "plan": None,
        "location": None,
        "accepting_new": True,
    },
    "get_provider_info": {"provider_id": "p1"},
    "get_services": {"specialty": None},
    "get_office_hours": {"location": None},
    "get_patient_referrals": {"include_closed": None},
    "update_referral_status": {
        "referral_id": "r1",
        "status": "declined",
        "reason": None,
        "leakage_reason": "patient_declined",
    },
    "transfer_to_staff": {
        "reason": "billing",
        "urgency": "routine",
        "summary": "Bill question.",
        "callback_phone": None,
    },
    "send_confirmation": {"appointment_id": "x"},
    "record_consent": {"kinds": ["texts"], "granted": False},
}
PATIENT_TOOLS = [tool.name for tool in catalog.tools() if tool.patient_scoped]


def test_it_offers_the_fourteen_front_desk_tools_then_the_referral_tools() -> None:
    assert catalog.tool_names() == FRONT_DESK + REFERRAL_AND_HANDOFF


@pytest.mark.parametrize("role", ["agent", "staff"])
def test_every_schema_is_valid_json_schema_without_refs(role: str) -> None:
    for schema in catalog.schemas(role):
        parameters = schema["function"]["parameters"]
        Draft202012Validator.check_schema(parameters)
        assert schema["type"] == "function"
        assert "$ref" not in repr(parameters) and "$defs" not in repr(parameters)
        assert parameters["additionalProperties"] is False
        assert sorted(parameters["required"]) == sorted(parameters["properties"])
        assert all(prop.get("description") for prop in parameters["properties"].values())


@pytest.mark.parametrize("name", FRONT_DESK + REFERRAL_AND_HANDOFF)
def test_an_example_the_schema_accepts_is_accepted_by_the_model(name: str) -> None:
    tool = registry.find(name)
    schema = next(s for s in catalog.schemas() if s["function"]["name"] == name)

    Draft202012Validator(schema["function"]["parameters"]).validate(EXAMPLES[name])
    parsed = tool.args_model.model_validate(EXAMPLES[name])

    dumped = parsed.model_dump(mode="json")
    assert {key: dumped[key] for key in EXAMPLES[name]} == EXAMPLES[name]


def test_the_agent_schema_has_no_patient_id_but_the_staff_schema_does() -> None:
    agent = {s["function"]["name"]: s["function"]["parameters"] for s in catalog.schemas("agent")}
    staff = {s["function"]["name"]: s["function"]["parameters"] for s in catalog.schemas("staff")}

    assert all("patient_id" not in agent[name]["properties"] for name in PATIENT_TOOLS)
    assert all("patient_id" in staff[name]["properties"] for name in PATIENT_TOOLS)


@pytest.mark.parametrize("name", PATIENT_TOOLS)
def test_no_patient_tool_works_before_verification(
    call: Call, agent: ToolContext, maria: Patient, name: str
) -> None:
    arguments = {key: value for key, value in EXAMPLES[name].items()}
    if name == "record_consent":
        arguments = {"kinds": ["recording"], "granted": True}

    outcome = call(agent, name, **arguments)

    assert outcome.ok is False
    assert outcome.error.code == "not_verified"
    assert (
        outcome.error.hint
        == "Verify the caller first with lookup_patient (full name and date of birth)."
    )


@pytest.mark.parametrize("name", PATIENT_TOOLS)
def test_the_agent_cannot_point_a_tool_at_another_patient(
    call: Call, verified: ToolContext, name: str
) -> None:
    outcome = call(verified, name, **EXAMPLES[name], patient_id="someone-else")

    assert outcome.error.code == "invalid_argument"
    assert outcome.error.field == "patient_id"


def test_an_unknown_tool_is_not_found_with_the_list(call: Call, agent: ToolContext) -> None:
    outcome = call(agent, "delete_everything")

    assert outcome.error.code == "not_found"
    assert outcome.error.hint.startswith("Use one of: lookup_patient, lookup_patient_by_phone,")


def test_every_bad_argument_is_reported_at_once(call: Call, agent: ToolContext) -> None:
    outcome = call(agent, "lookup_patient", given_names="", surnames=[], dob="02/05/1980", extra=1)

    assert outcome.error.code == "invalid_argument"
    assert outcome.error.field == "given_names"
    assert outcome.error.message.count(";") == 3
    assert "extra: Extra inputs are not permitted" in outcome.error.message
    assert "02/05/1980" not in outcome.error.message


def test_a_role_outside_the_tool_is_forbidden(call: Call, agent: ToolContext) -> None:
    auditor = dataclasses.replace(agent, actor=dataclasses.replace(agent.actor, role="auditor"))

    outcome = call(auditor, "get_providers")

    assert outcome.error.code == "forbidden"


def test_an_unexpected_failure_is_an_internal_outcome_logged_without_arguments(
    session: Session,
    call: Call,
    agent: ToolContext,
    practice: PracticeData,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    def broken(*_: Any) -> Any:
        raise KeyError("María López")

    tool = registry.find("get_services")
    monkeypatch.setitem(registry._TOOLS, "get_services", dataclasses.replace(tool, handler=broken))

    with capture_logs() as logs:
        outcome = call(agent, "get_services", specialty="Fisioterapia")

    assert outcome.error.code == "internal"
    assert outcome.error.retryable is False
    assert (
        outcome.error.message == "get_services failed unexpectedly (KeyError); nothing was changed"
    )
    [report] = [entry for entry in logs if entry["event"] == "tool_internal_error"]
    assert (report["tool"], report["conversation_id"], report["error_type"]) == (
        "get_services",
        agent.conversation_id,
        "KeyError",
    )
    assert "María" not in repr(logs) and "Fisioterapia" not in repr(logs)
    assert session.scalars(select(ToolCall)).one().error_code == "internal"


def test_every_call_is_recorded_with_arguments_result_and_actor(
    session: Session, call: Call, agent: ToolContext, maria: Patient
) -> None:
    with capture_logs() as logs:
        call(agent, "lookup_patient", given_names="Maria", surnames=["Lopez"], dob="1980-05-02")

    row = session.scalars(select(ToolCall)).one()
    assert row.conversation_id == agent.conversation_id
    assert row.arguments == {"given_names": "Maria", "surnames": ["Lopez"], "dob": "1980-05-02"}
    assert row.result["patient_id"] == maria.id
    assert (row.error_code, row.actor, row.idempotency_key) == (None, agent.actor.name, None)
    assert row.latency_ms > 0
    assert "Maria" not in repr(logs) and "1980" not in repr(logs)


def test_a_phi_read_is_audited(
    session: Session, call: Call, agent: ToolContext, maria: Patient
) -> None:
    call(
        agent, "lookup_patient", given_names="María", surnames=["López", "García"], dob="1980-05-02"
    )

    event = session.scalars(select(AuditEvent)).one()
    assert (event.actor, event.role, event.action, event.patient_id, event.conversation_id) == (
        agent.actor.name,
        "agent",
        "read",
        maria.id,
        agent.conversation_id,
    )


def test_an_idempotent_write_runs_once(
    session: Session, call: Call, agent: ToolContext, practice: PracticeData
) -> None:
    arguments = {"reason": "billing", "urgency": "routine", "summary": "Bill question."}

    first = call(agent, "transfer_to_staff", key="k-1", **arguments)
    again = call(agent, "transfer_to_staff", key="k-1", **arguments)
    other = call(agent, "transfer_to_staff", key="k-1", **arguments | {"urgency": "urgent"})

    assert first.ok and not first.replayed
    assert again.replayed and again.data == first.data and again.actions == first.actions
    assert other.error.code == "invalid_argument"
    assert other.error.message.startswith("idempotency key reused with different arguments")
    assert len(session.scalars(select(StaffTask)).all()) == 1
    keys = session.scalars(select(ToolCall.idempotency_key)).all()
    assert keys == ["k-1", "k-1", "k-1"]


def test_every_error_code_is_in_the_closed_list() -> None:
    assert set(catalog.DEFAULT_HINTS) <= set(ERROR_CODES)
