"""Who may use the intake routes: integration tokens (and admin), nobody else."""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient
from tests.intake.support import bearer

ROUTES = [
    ("POST", "/api/referrals/hl7"),
    ("POST", "/fhir/ServiceRequest"),
    ("POST", "/fhir"),
    ("GET", "/fhir/Task?focus=ServiceRequest/x"),
    ("GET", "/fhir/ServiceRequest/x"),
]


@pytest.mark.parametrize(("method", "route"), ROUTES)
def test_it_refuses_a_caller_without_a_token(client: TestClient, method: str,
                                             route: str) -> None:
    response = client.request(method, route, content=b"x")

    assert response.status_code == 401
    assert response.json()["error"]["code"] == "unauthenticated"


@pytest.mark.parametrize(("method", "route"), ROUTES)
@pytest.mark.parametrize("role", ["staff", "coordinator", "auditor"])
def test_it_refuses_a_token_of_another_role(client: TestClient, secrets: dict[str, str],
                                            method: str, route: str, role: str) -> None:
    response = client.request(method, route, content=b"x", headers=bearer(secrets[role]))

    assert response.status_code == 403
    assert response.json()["error"]["code"] == "forbidden"


def test_it_admits_an_admin_token(client: TestClient, secrets: dict[str, str]) -> None:
    response = client.get("/fhir/ServiceRequest/x", headers=bearer(secrets["admin"]))

    assert response.status_code == 404
    assert response.json()["resourceType"] == "OperationOutcome"
