"""HL7 v2 over HTTP: each sample gets its right ACK, and what it means is stored."""

from __future__ import annotations

from datetime import date

from fastapi.testclient import TestClient
from sqlalchemy import func, select
from sqlalchemy.orm import Session
from tests.intake.support import INTEGRATION, Ack, bearer, read_ack, sample

from referraldesk.intake.hl7.service import receive_hl7
from referraldesk.models import AuditEvent, IntakeMessage, Patient, Referral
from referraldesk.patients.service import register_patient

ROUTE = "/api/referrals/hl7"


def post(client: TestClient, secrets: dict[str, str], name_or_text: str) -> Ack:
    body = sample(name_or_text) if name_or_text.endswith(".hl7") else name_or_text
    response = client.post(ROUTE, content=body.encode(), headers={
        **bearer(secrets["integration"]), "Content-Type": "text/plain"})
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/plain")
    return read_ack(response.text)


def referral(db: Session, placer_id: str) -> Referral:
    db.expire_all()
    found = db.scalar(select(Referral).where(Referral.placer_id == placer_id))
    assert found is not None
    return found


def test_the_orthopedics_referral_is_accepted(client: TestClient, secrets: dict[str, str],
                                              db: Session) -> None:
    ack = post(client, secrets, "ref_i12_orthopedics.hl7")

    assert (ack.code, ack.control_id, ack.message_type) == ("AA", "VFM20260303-0042",
                                                            "ACK^I12^ACK")
    knee = referral(db, "VFM-R-88231")
    assert (knee.status, knee.specialty_key, knee.urgency, knee.source) == (
        "accepted", "orthopedics", "routine", "hl7")
    assert knee.icd10 == ["M25.561", "W11.XXXA"]
    assert knee.reason.endswith("Effusion on exam & limited flexion.")
    assert knee.notes is not None and knee.notes.startswith("Workers' comp claim pending")
    assert knee.referring_provider == "Dr. Priya Natarajan" and knee.referring_npi == "1588990011"
    assert knee.referring_practice is not None
    assert knee.referring_practice.name == "Valley Family Medicine"
    assert knee.patient.primary_phone == "+15595550117"
    assert knee.patient.coverages[0].plan.name == "Health Net Medi-Cal"
    assert knee.patient.coverages[0].member_id == "92004477A"


def test_the_dermatology_referral_keeps_two_surnames_and_spanish(
    client: TestClient, secrets: dict[str, str], db: Session
) -> None:
    ack = post(client, secrets, "ref_i12_dermatology_crlf.hl7")

    assert ack.code == "AA"
    rash = referral(db, "VFM-R-88190")
    patient = rash.patient
    assert (patient.given_names, patient.surnames) == ("María Elena", ["López", "García"])
    assert (patient.dob, patient.preferred_language) == (date(1985, 4, 3), "es")
    assert patient.primary_phone == "+15595550143"
    assert "sulfur \\ pesticide" in rash.reason and "BP 128^82." in rash.reason
    assert rash.specialty_key == "dermatology" and rash.status == "accepted"


def test_the_360x_request_is_an_urgent_cardiology_referral(
    client: TestClient, secrets: dict[str, str], db: Session
) -> None:
    ack = post(client, secrets, "omg_o19_360x_cardiology.hl7")

    assert (ack.code, ack.control_id, ack.message_type) == ("AA", "EMG-77120", "ACK^O19^ACK")
    heart = referral(db, "EMG-REF-4410")
    assert (heart.specialty_key, heart.urgency) == ("cardiology", "urgent")
    assert heart.reason.startswith("Palpitations and an abnormal ECG")
    assert (heart.requested_from, heart.target_date) == (date(2026, 9, 8), date(2026, 9, 15))
    # No IN1 segment: the patient has no coverage yet, so the referral asks for it.
    assert heart.status == "needs_info"
    assert heart.history[-1].reason == "missing: insurance"


def test_the_cancel_message_cancels_the_referral_with_its_reason(
    client: TestClient, secrets: dict[str, str], db: Session
) -> None:
    post(client, secrets, "ref_i12_orthopedics.hl7")

    ack = post(client, secrets, "ref_i14_cancel_orthopedics.hl7")

    assert ack.code == "AA" and ack.control_id == "VFM20260305-0003"
    knee = referral(db, "VFM-R-88231")
    assert knee.status == "cancelled"
    assert knee.history[-1].reason == ("Patient will be seen by orthopedics through the "
                                       "workers' comp carrier's network instead.")
    assert knee.history[-1].actor == "integration:integration-token"


