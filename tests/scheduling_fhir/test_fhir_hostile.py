"""The FHIR scheduling writes under a break-in trial: malformed bodies and ids get a 4xx
OperationOutcome, and a booking reference cannot reach the SIU feed's appointments."""

from __future__ import annotations

from typing import Any

import pytest
from fastapi.testclient import TestClient
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import select
from tests.scheduling_fhir.conftest import Ehr
from tests.scheduling_fhir.test_fhir_server import _appointment, _booked_count, _free_slot
from tests.siu.support import PM, siu

from referraldesk.db.session import session_scope
from referraldesk.intake.hl7.service import receive_hl7
from referraldesk.models import Appointment
from referraldesk.scheduling.fhir.resources import BOOKING_REF_SYSTEM

SIU_REF = "siu:PMS:ADV-2"
# Monday 2026-04-20 09:00 in Visalia: ahead of the frozen clock (2026-04-14).
NEXT_MONDAY = "202604200900"


def _book(client: TestClient, slot: dict[str, Any], ref: str = "ref-1") -> dict[str, Any]:
    answer = client.post("/fhir/Appointment/$book", json=_appointment(slot, ref))
    assert answer.status_code == 201, answer.text
    return dict(answer.json())


def _issue(answer: Any) -> dict[str, Any]:
    body = answer.json()
    assert body["resourceType"] == "OperationOutcome"
    return dict(body["issue"][0])


def _siu_booking(ehr: Ehr) -> str:
    with session_scope(ehr.engine) as session:
        receive_hl7(session, PM, siu("S12", "ADV-2", start=NEXT_MONDAY), channel="hl7_http")
    with session_scope(ehr.engine) as session:
        found = session.scalars(select(Appointment).where(Appointment.external_id == SIU_REF))
        return found.one().id


def test_a_slot_id_with_an_impossible_time_is_a_422_not_a_crash(
    ehr_client: TestClient, ehr: Ehr
) -> None:
    slot = _free_slot(ehr_client)
    schedule = slot["schedule"]["reference"].removeprefix("Schedule/")
    impossible = {"id": f"{schedule}-99999999T9999", "start": slot["start"], "end": slot["end"]}
    before = _booked_count(ehr)

    read = ehr_client.get(f"/fhir/Slot/{impossible['id']}")
    booked = ehr_client.post("/fhir/Appointment/$book", json=_appointment(impossible))

    assert [read.status_code, booked.status_code] == [422, 422]
    assert "names no real time" in _issue(read)["diagnostics"]
    assert "names no real time" in _issue(booked)["diagnostics"]
    assert _booked_count(ehr) == before


@pytest.mark.parametrize("parameter", ["x", ["x"], [1], {"name": "appointment"}])
def test_book_names_a_parameter_list_that_is_not_a_list_of_objects(
    ehr_client: TestClient, parameter: Any
) -> None:
    answer = ehr_client.post(
        "/fhir/Appointment/$book", json={"resourceType": "Parameters", "parameter": parameter}
    )

    assert answer.status_code == 422
    assert "Parameters.parameter" in _issue(answer)["diagnostics"]


@pytest.mark.parametrize(
    "parameter",
    [[1], "x", [{"name": "start", "valueDateTime": ["2026-04-15"]}], [{"valueCode": "x"}]],
)
def test_find_names_a_malformed_parameter(ehr_client: TestClient, parameter: Any) -> None:
    answer = ehr_client.post(
        "/fhir/Appointment/$find", json={"resourceType": "Parameters", "parameter": parameter}
    )

    assert answer.status_code == 422
    assert "parameter" in _issue(answer)["diagnostics"]


def test_a_cancelation_reason_must_be_a_codeable_concept(
    ehr_client: TestClient, ehr: Ehr
) -> None:
    booked = _book(ehr_client, _free_slot(ehr_client))
    path = f"/fhir/Appointment/{booked['id']}"

    refused = ehr_client.put(path, json={"status": "cancelled", "cancelationReason": "x"})
    still = ehr_client.get(path).json()
    cancelled = ehr_client.put(
        path, json={"status": "cancelled", "cancelationReason": {"text": "patient request"}}
    )

    assert refused.status_code == 422
    assert "cancelationReason" in _issue(refused)["diagnostics"]
    assert still["status"] == "booked"
    assert cancelled.status_code == 200
    assert cancelled.json()["status"] == "cancelled"
    assert cancelled.json()["cancelationReason"] == {"text": "patient request"}


def test_a_booking_reference_cannot_replay_or_find_the_feeds_appointment(
    ehr_client: TestClient, ehr: Ehr
) -> None:
    fed = _siu_booking(ehr)
    slot = _free_slot(ehr_client)

    booked = ehr_client.post("/fhir/Appointment/$book", json=_appointment(slot, SIU_REF))
    bare = ehr_client.get("/fhir/Appointment", params={"identifier": SIU_REF}).json()
    other_system = ehr_client.get("/fhir/Appointment", params={"identifier": f"urn:x|{SIU_REF}"})
    fed_view = ehr_client.get(f"/fhir/Appointment/{fed}").json()

    assert booked.status_code == 201 and booked.json()["id"] != fed
    assert booked.json()["start"] == slot["start"]
    assert booked.json()["identifier"] == [{"system": BOOKING_REF_SYSTEM, "value": SIU_REF}]
    assert [entry["resource"]["id"] for entry in bare["entry"]] == [booked.json()["id"]]
    assert other_system.json()["total"] == 0
    assert "identifier" not in fed_view


