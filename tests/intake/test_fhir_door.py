"""FHIR R4 intake: the Bundle sample is taken in, the invalid one gets every issue."""

from __future__ import annotations

import json
from datetime import date
from typing import Any

import pytest
from fastapi.testclient import TestClient
from fhir.resources.R4B.bundle import Bundle
from fhir.resources.R4B.operationoutcome import OperationOutcome
from fhir.resources.R4B.servicerequest import ServiceRequest
from sqlalchemy import func, select
from sqlalchemy.orm import Session
from tests.intake.support import bearer, sample

from referraldesk.models import IntakeMessage, Patient, Referral, ReferringPractice


def post(client: TestClient, secrets: dict[str, str], body: str | dict[str, Any],
         route: str = "/fhir/ServiceRequest") -> Any:
    text = body if isinstance(body, str) else json.dumps(body)
    return client.post(route, content=text.encode(), headers={
        **bearer(secrets["integration"]), "Content-Type": "application/fhir+json"})


def test_the_pediatric_bundle_is_created(client: TestClient, secrets: dict[str, str],
                                         db: Session) -> None:
    response = post(client, secrets, sample("fhir_bundle_peds_referral.json"))

    assert response.status_code == 201
    created = ServiceRequest.model_validate(response.json())
    assert response.headers["location"] == f"/fhir/ServiceRequest/{created.id}"
    referral = db.get(Referral, created.id)
    assert referral is not None
    assert (referral.specialty_key, referral.status, referral.source) == (
        "pediatrics", "accepted", "fhir")
    assert (referral.requested_from, referral.target_date) == (date(2026, 5, 4), date(2026, 5, 25))
    assert (referral.placer_id, referral.icd10) == ("TCH-REF-7781", ["J45.40"])
    assert referral.referring_provider == "Dr. Luis Fernández"
    mateo = referral.patient
    assert (mateo.given_names, mateo.surnames, mateo.preferred_language) == (
        "Mateo", ["Ramírez", "Cruz"], "es")
    assert mateo.coverages[0].plan.name == "Anthem Blue Cross Medi-Cal"
    assert mateo.coverages[0].member_id == "93300172C"
    assert mateo.identity_confirmed is False


def test_a_bundle_posted_to_the_base_is_taken_too(client: TestClient,
                                                  secrets: dict[str, str]) -> None:
    response = post(client, secrets, sample("fhir_bundle_peds_referral.json"), route="/fhir")

    assert response.status_code == 201
    assert response.json()["resourceType"] == "ServiceRequest"


def test_the_invalid_request_gets_each_problem_and_nothing_is_stored(
    client: TestClient, secrets: dict[str, str], db: Session
) -> None:
    response = post(client, secrets, sample("fhir_servicerequest_invalid.json"))

    assert response.status_code == 422
    outcome = OperationOutcome.model_validate(response.json())
    assert [issue.expression for issue in outcome.issue] == [
        ["ServiceRequest.authoredOn"], ["ServiceRequest.priority"],
        ["ServiceRequest.subject.reference"]]
    assert "'03/04/2026'" in outcome.issue[0].diagnostics
    assert "'whenever'" in outcome.issue[1].diagnostics
    assert db.scalar(select(func.count()).select_from(Referral)) == 0
    assert db.scalar(select(func.count()).select_from(Patient)) == 0
    # The body waits, whole, for a person (or for the sender's corrected resend).
    kept = db.scalars(select(IntakeMessage)).one()
    assert (kept.status, kept.body) == ("failed", sample("fhir_servicerequest_invalid.json"))


def test_a_body_that_is_not_json_gets_a_400_outcome(client: TestClient,
                                                   secrets: dict[str, str]) -> None:
    response = post(client, secrets, "{not json")

    assert response.status_code == 400
    assert response.json()["issue"][0]["code"] == "not-supported"


def test_the_same_referral_twice_is_recognised(client: TestClient, secrets: dict[str, str],
                                               db: Session) -> None:
    first = post(client, secrets, sample("fhir_bundle_peds_referral.json"))

    again = post(client, secrets, sample("fhir_bundle_peds_referral.json"))

    assert again.status_code == 200
    issue = again.json()["issue"][0]
    assert (issue["severity"], issue["code"]) == ("information", "duplicate")
    assert first.json()["id"] in issue["diagnostics"]
    assert db.scalar(select(func.count()).select_from(Referral)) == 1


def test_a_contained_service_request_is_taken(client: TestClient, secrets: dict[str, str],
                                              db: Session) -> None:
    bundle = json.loads(sample("fhir_bundle_peds_referral.json"))
    patient, practitioner, coverage, request = (e["resource"] for e in bundle["entry"])
    patient["id"], practitioner["id"], coverage["id"] = "pat", "doc", "cov"
    coverage["beneficiary"] = {"reference": "#pat"}
    request.update(contained=[patient, practitioner, coverage], subject={"reference": "#pat"},
                   requester={"reference": "#doc"}, insurance=[{"reference": "#cov"}])

    response = post(client, secrets, request)

    assert response.status_code == 201
    referral = db.get(Referral, response.json()["id"])
    assert referral is not None and referral.specialty_key == "pediatrics"


def test_the_task_shows_the_sender_the_referral_status(
    client: TestClient, secrets: dict[str, str]
) -> None:
    created = post(client, secrets, sample("fhir_bundle_peds_referral.json")).json()

    response = client.get("/fhir/Task", params={"focus": f"ServiceRequest/{created['id']}"},
                          headers=bearer(secrets["integration"]))

    assert response.status_code == 200
    bundle = Bundle.model_validate(response.json())
    task = bundle.entry[0].resource.model_dump(mode="json", exclude_none=True)
    assert (task["status"], task["businessStatus"]["coding"][0]["code"]) == ("accepted",
                                                                              "accepted")
    assert task["focus"]["reference"] == f"ServiceRequest/{created['id']}"


