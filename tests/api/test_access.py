"""Every route of this slice against every role, no token, a bad, a revoked and an expired one."""

from __future__ import annotations

from typing import Any

import pytest
from fastapi.testclient import TestClient
from tests.api.conftest import World, bearer

from referraldesk.models import ROLES

INTEGRATION = {"integration", "admin"}
COORDINATOR = {"coordinator", "admin"}
FRONT_DESK = {"staff", "coordinator", "integration", "admin"}
# Counts and rates without patient data: the auditor reads them too.
AGGREGATES = {"staff", "coordinator", "auditor", "admin"}
ROUTES: list[tuple[str, str, set[str]]] = [
    ("GET", "/api/tools", {"staff", "coordinator", "integration", "auditor", "admin"}),
    ("POST", "/api/tools/get_services", {"staff", "coordinator", "integration", "admin"}),
    ("POST", "/api/patients", FRONT_DESK),
    ("GET", "/api/patients/{patient}/appointments", FRONT_DESK),
    ("POST", "/api/appointments", FRONT_DESK),
    ("GET", "/api/providers", FRONT_DESK),
    ("GET", "/api/providers/{provider}", FRONT_DESK),
    ("POST", "/api/referrals", INTEGRATION),
    ("GET", "/api/referrals", COORDINATOR),
    ("GET", "/api/referrals/unknown", COORDINATOR),
    ("GET", "/api/metrics/conversations", AGGREGATES),
    ("GET", "/api/metrics/referrals", AGGREGATES),
]


def _request(
    client: TestClient, world: World, method: str, path: str, headers: dict[str, str]
) -> Any:
    url = path.format(patient=world.maria.id, provider=world.practice.therapist.id)
    if method == "GET":
        return client.get(url, headers=headers)
    return client.post(url, json={}, headers=headers)


@pytest.mark.parametrize(
    ("method", "path", "allowed"), ROUTES, ids=[f"{m} {p}" for m, p, _ in ROUTES]
)
def test_each_role_reaches_only_its_routes(
    client: TestClient, world: World, method: str, path: str, allowed: set[str]
) -> None:
    statuses = {
        role: _request(client, world, method, path, bearer(world.tokens[role])).status_code
        for role in ROLES
    }

    refused = {role for role, status in statuses.items() if status == 403}
    assert refused == set(ROLES) - allowed
    assert all(statuses[role] not in (401, 403, 500) for role in allowed)


@pytest.mark.parametrize(
    ("method", "path", "allowed"), ROUTES, ids=[f"{m} {p}" for m, p, _ in ROUTES]
)
def test_no_bad_revoked_or_expired_token_gets_in(
    client: TestClient, world: World, method: str, path: str, allowed: set[str]
) -> None:
    credentials = {
        "none": {},
        "bad": bearer("rd_not-a-real-token"),
        "revoked": bearer(world.tokens["revoked"]),
        "expired": bearer(world.tokens["expired"]),
    }

    responses = {
        name: _request(client, world, method, path, headers)
        for name, headers in credentials.items()
    }

    assert {name: r.status_code for name, r in responses.items()} == dict.fromkeys(credentials, 401)
    assert {r.json()["error"]["code"] for r in responses.values()} == {"unauthenticated"}