def test_a_cancel_for_an_unknown_referral_waits_in_the_queue(
    client: TestClient, secrets: dict[str, str], db: Session
) -> None:
    ack = post(client, secrets, "ref_i14_cancel_orthopedics.hl7")

    assert ack.code == "AE"
    assert "VFM-R-88231" in ack.errors[0][-1]
    assert db.scalar(select(IntakeMessage.status)) == "failed"


def test_the_message_without_a_patient_is_refused_and_kept_whole(
    client: TestClient, secrets: dict[str, str], db: Session
) -> None:
    ack = post(client, secrets, "broken_no_patient.hl7")

    assert ack.code == "AE" and ack.control_id == "VFM20260306-0101"
    assert ack.text.startswith("PID: the message has no PID segment")
    assert [err[2:5] for err in ack.errors] == [["PID", "100^Segment sequence error^HL70357",
                                                 "E"]]
    kept = db.scalars(select(IntakeMessage)).one()
    assert (kept.status, kept.channel, kept.control_id) == ("failed", "hl7_http",
                                                            "VFM20260306-0101")
    assert kept.body == sample("broken_no_patient.hl7")
    assert kept.error is not None and "no PID segment" in kept.error
    assert db.scalar(select(func.count()).select_from(Referral)) == 0


def test_the_same_referral_sent_twice_is_recognised(
    client: TestClient, secrets: dict[str, str], db: Session
) -> None:
    post(client, secrets, "ref_i12_orthopedics.hl7")

    again = post(client, secrets, "ref_i12_orthopedics.hl7")

    assert again.code == "AA" and again.text.startswith("duplicate: referral")
    assert db.scalar(select(func.count()).select_from(Referral)) == 1
    assert db.scalar(select(func.count()).select_from(Patient)) == 1


def test_an_unknown_patient_is_registered_unverified(db: Session) -> None:
    receive_hl7(db, INTEGRATION, sample("ref_i12_orthopedics.hl7"), channel="hl7_file")

    daniel = db.scalars(select(Patient)).one()
    assert (daniel.given_names, daniel.surnames, daniel.identity_confirmed) == (
        "Daniel", ["Ortega"], False)
    audit = db.scalars(select(AuditEvent.action).where(AuditEvent.resource_type == "patient"))
    assert list(audit) == ["create"]


def test_a_patient_on_file_with_the_same_name_birth_date_and_phone_is_used(
    db: Session,
) -> None:
    maria = _register_maria(db, phone="(559) 555-0143")

    outcome = receive_hl7(db, INTEGRATION, sample("ref_i12_dermatology_crlf.hl7"),
                          channel="hl7_file")

    assert outcome.applied
    assert db.get(Referral, outcome.referral_id).patient_id == maria.id  # type: ignore[union-attr]
    assert db.scalar(select(func.count()).select_from(Patient)) == 1
    assert maria.identity_confirmed is True


def test_a_namesake_with_another_phone_waits_for_a_person(db: Session) -> None:
    _register_maria(db, phone="559-555-0199")

    outcome = receive_hl7(db, INTEGRATION, sample("ref_i12_dermatology_crlf.hl7"),
                          channel="hl7_file")

    assert not outcome.applied
    assert read_ack(outcome.reply).code == "AE"
    assert "different phone" in (outcome.message.error or "")
    assert db.scalar(select(func.count()).select_from(Patient)) == 1


def test_a_name_alone_never_matches(db: Session) -> None:
    _register_maria(db, phone="(559) 555-0143", dob="1985-04-04")

    outcome = receive_hl7(db, INTEGRATION, sample("ref_i12_dermatology_crlf.hl7"),
                          channel="hl7_file")

    assert outcome.applied
    assert db.scalar(select(func.count()).select_from(Patient)) == 2


def test_an_unsupported_message_type_is_rejected(
    client: TestClient, secrets: dict[str, str]
) -> None:
    text = sample("ref_i12_orthopedics.hl7").replace("REF^I12^REF_I12", "ADT^A01^ADT_A01")

    ack = post(client, secrets, text)

    assert ack.code == "AR" and ack.errors[0][3].startswith("200^")


def test_a_body_that_is_not_hl7_still_gets_an_ack(
    client: TestClient, secrets: dict[str, str], db: Session
) -> None:
    ack = post(client, secrets, "hello, is this the referral line?")

    assert ack.code == "AR" and ack.control_id == ""
    assert db.scalar(select(IntakeMessage.body)) == "hello, is this the referral line?"


def _register_maria(db: Session, *, phone: str, dob: str = "1985-04-03") -> Patient:
    patient = register_patient(db, INTEGRATION, {
        "given_names": "María Elena", "surnames": ["López", "García"], "dob": dob,
        "phone": phone, "preferred_language": "es", "plan": "Anthem Blue Cross Medi-Cal"})
    db.commit()
    return patient
