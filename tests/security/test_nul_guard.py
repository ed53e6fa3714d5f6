"""The NUL guard (api/nul_guard.py) and the DataError backstop, on SQLite: the doors
refuse a NUL the same way whatever the database, each in its own shape, and a value
the database refuses is a 422 whose log line carries no value."""

from __future__ import annotations

import json
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Engine
from sqlalchemy.exc import DataError
from starlette.websockets import WebSocketDisconnect
from tests.security.conftest import World, bearer, count_rows

from referraldesk.api.app import create_app
from referraldesk.api.nul_guard import nul_in_json
from referraldesk.models import Referral
from referraldesk.voice import urls

REFERRAL = {
    "specialty": "physical_therapy", "reason": "knee pain after a fall", "urgency": "routine",
    "referring_provider": "Dr. Priya Natarajan", "referring_practice": "Valley Family Medicine",
}


def test_a_nul_in_a_query_value_is_refused_naming_the_parameter(
    client: TestClient, world: World
) -> None:
    response = client.get("/api/referrals?status=acc%00epted",
                          headers=bearer(world.tokens["admin"]))

    assert response.status_code == 422
    assert response.json()["error"]["field"] == "status"
    assert response.json()["error"]["message"].startswith("status: holds a NUL character")


def test_a_nul_in_a_json_field_is_refused_naming_where_and_nothing_is_stored(
    client: TestClient, world: World, engine: Engine
) -> None:
    body = {**REFERRAL, "patient_id": world.maria.id, "reason": "knee\x00 pain"}

    response = client.post("/api/referrals", json=body,
                           headers=bearer(world.tokens["integration"]))

    assert response.status_code == 422
    assert response.json()["error"]["field"] == "reason"
    assert count_rows(engine, Referral) == 0


@pytest.mark.parametrize(("document", "where"), [
    ({"a": [{"b": "x"}, {"c": "y\x00"}]}, "a[1].c"),
    ({"a": {"k\x00": 1}}, "a.k\\u0000"),
    (["\x00"], "[0]"),
    ("\x00", "body"),
])
def test_the_refusal_names_the_first_place_holding_a_nul(document: Any, where: str) -> None:
    found = nul_in_json(json.dumps(document).encode())

    assert found is not None and found[1] == where


@pytest.mark.parametrize("body", [
    b'{"note": "C:\\\\u0000"}',  # an escaped backslash, then the letters u0000
    b'{"note": "\\u0000',  # malformed: the route refuses it in its own words
    b"[" * 100_000 + b"\"\\u0000\"" + b"]" * 100_000,  # deeper than the parser goes
])
def test_a_body_with_no_nul_or_no_sense_is_left_to_the_route(body: bytes) -> None:
    assert nul_in_json(body) is None


def test_a_nul_in_a_fhir_body_is_refused_as_an_operation_outcome(
    client: TestClient, world: World
) -> None:
    resource = {"resourceType": "ServiceRequest", "note": [{"text": "by fax\x00"}]}

    response = client.post("/fhir/ServiceRequest", json=resource, headers={
        **bearer(world.tokens["integration"]), "content-type": "application/fhir+json"})

    assert response.status_code == 422
    [issue] = response.json()["issue"]
    assert issue["diagnostics"].startswith("note[0].text holds a NUL character")


def test_a_relay_socket_whose_address_holds_a_nul_is_closed_before_it_opens(
    client: TestClient
) -> None:
    # The refusal comes at the handshake: the socket never opens to receive anything.
    with (pytest.raises(WebSocketDisconnect) as closed,
          client.websocket_connect(f"{urls.RELAY}?call=CA%00&token=x") as socket):
        socket.receive_text()

    assert closed.value.code == 1008


@pytest.mark.parametrize(("path", "shape"), [("/api/probe", "error"),
                                             ("/fhir/probe", "resourceType")])
def test_a_value_the_database_refuses_is_a_422_and_no_value_is_logged(
    engine: Engine, world: World, capsys: pytest.CaptureFixture[str], path: str, shape: str
) -> None:
    def refused() -> None:
        raise DataError("UPDATE patients SET surnames = %(surnames)s",
                        {"surnames": "Quillfeather\x00"}, ValueError("NUL"))

    app = create_app(engine)
    app.add_api_route(path, refused)
    with TestClient(app) as client:
        response = client.get(path)

    assert response.status_code == 422
    assert shape in response.json() and "cannot be stored" in response.text
    logged = capsys.readouterr()
    assert "database_refused_value" in logged.out + logged.err
    assert "Quillfeather" not in logged.out + logged.err + response.text
