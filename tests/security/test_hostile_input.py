"""Hostile input at every door: a clear 4xx (or an HL7 ACK with AE/AR), nothing stored
half-way, and no other patient's name, birth date or phone in any reply."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date
from typing import Any
from urllib.parse import urlencode

import pytest
from fastapi.testclient import TestClient
from hypothesis import given
from hypothesis import strategies as st
from sqlalchemy import Engine
from sqlalchemy.orm import Session
from starlette.datastructures import ImmutableMultiDict
from tests.security.conftest import OTHER_DOB, OTHER_NAME, OTHER_PHONE, World, bearer, count_rows
from tests.security.hostile import FUZZ, NASTY_STRINGS, hostile_json, hostile_text
from twilio.request_validator import RequestValidator

from referraldesk.audit.trail import Actor
from referraldesk.errors import DomainError
from referraldesk.intake.csv_rows import import_csv
from referraldesk.models import Patient, Referral
from referraldesk.settings import reset_settings_cache

PUBLIC_URL = "https://desk.valle.example.org"
TWILIO_TOKEN = "hostile-input-test-token"
PATIENT = {
    "given_names": "Tomás", "surnames": ["Ibarra"], "dob": "1990-04-12",
    "phone": "559-555-0123", "preferred_language": "es", "plan": "CalViva Health",
}
REFERRAL = {
    "specialty": "physical_therapy", "reason": "knee pain after a fall", "urgency": "routine",
    "referring_provider": "Dr. Priya Natarajan", "referring_practice": "Valley Family Medicine",
}


def leaks_the_other_patient(text: str) -> bool:
    digits = "".join(ch for ch in text if ch.isdigit())
    return (
        OTHER_NAME.lower() in text.lower()
        or OTHER_DOB.isoformat() in text
        or OTHER_DOB.strftime("%m/%d/%Y") in text
        or OTHER_PHONE[-10:] in digits
    )


def assert_clear_refusal(response: Any) -> None:
    """A 4xx whose JSON names what was wrong (API.md's error shape)."""
    assert 400 <= response.status_code < 500, response.text[:300]
    error = response.json()["error"]
    assert error["code"] and error["message"]


def test_no_nasty_string_is_leaked_by_the_leak_check_itself() -> None:
    assert not any(leaks_the_other_patient(text) for text in NASTY_STRINGS)


# -- web chat ---------------------------------------------------------------------------


@pytest.fixture
def chat(client: TestClient) -> str:
    started = client.post("/api/conversations", json={"channel": "chat", "language": "en"})
    assert started.status_code == 201
    return str(started.json()["id"])


@FUZZ
@given(text=hostile_text)
def test_chat_messages_never_fail_or_leak(client: TestClient, chat: str, text: str) -> None:
    response = client.post(f"/api/conversations/{chat}/messages", json={"text": text})

    assert response.status_code < 500
    assert not leaks_the_other_patient(response.text)
    if response.status_code >= 400:
        assert response.json()["error"]["code"]


@FUZZ
@given(body=hostile_json)
def test_chat_starts_with_a_wrong_shape_are_refused(
    client: TestClient, world: World, body: Any
) -> None:
    response = client.post("/api/conversations", json=body)

    if response.status_code != 201:
        assert_clear_refusal(response)


def test_a_chat_naming_the_other_patient_hears_nothing_about_them(
    client: TestClient, chat: str
) -> None:
    said = [f"I am Rosalind {OTHER_NAME}", "born 09/23/1971", "what is my phone number?",
            "what appointments do I have?"]

    replies = [client.post(f"/api/conversations/{chat}/messages", json={"text": text})
               for text in said]

    assert all(reply.status_code == 200 for reply in replies)
    assert not any(leaks_the_other_patient(reply.json()["turn"]["reply"]) for reply in replies)


# -- SMS --------------------------------------------------------------------------------


@pytest.fixture
def twilio(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    monkeypatch.setenv("REFERRALDESK_TWILIO_AUTH_TOKEN", TWILIO_TOKEN)
    monkeypatch.setenv("REFERRALDESK_PUBLIC_URL", PUBLIC_URL)
    reset_settings_cache()
    yield
    monkeypatch.undo()
    reset_settings_cache()


def signed_sms(client: TestClient, fields: list[tuple[str, str]]) -> Any:
    signature = RequestValidator(TWILIO_TOKEN).compute_signature(
        f"{PUBLIC_URL}/twilio/sms", ImmutableMultiDict(fields)
    )
    return client.post("/twilio/sms", content=urlencode(fields), headers={
        "content-type": "application/x-www-form-urlencoded", "x-twilio-signature": signature,
    })


@FUZZ
@given(body=hostile_text, sender=st.one_of(st.just("+15595550143"), hostile_text))
def test_signed_texts_are_answered_in_twiml_whatever_they_say(
    client: TestClient, twilio: None, body: str, sender: str
) -> None:
    response = signed_sms(client, [("From", sender), ("To", "+15595550100"), ("Body", body),
                                   ("MessageSid", "SM" + str(abs(hash((body, sender)))))])

    assert response.status_code < 500
    assert response.headers["content-type"].startswith("application/xml")
    assert response.text.lstrip().startswith("<?xml") or response.text.startswith("<Response")
    assert not leaks_the_other_patient(response.text)


def test_a_text_without_a_sender_is_refused_in_twiml(client: TestClient, twilio: None) -> None:
    response = signed_sms(client, [("Body", "hola"), ("MessageSid", "SM1")])

    assert response.status_code == 422
    assert response.headers["content-type"].startswith("application/xml")
    assert "<Response" in response.text and "error" not in response.text


def test_an_unsigned_text_is_refused_in_twiml(client: TestClient, twilio: None) -> None:
    response = client.post("/twilio/sms", content="From=%2B15595550143&Body=hi",
                           headers={"content-type": "application/x-www-form-urlencoded"})

    assert response.status_code == 403
    assert response.headers["content-type"].startswith("application/xml")


# -- HL7 over HTTP ----------------------------------------------------------------------

HL7 = "\r".join([
    "MSH|^~\\&|VFM_EHR|VALLEY FAMILY MEDICINE|REFERRALDESK|VALLE|20260309141500-0800||"
    "REF^I12^REF_I12|{control}|P|2.5.1|||AL|AL",
    "RF1|P^Pending^HL70283|R^Routine^HL70280|MED^Medical^HL70281|RP^Referral^HL70282|"
    "O^Outside referral^HL70284|{placer}^VFM_EHR|20260309|20260417",
    "PRD|RP^Referring Provider^HL70286|Natarajan^Priya^^^Dr.^MD",
    "PRD|RT^Referred to Provider^HL70286||||||^^^^^^^^^^^Physical therapy",
    "PID|1||MRN-1^^^VFM^MR||{family}^{given}||{dob}|F|||||^PRN^CP^^1^559^5550123",
    "IN1|1|CV^CalViva Health|CV1|CalViva Health",
    "DG1|1||M25.561^Pain in right knee^I10|||F",
    "NTE|1||{note}|RE^Reason for referral",
]) + "\r"


def hl7(given: str = "Tomás", family: str = "Ibarra", dob: str = "19900412",
        note: str = "Knee pain after a fall.", placer: str = "VFM-1") -> str:
    return HL7.format(control=f"C{abs(hash((given, family, dob, note))) % 10**9}", given=given,
                      family=family, dob=dob, note=note, placer=placer)


def post_hl7(client: TestClient, world: World, text: str | bytes) -> Any:
    return client.post("/api/referrals/hl7", content=text,
                       headers={**bearer(world.tokens["integration"]),
                                "content-type": "text/plain"})


def ack_code(response: Any) -> str:
    segments = [line.split("|") for line in response.text.split("\r") if line]
    msa = next(segment for segment in segments if segment[0] == "MSA")
    return msa[1]


@FUZZ
@given(given_name=hostile_text, family=hostile_text)
def test_hostile_hl7_names_are_refused_or_stored_clean(
    client: TestClient, world: World, engine: Engine, given_name: str, family: str
) -> None:
    before = count_rows(engine, Patient), count_rows(engine, Referral)

    response = post_hl7(client, world, hl7(given=given_name, family=family))

    assert response.status_code < 500
    assert not leaks_the_other_patient(response.text)
    if response.status_code == 200 and ack_code(response) != "AA":
        assert (count_rows(engine, Patient), count_rows(engine, Referral)) == before


@FUZZ
@given(text=st.one_of(hostile_text, st.binary(max_size=300)))
def test_malformed_hl7_gets_an_error_ack_or_a_4xx(
    client: TestClient, world: World, engine: Engine, text: str | bytes
) -> None:
    before = count_rows(engine, Referral)

    response = post_hl7(client, world, text)

    assert response.status_code < 500
    if response.status_code == 200:
        assert ack_code(response) in ("AE", "AR")
    assert count_rows(engine, Referral) == before


def test_a_nul_in_an_hl7_name_does_not_make_a_second_patient(
    client: TestClient, world: World, engine: Engine
) -> None:
    first = post_hl7(client, world, hl7(placer="VFM-10"))
    patients = count_rows(engine, Patient)

    again = post_hl7(client, world, hl7(given="Tomás\x00", placer="VFM-11"))

    assert ack_code(first) == "AA"
    assert ack_code(again) in ("AA", "AE", "AR")
    assert count_rows(engine, Patient) == patients


def test_an_hl7_name_longer_than_any_real_one_is_refused(
    client: TestClient, world: World, engine: Engine
) -> None:
    patients = count_rows(engine, Patient)

    response = post_hl7(client, world, hl7(given="A" * 150, placer="VFM-12"))

    assert ack_code(response) in ("AE", "AR")
    assert count_rows(engine, Patient) == patients


# -- FHIR -------------------------------------------------------------------------------


def service_request(**changes: Any) -> dict[str, Any]:
    resource: dict[str, Any] = {
        "resourceType": "ServiceRequest", "status": "active", "intent": "order",
        "subject": {"display": "Tomás Ibarra"},
        "code": {"text": "Physical therapy"},
    }
    resource.update(changes)
    return resource


@FUZZ
@given(field=st.sampled_from(["status", "intent", "subject", "code", "identifier",
                              "contained", "reasonCode", "resourceType"]),
       value=hostile_json)
def test_hostile_fhir_service_requests_get_an_operation_outcome(
    client: TestClient, world: World, engine: Engine, field: str, value: Any
) -> None:
    before = count_rows(engine, Patient), count_rows(engine, Referral)

    response = client.post("/fhir/ServiceRequest", json=service_request(**{field: value}),
                           headers=bearer(world.tokens["integration"]))

    assert response.status_code < 500
    assert not leaks_the_other_patient(response.text)
    if response.status_code >= 400:
        assert response.json()["resourceType"] == "OperationOutcome"
        assert (count_rows(engine, Patient), count_rows(engine, Referral)) == before


@pytest.mark.parametrize("body", [b"", b"{", b"[]", b"null", b"\xff\xfe", b'{"resourceType": 1}'])
def test_broken_fhir_json_gets_an_operation_outcome(
    client: TestClient, world: World, body: bytes
) -> None:
    response = client.post("/fhir/ServiceRequest", content=body, headers={
        **bearer(world.tokens["integration"]), "content-type": "application/fhir+json"})

    assert 400 <= response.status_code < 500
    assert response.json()["resourceType"] == "OperationOutcome"


# -- CSV --------------------------------------------------------------------------------

CSV_HEADER = ("placer_id,referring_practice,referring_provider_npi,referring_provider,"
              "patient_given,patient_surnames,patient_dob,patient_phone,preferred_language,"
              "plan,member_id,specialty,reason,icd10,urgency")


@FUZZ
@given(given_name=hostile_text, surnames=hostile_text, reason=hostile_text)
def test_hostile_csv_rows_are_rejected_or_stored_clean(
    db: Session, world: World, given_name: str, surnames: str, reason: str
) -> None:
    row = ["P-1", "Valley FM", "1234567893", "Dr. Priya", given_name, surnames, "1990-04-12",
           "559-555-0123", "es", "CalViva Health", "M1", "physical therapy", reason, "M25.561",
           "routine"]
    text = CSV_HEADER + "\n" + ",".join('"' + v.replace('"', '""') + '"' for v in row) + "\n"
    patients = db.query(Patient).count()

    try:
        report = import_csv(db, Actor("staff:desk", "staff"), text, source_name="x.csv")
    except DomainError:
        db.rollback()
        return

    stored = db.query(Patient).count()
    assert stored in (patients, patients + 1)
    if report.rejected:
        assert stored == patients
    for patient in db.query(Patient):
        assert "\x00" not in patient.given_names + "".join(patient.surnames)


# -- native JSON: patient and referral --------------------------------------------------


@FUZZ
@given(field=st.sampled_from(sorted(PATIENT) + ["member_id", "contact_windows", "consents"]),
       value=hostile_json)
def test_hostile_patients_are_refused_whole(
    client: TestClient, world: World, engine: Engine, field: str, value: Any
) -> None:
    before = count_rows(engine, Patient)

    response = client.post("/api/patients", json={**PATIENT, field: value},
                           headers=bearer(world.tokens["integration"]))

    assert not leaks_the_other_patient(response.text)
    if response.status_code == 201:
        assert count_rows(engine, Patient) == before + 1
    else:
        assert_clear_refusal(response)
        assert count_rows(engine, Patient) == before


@FUZZ
@given(field=st.sampled_from(sorted(REFERRAL) + ["patient_id", "icd10", "notes", "placer_id",
                                                 "referring_npi"]),
       value=hostile_json)
def test_hostile_referrals_are_refused_whole(
    client: TestClient, world: World, engine: Engine, field: str, value: Any
) -> None:
    before = count_rows(engine, Referral)
    body = {**REFERRAL, "patient_id": world.maria.id, field: value}

    response = client.post("/api/referrals", json=body,
                           headers=bearer(world.tokens["integration"]))

    assert not leaks_the_other_patient(response.text)
    if response.status_code not in (200, 201):
        assert_clear_refusal(response)
        assert count_rows(engine, Referral) == before


@pytest.mark.parametrize(("field", "value", "message"), [
    ("given_names", "Tomás\x00", "control or invisible characters"),
    ("surnames", ["Iba\u202erra"], "control or invisible characters"),
    # A bidi isolate: a format character the first list of them missed.
    ("given_names", "Ana\u2067", "control or invisible characters (U+2067)"),
    ("surnames", ["I" * 101], "longer than 100 characters"),
    ("phone", "+44 20 7946 0958", "not a North American (+1) number"),
])
def test_the_break_in_findings_on_patients_are_refused(
    client: TestClient, world: World, engine: Engine, field: str, value: Any, message: str
) -> None:
    response = client.post("/api/patients", json={**PATIENT, field: value},
                           headers=bearer(world.tokens["integration"]))

    assert_clear_refusal(response)
    assert response.json()["error"]["field"] == field and message in response.text


def test_a_referring_npi_failing_its_check_digit_is_refused(
    client: TestClient, world: World, engine: Engine
) -> None:
    body = {**REFERRAL, "patient_id": world.maria.id, "referring_npi": "1234567890"}

    response = client.post("/api/referrals", json=body,
                           headers=bearer(world.tokens["integration"]))
    good = client.post("/api/referrals", json={**body, "referring_npi": "1234567893"},
                       headers=bearer(world.tokens["integration"]))

    assert response.status_code == 422
    assert response.json()["error"]["field"] == "referring_npi"
    assert "check digit" in response.json()["error"]["message"]
    assert good.status_code == 201


def test_booking_on_a_closed_day_says_there_is_no_such_slot(
    client: TestClient, world: World
) -> None:
    # 2026-03-31 is César Chávez Day, a closure of the factories' practice.
    response = client.post("/api/appointments", json={
        "patient_id": world.maria.id, "provider_id": world.practice.therapist.id,
        "start": "2026-03-31T09:00:00-07:00",
    }, headers=bearer(world.tokens["integration"]))

    assert response.status_code == 404
    assert response.json()["error"]["code"] == "not_found"
    assert "closed" in response.json()["error"]["message"]
    assert date(2026, 3, 31).isoformat() in response.json()["error"]["message"]
