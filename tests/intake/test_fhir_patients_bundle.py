"""FHIR patient Bundles (Synthea chart exports): each Patient is registered or matched."""

from __future__ import annotations

import json
from typing import Any

import pytest
from fastapi.testclient import TestClient
from fhir.resources.R4B.bundle import Bundle
from sqlalchemy import func, select
from sqlalchemy.orm import Session
from tests.intake.support import NOW, SAMPLES, bearer, sample
from typer.testing import CliRunner

from referraldesk.cli import app
from referraldesk.models import AuditEvent, IntakeMessage, Patient, Referral

SYNTHEA = {
    "alberto": "synthea/Alberto_Atencio_fc712d1f-5a2e-4407-9c55-a2a2bad623c2.json",
    "gustavo": "synthea/Gustavo_Mejia_59a8543c-e24f-4a01-b28b-47ccde6bc11d.json",
    "liz": "synthea/Liz_Conn_27c911c6-f045-4ffa-af5d-6eba57ac94b2.json",
}
runner = CliRunner()


def post_bundle(client: TestClient, secrets: dict[str, str], body: str) -> Any:
    return client.post("/fhir", content=body.encode(), headers={
        **bearer(secrets["integration"]), "Content-Type": "application/fhir+json"})


def patient_ids(answer: dict[str, Any]) -> list[tuple[str, str]]:
    """(our patient id, "201 Created" | "200 OK") per patient of a transaction-response."""
    Bundle.model_validate(answer)
    return [(entry["response"]["location"].removeprefix("Patient/"),
             entry["response"]["status"]) for entry in answer["entry"]]


def test_each_synthea_bundle_registers_its_patient(client: TestClient, secrets: dict[str, str],
                                                   db: Session) -> None:
    answers = {key: post_bundle(client, secrets, sample(name)) for key, name in SYNTHEA.items()}

    assert {key: a.status_code for key, a in answers.items()} == dict.fromkeys(SYNTHEA, 200)
    created = {key: patient_ids(a.json()) for key, a in answers.items()}
    assert all(len(ids) == 1 and ids[0][1] == "201 Created" for ids in created.values())
    people = {key: db.get(Patient, ids[0][0]) for key, ids in created.items()}
    assert {key: (p.given_names, p.surnames, p.dob.isoformat(), p.preferred_language,
                  [phone.e164 for phone in p.phones])
            for key, p in people.items() if p} == {
        "alberto": ("Alberto", ["Atencio"], "1993-06-07", "es", ["+15559619901"]),
        "gustavo": ("Gustavo", ["Mejía"], "1986-11-27", "es", ["+15559818755"]),
        # 555-175-3568: an exchange starting with 1 cannot be dialled; skipped.
        "liz": ("Liz", ["Conn"], "1986-11-28", "en", []),
    }
    alberto = people["alberto"]
    assert alberto is not None
    assert (alberto.address, alberto.city, alberto.state, alberto.postal_code,
            alberto.identity_confirmed) == ("849 Koch Crossroad", "Boston", "MA", "02108", False)
    assert db.scalar(select(func.count()).select_from(Referral)) == 0
    messages = db.scalars(select(IntakeMessage.status)).all()
    assert messages == ["applied"] * 3


def test_a_second_import_matches_everyone_and_adds_no_one(
    client: TestClient, secrets: dict[str, str], db: Session
) -> None:
    first = [patient_ids(post_bundle(client, secrets, sample(n)).json()) for n in SYNTHEA.values()]
    again = [post_bundle(client, secrets, sample(n)) for n in SYNTHEA.values()]

    assert [a.status_code for a in again] == [200] * 3
    assert [patient_ids(a.json()) for a in again] == [
        [(ids[0][0], "200 OK")] for ids in first]
    assert db.scalar(select(func.count()).select_from(Patient)) == 3
    audited = db.execute(select(AuditEvent.action, AuditEvent.resource_type)
                         .where(AuditEvent.resource_type == "patient")).all()
    assert sorted(audited) == [("create", "patient")] * 3 + [("read", "patient")] * 3


