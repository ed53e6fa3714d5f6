from __future__ import annotations

import dataclasses

import pytest
from sqlalchemy.orm import Session
from tests.tools.factories import Call, PracticeData, make_patient

from referraldesk.models import Patient
from referraldesk.tools import ToolContext


def test_lookup_verifies_the_caller_and_returns_a_summary(
    session: Session, call: Call, agent: ToolContext, maria: Patient
) -> None:
    outcome = call(
        agent, "lookup_patient", given_names="maria", surnames=["lopez", "garcia"], dob="1980-05-02"
    )

    assert outcome.data == {
        "patient_id": maria.id,
        "first_name": "María",
        "given_names": "María",
        "surnames": ["López", "García"],
        "preferred_language": "es",
        "plan": "CalViva Health",
        "phones": ["***-***-0143"],
    }
    assert agent.verified_patient_id == maria.id


def test_a_failed_lookup_says_not_found_without_saying_what_was_wrong(
    call: Call, agent: ToolContext, maria: Patient
) -> None:
    wrong_dob = call(
        agent, "lookup_patient", given_names="María", surnames=["López"], dob="1980-05-03"
    )
    wrong_name = call(
        agent, "lookup_patient", given_names="Rosa", surnames=["López"], dob="1980-05-02"
    )

    assert wrong_dob.error == wrong_name.error
    assert wrong_dob.error.code == "not_found"
    assert wrong_dob.error.field is None
    assert agent.verified_patient_id is None


def test_a_lookup_matching_two_patients_is_ambiguous(
    session: Session, call: Call, agent: ToolContext, practice: PracticeData, maria: Patient
) -> None:
    make_patient(session, practice.medi_cal, surnames=("López", "Ruiz"), phone="+15595550144")

    outcome = call(
        agent, "lookup_patient", given_names="María", surnames=["López"], dob="1980-05-02"
    )

    assert outcome.error.code == "ambiguous"
    assert agent.verified_patient_id is None


def test_the_agent_learns_only_whether_a_phone_is_on_file(
    call: Call, agent: ToolContext, maria: Patient
) -> None:
    own = call(agent, "lookup_patient_by_phone")
    other = call(agent, "lookup_patient_by_phone", phone="(559) 555-0999")

    assert own.data == {"on_file": True, "count": 1, "patients": None}
    assert other.data == {"on_file": False, "count": 0, "patients": None}
    assert agent.verified_patient_id is None


def test_staff_see_who_has_a_phone(call: Call, staff: ToolContext, maria: Patient) -> None:
    outcome = call(staff, "lookup_patient_by_phone", phone="559-555-0143")

    assert [p["patient_id"] for p in outcome.data["patients"]] == [maria.id]


def test_a_phone_lookup_needs_a_number(
    call: Call, staff: ToolContext, practice: PracticeData
) -> None:
    missing = call(staff, "lookup_patient_by_phone")
    malformed = call(staff, "lookup_patient_by_phone", phone="12")

    assert (missing.error.code, missing.error.field) == ("not_found", "phone")
    assert (malformed.error.code, malformed.error.field) == ("invalid_argument", "phone")


def test_it_registers_a_new_patient_without_verifying_them(
    session: Session, call: Call, agent: ToolContext, practice: PracticeData
) -> None:
    outcome = call(
        agent,
        "create_new_patient",
        given_names="Luis",
        surnames=["Soto"],
        dob="1990-01-31",
        plan="medi-cal",
        contact_windows=[{"weekdays": ["mon", "tue"], "after": "17:00"}],
    )

    patient = session.get(Patient, outcome.data["patient_id"])
    assert (patient.given_names, patient.preferred_language, patient.primary_phone) == (
        "Luis",
        "es",
        "+15595550143",
    )
    assert patient.contact_windows == [
        {"weekdays": ["mon", "tue"], "after": "17:00", "before": None}
    ]
    assert outcome.data["verified"] is False
    assert agent.verified_patient_id is None


def test_registering_someone_on_file_is_a_duplicate_pointing_to_lookup(
    call: Call, agent: ToolContext, maria: Patient
) -> None:
    outcome = call(
        agent,
        "create_new_patient",
        given_names="María",
        surnames=["López", "García"],
        dob="1980-05-02",
        plan="CalViva",
    )

    assert outcome.error.code == "duplicate"
    assert maria.id not in outcome.error.model_dump_json()
    assert "lookup_patient" in outcome.error.hint


