from __future__ import annotations

from sqlalchemy.orm import Session
from tests.tools.factories import Call, PracticeData, make_patient, make_referral

from referraldesk.models import Patient
from referraldesk.tools import ToolContext


def test_it_shows_the_referrers_reason_notes_urgency_and_target(
    session: Session, call: Call, verified: ToolContext, maria: Patient
) -> None:
    referral = make_referral(session, maria, urgency="urgent")
    make_referral(session, maria, status="closed", specialty_key="orthopedics")

    outcome = call(verified, "get_patient_referrals")

    assert outcome.data == {
        "referrals": [
            {
                "id": referral.id,
                "status": "accepted",
                "status_label": "Accepted",
                "specialty": "physical_therapy",
                "specialty_label": "Fisioterapia",
                "urgency": "urgent",
                "target_date": "2026-03-31",
                "reason": "Low back pain after a fall at work",
                "notes": "Please evaluate and treat.",
                "icd10": ["M54.50"],
                "referring_provider": "Dr. Elena Park",
                "referring_practice": "Valley Family Care",
                "appointment_id": None,
                "received_at": referral.received_at.isoformat(),
            }
        ]
    }


def test_closed_referrals_show_on_request(
    session: Session, call: Call, verified: ToolContext, maria: Patient
) -> None:
    make_referral(session, maria, status="closed")

    outcome = call(verified, "get_patient_referrals", include_closed=True)

    assert [r["status"] for r in outcome.data["referrals"]] == ["closed"]


def test_the_agent_records_that_the_patient_declines(
    session: Session, call: Call, verified: ToolContext, maria: Patient
) -> None:
    referral = make_referral(session, maria, status="contacting")

    outcome = call(
        verified,
        "update_referral_status",
        referral_id=referral.id,
        status="declined",
        leakage_reason="patient_declined",
        reason="prefers a clinic near work",
    )

    assert outcome.data["from_status"] == "contacting"
    assert outcome.data["referral"]["status"] == "declined"
    assert (referral.leakage_reason, referral.history[-1].actor) == (
        "patient_declined",
        verified.actor.name,
    )


def test_the_agent_may_not_make_other_moves(
    session: Session, call: Call, verified: ToolContext, maria: Patient
) -> None:
    referral = make_referral(session, maria, status="contacting")

    outcome = call(
        verified,
        "update_referral_status",
        referral_id=referral.id,
        status="unreachable",
        leakage_reason="unreachable",
    )

    assert (outcome.error.code, outcome.error.field) == ("forbidden", "status")
    assert referral.status == "contacting"


def test_only_legal_moves_are_made(
    session: Session, call: Call, staff: ToolContext, maria: Patient
) -> None:
    referral = make_referral(session, maria, status="received")

    illegal = call(
        staff,
        "update_referral_status",
        patient_id=maria.id,
        referral_id=referral.id,
        status="closed",
    )
    no_reason = call(
        staff,
        "update_referral_status",
        patient_id=maria.id,
        referral_id=referral.id,
        status="rejected",
    )
    legal = call(
        staff,
        "update_referral_status",
        patient_id=maria.id,
        referral_id=referral.id,
        status="accepted",
    )

    assert illegal.error.code == "illegal_transition"
    assert no_reason.error.code == "invalid_argument"
    assert legal.data["referral"]["status"] == "accepted"


def test_a_referral_of_another_patient_is_not_found(
    session: Session, call: Call, verified: ToolContext, practice: PracticeData
) -> None:
    other = make_patient(session, practice.medi_cal, given_names="Rosa", phone="+15595550150")
    referral = make_referral(session, other, status="contacting")

    outcome = call(
        verified,
        "update_referral_status",
        referral_id=referral.id,
        status="declined",
        leakage_reason="patient_declined",
    )

    assert outcome.error.code == "not_found"
    assert referral.status == "contacting"