def test_a_conditional_create_does_not_match_the_feeds_appointment(
    ehr_client: TestClient, ehr: Ehr
) -> None:
    fed = _siu_booking(ehr)
    slot = _free_slot(ehr_client)

    created = ehr_client.post(
        "/fhir/Appointment",
        json=_appointment(slot, SIU_REF),
        headers={"If-None-Exist": f"identifier={BOOKING_REF_SYSTEM}|{SIU_REF}"},
    )

    assert created.status_code == 201 and created.json()["id"] != fed


def test_fhir_cannot_cancel_an_appointment_the_feed_owns(
    ehr_client: TestClient, ehr: Ehr
) -> None:
    fed = _siu_booking(ehr)

    put = ehr_client.put(f"/fhir/Appointment/{fed}", json={"status": "cancelled"})
    cancel = [{"op": "replace", "path": "/status", "value": "cancelled"}]
    patch = ehr_client.patch(f"/fhir/Appointment/{fed}", json=cancel)

    assert [put.status_code, patch.status_code] == [409, 409]
    assert "schedule feed" in _issue(put)["diagnostics"]
    assert ehr_client.get(f"/fhir/Appointment/{fed}").json()["status"] == "booked"


def test_an_over_long_booking_reference_is_refused_not_cut_short(ehr_client: TestClient) -> None:
    answer = ehr_client.post(
        "/fhir/Appointment/$book", json=_appointment(_free_slot(ehr_client), "r" * 120)
    )

    assert answer.status_code == 422
    assert "Appointment.identifier.value" in _issue(answer)["diagnostics"]


# Arbitrary JSON, and JSON shaped like what the routes read with arbitrary values inside.
_scalar = st.one_of(
    st.none(), st.booleans(), st.integers(),
    st.floats(allow_nan=False, allow_infinity=False), st.text(max_size=20),
)
_json = st.recursive(
    _scalar,
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=8), inner,
                                                                 max_size=3),
    max_leaves=8,
)
_APPOINTMENT_KEYS = ["resourceType", "status", "slot", "participant", "identifier", "contained",
                     "cancelationReason", "start", "end", "comment"]
_appointment_like = st.fixed_dictionaries(
    {"resourceType": st.just("Appointment")},
    optional={key: _json for key in _APPOINTMENT_KEYS[1:]},
)
_parameters_like = st.fixed_dictionaries(
    {"resourceType": st.just("Parameters")},
    optional={
        "parameter": st.one_of(
            _json,
            st.lists(st.fixed_dictionaries({}, optional={
                "name": st.sampled_from(["appointment", "start", "end", "_count", "specialty"])
                | _json,
                "resource": _appointment_like | _json,
                "valueString": _json,
                "valueReference": _json,
            }), max_size=3),
        )
    },
)
_patch_like = st.lists(
    st.fixed_dictionaries({}, optional={"op": st.just("replace") | _json,
                                        "path": st.just("/status") | _json, "value": _json}),
    max_size=3,
)
hostile_body = st.one_of(_json, _appointment_like, _parameters_like, _patch_like)
FUZZ = settings(
    max_examples=30,
    deadline=None,
    database=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)


@pytest.mark.parametrize(
    ("method", "path"),
    [
        ("POST", "/fhir/Appointment/$book"),
        ("POST", "/fhir/Appointment"),
        ("POST", "/fhir/Appointment/$find"),
        ("PUT", "/fhir/Appointment/{id}"),
        ("PATCH", "/fhir/Appointment/{id}"),
    ],
)
def test_no_json_body_makes_a_write_route_fail_on_our_side(
    ehr: Ehr, ehr_client: TestClient, method: str, path: str
) -> None:
    booked = _book(ehr_client, _free_slot(ehr_client))
    client = TestClient(
        ehr_client.app, headers=dict(ehr_client.headers), raise_server_exceptions=False
    )

    @FUZZ
    @given(body=hostile_body)
    def throw(body: Any) -> None:
        answer = client.request(method, path.format(id=booked["id"]), json=body)
        assert answer.status_code < 500, (body, answer.text)

    throw()


@pytest.mark.parametrize("literal", ["NaN", "Infinity", "-Infinity", "1e999"])
@pytest.mark.parametrize(
    ("method", "path"),
    [("POST", "/fhir/Appointment/$book"), ("POST", "/fhir/Appointment"),
     ("PUT", "/fhir/Appointment/{id}"), ("PATCH", "/fhir/Appointment/{id}")],
)
def test_json_numbers_outside_the_standard_are_refused_not_crashed_on(
    ehr: Ehr, ehr_client: TestClient, method: str, path: str, literal: str
) -> None:
    # Python's JSON reader accepts NaN and Infinity, which JSON itself does not.
    booked = _book(ehr_client, _free_slot(ehr_client))
    client = TestClient(
        ehr_client.app, headers=dict(ehr_client.headers), raise_server_exceptions=False
    )
    body = f'{{"resourceType": "Appointment", "minutesDuration": {literal}, "start": {literal}}}'

    answer = client.request(method, path.format(id=booked["id"]), content=body,
                            headers={"Content-Type": "application/fhir+json"})

    assert 400 <= answer.status_code < 500, answer.text