def test_registration_reports_a_bad_plan_and_phone(
    call: Call, staff: ToolContext, practice: PracticeData
) -> None:
    unknown_plan = call(
        staff,
        "create_new_patient",
        given_names="Luis",
        surnames=["Soto"],
        dob="1990-01-31",
        phone="559-555-0123",
        plan="Aetna Gold",
    )
    bad_phone = call(
        staff,
        "create_new_patient",
        given_names="Luis",
        surnames=["Soto"],
        dob="1990-01-31",
        phone="555",
        plan="CalViva",
    )

    assert unknown_plan.error.code == "not_found"
    assert (bad_phone.error.code, bad_phone.error.field) == ("invalid_argument", "phone")


def test_it_shows_insurance_with_a_masked_member_id_to_the_agent(
    call: Call, verified: ToolContext, staff: ToolContext, maria: Patient
) -> None:
    agent_view = call(verified, "get_patient_insurance")
    staff_view = call(staff, "get_patient_insurance", patient_id=maria.id)

    assert agent_view.data == {
        "coverages": [
            {
                "plan_key": "calviva",
                "plan_name": "CalViva Health",
                "payer": "CalViva",
                "kind": "medi_cal",
                "is_primary": True,
                "member_id": "...5678",
                "valid_until": None,
            }
        ]
    }
    assert staff_view.data["coverages"][0]["member_id"] == "CV12345678"


def test_staff_must_name_an_existing_patient(
    call: Call, staff: ToolContext, practice: PracticeData
) -> None:
    unnamed = call(staff, "get_patient_insurance")
    unknown = call(staff, "get_patient_insurance", patient_id="nobody")

    assert (unnamed.error.code, unnamed.error.field) == ("invalid_argument", "patient_id")
    assert (unknown.error.code, unknown.error.field) == ("not_found", "patient_id")


def test_it_records_consent_for_the_verified_patient(
    call: Call, verified: ToolContext, maria: Patient
) -> None:
    outcome = call(verified, "record_consent", kinds=["recording", "texts"], granted=True)

    assert outcome.data == {
        "kinds": ["recording", "texts"],
        "granted": True,
        "patients_updated": 1,
        "in_force": {
            "recording": True,
            "automated_calls": False,
            "texts": True,
            "non_care_use": False,
        },
    }
    assert [(c.kind, c.granted, c.source) for c in maria.consents] == [
        ("recording", True, "chat"),
        ("texts", True, "chat"),
    ]


@pytest.mark.parametrize("channel", ["sms", "voice"])
def test_an_unverified_caller_can_always_opt_out_by_their_number(
    session: Session,
    call: Call,
    agent: ToolContext,
    practice: PracticeData,
    maria: Patient,
    channel: str,
) -> None:
    by_carrier = dataclasses.replace(agent, channel=channel)

    outcome = call(by_carrier, "record_consent", kinds=["automated_calls", "texts"], granted=False)

    assert outcome.data == {
        "kinds": ["automated_calls", "texts"],
        "granted": False,
        "patients_updated": 1,
        "in_force": None,
    }
    assert [(c.kind, c.granted) for c in maria.consents] == [
        ("automated_calls", False),
        ("texts", False),
    ]


@pytest.mark.parametrize("channel", ["chat", "terminal"])
def test_a_typed_number_cannot_opt_its_owner_out(
    call: Call, agent: ToolContext, maria: Patient, channel: str
) -> None:
    """A web chat's caller number is whatever the visitor typed: it proves nothing."""
    typed = dataclasses.replace(agent, channel=channel)

    outcome = call(typed, "record_consent", kinds=["automated_calls", "texts"], granted=False)

    assert outcome.error.code == "not_verified"
    assert maria.consents == []


def test_an_unverified_caller_cannot_opt_in(call: Call, agent: ToolContext, maria: Patient) -> None:
    outcome = call(agent, "record_consent", kinds=["texts"], granted=True)

    assert outcome.error.code == "not_verified"
    assert maria.consents == []