def test_digits_synthea_appends_to_names_are_cut(client: TestClient, secrets: dict[str, str],
                                                 db: Session) -> None:
    bundle = json.loads(sample(SYNTHEA["alberto"]))
    patient = next(e["resource"] for e in bundle["entry"]
                   if e["resource"]["resourceType"] == "Patient")
    patient["name"] = [{"use": "official", "family": "Atencio101", "given": ["Alberto639"]}]

    answer = post_bundle(client, secrets, json.dumps(bundle))

    assert answer.status_code == 200
    stored = db.get(Patient, patient_ids(answer.json())[0][0])
    assert stored is not None
    assert (stored.given_names, stored.surnames) == ("Alberto", ["Atencio"])


def test_without_a_phone_a_namesake_with_one_is_not_matched(
    client: TestClient, secrets: dict[str, str], db: Session
) -> None:
    post_bundle(client, secrets, sample(SYNTHEA["alberto"]))
    bundle = json.loads(sample(SYNTHEA["alberto"]))
    for entry in bundle["entry"]:
        if entry["resource"]["resourceType"] == "Patient":
            del entry["resource"]["telecom"]

    answer = post_bundle(client, secrets, json.dumps(bundle))

    assert answer.status_code == 422
    issue = answer.json()["issue"][0]
    assert (issue["code"], issue["expression"]) == ("conflict", ["patient.telecom"])
    assert db.scalar(select(func.count()).select_from(Patient)) == 1
    assert sorted(db.scalars(select(IntakeMessage.status)).all()) == ["applied", "failed"]


def test_a_malformed_birth_date_gets_its_issue(client: TestClient, secrets: dict[str, str],
                                               db: Session) -> None:
    bundle = json.loads(sample(SYNTHEA["gustavo"]))
    for entry in bundle["entry"]:
        if entry["resource"]["resourceType"] == "Patient":
            entry["resource"]["birthDate"] = "27/11/1986"

    answer = post_bundle(client, secrets, json.dumps(bundle))

    assert answer.status_code == 422
    assert answer.json()["issue"][0]["expression"] == ["Bundle.entry[0].resource.birthDate"]
    assert db.scalar(select(func.count()).select_from(Patient)) == 0


@pytest.mark.parametrize(
    ("field", "value", "where"),
    [
        ("birthDate", "2990-01-01", "Bundle.entry[0].resource.birthDate"),
        ("birthDate", "1790-01-01", "Bundle.entry[0].resource.birthDate"),
        ("name", [{"use": "official", "family": "Mejia", "given": ["Gus\u200btavo"]}],
         "Bundle.entry[0].resource.name"),
        ("name", [{"use": "official", "family": "M" * 101, "given": ["Gustavo"]}],
         "Bundle.entry[0].resource.name"),
    ],
)
def test_implausible_patients_are_refused_with_or_without_a_phone(
    client: TestClient, secrets: dict[str, str], db: Session, field: str, value: Any, where: str
) -> None:
    for patient_file in (SYNTHEA["gustavo"], SYNTHEA["liz"]):  # Liz has no callable phone
        bundle = json.loads(sample(patient_file))
        for entry in bundle["entry"]:
            if entry["resource"]["resourceType"] == "Patient":
                entry["resource"][field] = value

        answer = post_bundle(client, secrets, json.dumps(bundle))

        assert answer.status_code == 422, answer.text
        assert where in answer.json()["issue"][0]["expression"]
    assert db.scalar(select(func.count()).select_from(Patient)) == 0


def test_import_fhir_prints_a_line_per_patient_and_matches_the_second_time(db: Session) -> None:
    files = [str(SAMPLES / name) for name in SYNTHEA.values()]

    first = runner.invoke(app, ["import", "fhir", "--now", NOW, *files])
    second = runner.invoke(app, ["import", "fhir", "--now", NOW, *files])

    assert (first.exit_code, second.exit_code) == (0, 0), first.output + second.output
    ids = db.scalars(select(Patient.id).order_by(Patient.created_at, Patient.id)).all()
    assert len(ids) == 3
    for output, result in ((first.stdout, "created"), (second.stdout, "matched")):
        lines = [line for line in output.splitlines() if " Patient " in line]
        assert sorted(line.rsplit(" ", 2)[1] for line in lines) == sorted(ids)
        assert {line.rsplit(" ", 1)[1] for line in lines} == {result}
    summary = [line for line in second.stdout.splitlines() if ": 200 " in line]
    assert summary[0].startswith(SYNTHEA["alberto"].split("/")[1]
                                 + ": 200 1 patient: 0 created, 1 matched; 75 other resources")