def test_a_task_search_for_an_unknown_referral_is_empty(
    client: TestClient, secrets: dict[str, str]
) -> None:
    response = client.get("/fhir/Task", params={"focus": "ServiceRequest/nope"},
                          headers=bearer(secrets["integration"]))

    assert response.json()["total"] == 0


def test_a_revoked_service_request_cancels_the_referral(
    client: TestClient, secrets: dict[str, str], db: Session
) -> None:
    created = post(client, secrets, sample("fhir_bundle_peds_referral.json")).json()
    bundle = json.loads(sample("fhir_bundle_peds_referral.json"))
    bundle["entry"][3]["resource"]["status"] = "revoked"

    response = post(client, secrets, bundle)

    assert response.status_code == 200
    db.expire_all()
    referral = db.get(Referral, created["id"])
    assert referral is not None and referral.status == "cancelled"


KAWEAH = {"resourceType": "Organization", "id": "kaweah", "name": "Kaweah Kids Clinic",
          "identifier": [{"system": "http://hl7.org/fhir/sid/us-npi", "value": "1234567893"}]}
ANTHEM = {"resourceType": "Organization", "id": "anthem", "name": "Anthem Blue Cross"}


def with_organizations(*organizations: dict[str, Any],
                       requester: dict[str, Any] | None = None) -> dict[str, Any]:
    """The pediatric Bundle with these Organizations added, and its requester replaced."""
    bundle = json.loads(sample("fhir_bundle_peds_referral.json"))
    bundle["entry"] += [{"fullUrl": f"urn:uuid:6f1e2c7a-0009-4c1b-9a11-0a000000001{number}",
                         "resource": organization}
                        for number, organization in enumerate(organizations)]
    if requester is not None:
        bundle["entry"].append({"fullUrl": "urn:uuid:6f1e2c7a-0009-4c1b-9a11-0a0000000020",
                                "resource": requester})
        bundle["entry"][3]["resource"]["requester"] = {
            "reference": "urn:uuid:6f1e2c7a-0009-4c1b-9a11-0a0000000020"}
    return bundle


def test_two_organizations_the_requester_does_not_name_are_refused_not_guessed(
    client: TestClient, secrets: dict[str, str], db: Session
) -> None:
    bundle = with_organizations(ANTHEM, KAWEAH)

    response = post(client, secrets, bundle)

    assert response.status_code == 422
    issue = OperationOutcome.model_validate(response.json()).issue[0]
    assert issue.expression == ["Bundle.entry[3].resource.requester"]
    assert issue.diagnostics.startswith(
        "Bundle.entry[3].resource.requester: the request holds 2 Organizations ('Anthem Blue "
        "Cross', 'Kaweah Kids Clinic') and the requester names none of them")
    assert db.scalar(select(func.count()).select_from(Referral)) == 0
    assert db.scalars(select(ReferringPractice.name)).all() == []
    kept = db.scalars(select(IntakeMessage)).one()
    assert (kept.status, kept.body) == ("failed", json.dumps(bundle))


VALLEY_SPECIALISTS = {"resourceType": "Organization", "id": "valley", "name": "Valley Specialists"}


def test_the_payer_and_the_performer_are_not_taken_for_the_sender(
    client: TestClient, secrets: dict[str, str], db: Session
) -> None:
    bundle = with_organizations(ANTHEM, KAWEAH, VALLEY_SPECIALISTS)
    bundle["entry"][2]["resource"]["payor"] = [{"reference": "Organization/anthem"}]
    bundle["entry"][3]["resource"]["performer"] = [{"reference": "Organization/valley"}]

    response = post(client, secrets, bundle)

    assert response.status_code == 201, response.text
    assert db.scalars(select(ReferringPractice.name)).all() == ["Kaweah Kids Clinic"]


@pytest.mark.parametrize(
    ("organizations", "requester", "practice"),
    [
        # The requester is the Organization itself.
        ([ANTHEM, KAWEAH], {"resourceType": "Organization", "name": "Tulare Pediatrics"},
         "Tulare Pediatrics"),
        # The requester is a PractitionerRole: its organization, not the payer beside it.
        ([ANTHEM, KAWEAH], {"resourceType": "PractitionerRole",
                            "practitioner": {"reference": "urn:uuid:6f1e2c7a-0002-4c1b-9a11-"
                                                          "0a0000000002"},
                            "organization": {"reference": "Organization/kaweah"}},
         "Kaweah Kids Clinic"),
        # One practice written twice: the same name in other capitals...
        ([KAWEAH, {**KAWEAH, "id": "k2", "name": "KAWEAH KIDS CLINIC", "identifier": []}], None,
         "Kaweah Kids Clinic"),
        # ... or another name with the same identifier.
        ([KAWEAH, {**KAWEAH, "id": "k2", "name": "Kaweah Kids"}], None, "Kaweah Kids Clinic"),
        ([KAWEAH], None, "Kaweah Kids Clinic"),
    ],
)
def test_an_organization_the_request_makes_plain_is_the_referring_practice(
    client: TestClient, secrets: dict[str, str], db: Session,
    organizations: list[dict[str, Any]], requester: dict[str, Any] | None, practice: str
) -> None:
    response = post(client, secrets, with_organizations(*organizations, requester=requester))

    assert response.status_code == 201, response.text
    assert db.scalars(select(ReferringPractice.name)).all() == [practice]
