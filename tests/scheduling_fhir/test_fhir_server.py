"""The FHIR scheduling routes, read and written through the app like any EHR client would."""

from __future__ import annotations

from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import func, select
from tests.scheduling_fhir.conftest import Ehr

from referraldesk.auth.tokens import create_token
from referraldesk.db.session import session_scope
from referraldesk.models import Appointment, Provider
from referraldesk.scheduling.fhir.resources import BOOKING_REF_SYSTEM, NPI_SYSTEM


def _entries(body: dict[str, Any]) -> list[dict[str, Any]]:
    return [entry["resource"] for entry in body.get("entry", [])]


def _free_slot(client: TestClient, specialty: str = "dermatology") -> dict[str, Any]:
    found = client.get(
        "/fhir/Slot", params={"specialty": specialty, "start": "ge2026-04-15", "_count": "1"}
    )
    return _entries(found.json())[0]


def _appointment(slot: dict[str, Any], booking_ref: str = "ref-1") -> dict[str, Any]:
    return {
        "resourceType": "Appointment",
        "status": "booked",
        "identifier": [{"system": BOOKING_REF_SYSTEM, "value": booking_ref}],
        "slot": [{"reference": f"Slot/{slot['id']}"}],
        "start": slot["start"],
        "end": slot["end"],
        "contained": [
            {
                "resourceType": "Patient",
                "id": "patient",
                "name": [{"family": "Ortega", "given": ["Daniel"]}],
                "birthDate": "1979-11-22",
                "telecom": [{"system": "phone", "value": "+15595550117"}],
            },
            {
                "resourceType": "Coverage",
                "id": "coverage",
                "status": "active",
                "beneficiary": {"reference": "#patient"},
                "payor": [{"display": "Health Net Medi-Cal"}],
            },
        ],
        "participant": [{"actor": {"reference": "#patient"}, "status": "accepted"}],
    }


def _booked_count(ehr: Ehr) -> int:
    with session_scope(ehr.engine) as session:
        return (
            session.scalar(
                select(func.count()).select_from(Appointment).where(Appointment.status == "booked")
            )
            or 0
        )


def test_it_refuses_a_caller_without_an_integration_token(ehr_client: TestClient, ehr: Ehr) -> None:
    with session_scope(ehr.engine) as session:
        _, staff = create_token(session, name="front", role="staff")

    anonymous = ehr_client.get("/fhir/Slot", headers={"Authorization": ""})
    wrong_role = ehr_client.get("/fhir/Slot", headers={"Authorization": f"Bearer {staff}"})

    assert anonymous.status_code == 401
    assert wrong_role.status_code == 403


def test_it_names_each_schedule_by_practitioner_npi_and_site(
    ehr_client: TestClient, ehr: Ehr
) -> None:
    schedules = _entries(ehr_client.get("/fhir/Schedule").json())

    with session_scope(ehr.engine) as session:
        npis = set(session.scalars(select(Provider.npi).where(Provider.active.is_(True))))
    named = {s["actor"][0]["identifier"]["value"] for s in schedules}
    assert named == npis
    assert all(s["actor"][0]["identifier"]["system"] == NPI_SYSTEM for s in schedules)
    assert all(s["actor"][1]["reference"].startswith("Location/") for s in schedules)
    assert all(len(s["id"]) <= 64 for s in schedules)


def test_it_lists_free_slots_of_a_schedule_inside_the_range_earliest_first(
    ehr_client: TestClient,
) -> None:
    slot = _free_slot(ehr_client)
    schedule = slot["schedule"]["reference"]

    found = ehr_client.get(
        "/fhir/Slot",
        params={"schedule": schedule, "start": ["ge2026-04-15", "lt2026-04-17"], "_count": "50"},
    )

    slots = _entries(found.json())
    starts = [s["start"] for s in slots]
    assert slots and starts == sorted(starts)
    assert all(s["status"] == "free" and s["schedule"]["reference"] == schedule for s in slots)
    # Local days in Visalia (UTC-7): 2026-04-15 00:00 to 2026-04-16 23:59.
    assert starts[0] >= "2026-04-15T07:00:00Z" and starts[-1] < "2026-04-17T07:00:00Z"


def test_a_search_cut_at_count_gives_no_total_and_a_whole_one_gives_the_true_total(
    ehr_client: TestClient,
) -> None:
    schedule = _free_slot(ehr_client)["schedule"]["reference"]
    one_day = {"schedule": schedule, "start": ["ge2026-04-15", "lt2026-04-16"]}

    whole = ehr_client.get("/fhir/Slot", params={**one_day, "_count": "500"}).json()
    cut = ehr_client.get("/fhir/Slot", params={**one_day, "_count": "2"}).json()

    # Bundle.total counts every match, not the page: a page cut short cannot know it.
    assert whole["total"] == len(whole["entry"]) > 2
    assert "link" not in whole
    assert "total" not in cut
    assert [e["resource"]["id"] for e in cut["entry"]] == [
        e["resource"]["id"] for e in whole["entry"][:2]
    ]


def test_following_next_links_pages_through_every_slot_once(ehr_client: TestClient) -> None:
    schedule = _free_slot(ehr_client)["schedule"]["reference"]
    one_day = {"schedule": schedule, "start": ["ge2026-04-15", "lt2026-04-16"]}
    whole = ehr_client.get("/fhir/Slot", params={**one_day, "_count": "500"}).json()

    pages = [ehr_client.get("/fhir/Slot", params={**one_day, "_count": "3"}).json()]
    while "link" in pages[-1]:
        [link] = pages[-1]["link"]
        assert link["relation"] == "next"
        assert link["url"].startswith("http://127.0.0.1:8000/fhir/Slot?")
        pages.append(ehr_client.get(link["url"].removeprefix("http://127.0.0.1:8000")).json())

    paged = [e["resource"]["id"] for page in pages for e in page.get("entry", [])]
    assert paged == [e["resource"]["id"] for e in whole["entry"]]
    assert len(pages) == len(paged) // 3 + 1


def _ids(client: TestClient, params: dict[str, Any]) -> list[str]:
    found = client.get("/fhir/Slot", params=params)
    assert found.status_code == 200, found.text
    return [e["resource"]["id"] for e in found.json()["entry"]]


def test_pages_past_the_first_500_slots_are_served_and_meet_the_ones_before(
    ehr_client: TestClient,
) -> None:
    """The slot search takes 500 at a time; deeper pages were a 422 about its limit."""
    first_500 = _ids(ehr_client, {"_count": "500"})
    around = _ids(ehr_client, {"_count": "10", "_getpagesoffset": "495"})
    deep = _ids(ehr_client, {"_count": "5", "_getpagesoffset": "500"})
    deeper = _ids(ehr_client, {"_count": "100", "_getpagesoffset": "1000"})

    assert around[:5] == first_500[495:]
    assert deep == around[5:]
    assert len(deeper) == 100 and not set(deeper) & set(first_500)


def test_a_provider_at_two_sites_has_slots_at_each_site_searched(
    ehr_client: TestClient,
) -> None:
    """The page was filled from the provider's slots at both sites, then cut to one."""
    schedules = _entries(ehr_client.get("/fhir/Schedule").json())
    practitioners = [s["actor"][0]["reference"] for s in schedules]
    two_sites = next(p for p in practitioners if practitioners.count(p) > 1)
    sites = [s["actor"][1]["reference"] for s in schedules
             if s["actor"][0]["reference"] == two_sites]

    for site in sites:
        page = ehr_client.get(
            "/fhir/Slot", params={"actor": [two_sites, site], "_count": "20"}
        ).json()

        [schedule] = [f"Schedule/{s['id']}" for s in schedules
                      if [a["reference"] for a in s["actor"]] == [two_sites, site]]
        assert len(page["entry"]) == 20
        assert {e["resource"]["schedule"]["reference"] for e in page["entry"]} == {schedule}


def test_the_last_page_counts_the_pages_before_it_in_its_total(ehr_client: TestClient) -> None:
    schedule = _free_slot(ehr_client)["schedule"]["reference"]
    one_day = {"schedule": schedule, "start": ["ge2026-04-15", "lt2026-04-16"]}
    whole = ehr_client.get("/fhir/Slot", params={**one_day, "_count": "500"}).json()
    last_offset = str(whole["total"] - 1)

    last = ehr_client.get(
        "/fhir/Slot", params={**one_day, "_count": "3", "_getpagesoffset": last_offset}
    ).json()
    past = ehr_client.get(
        "/fhir/Slot", params={**one_day, "_count": "3", "_getpagesoffset": "400"}
    ).json()

    assert len(last["entry"]) == 1 and last["total"] == whole["total"]
    # Past the end the page is empty, and how many came before it is not known.
    assert past["entry"] == [] and "total" not in past


@pytest.mark.parametrize("offset", ["-1", "x", "5001", "1e3"])
def test_a_page_offset_out_of_range_is_refused_by_name(
    ehr_client: TestClient, offset: str
) -> None:
    refused = ehr_client.get("/fhir/Slot", params={"_getpagesoffset": offset})

    assert refused.status_code == 422
    assert refused.json()["resourceType"] == "OperationOutcome"
    assert "_getpagesoffset" in refused.json()["issue"][0]["diagnostics"]


def test_it_books_a_slot_once_and_answers_a_retry_with_the_same_appointment(
    ehr_client: TestClient, ehr: Ehr
) -> None:
    slot = _free_slot(ehr_client)
    before = _booked_count(ehr)
    parameters = {
        "resourceType": "Parameters",
        "parameter": [{"name": "appointment", "resource": _appointment(slot)}],
    }

    first = ehr_client.post("/fhir/Appointment/$book", json=parameters)
    retry = ehr_client.post("/fhir/Appointment/$book", json=parameters)

    assert first.status_code == 201
    assert first.json()["status"] == "booked" and first.json()["start"] == slot["start"]
    assert retry.status_code == 200 and retry.json()["id"] == first.json()["id"]
    assert _booked_count(ehr) == before + 1
    busy = ehr_client.get(
        "/fhir/Slot",
        params={
            "schedule": slot["schedule"]["reference"],
            "status": "busy",
            "start": [f"ge{slot['start']}", f"le{slot['start']}"],
        },
    )
    assert [s["id"] for s in _entries(busy.json())] == [slot["id"]]


def test_it_answers_409_conflict_when_the_slot_was_taken_first(
    ehr_client: TestClient, ehr: Ehr
) -> None:
    slot = _free_slot(ehr_client)
    ehr_client.post("/fhir/Appointment/$book", json=_appointment(slot, "front-desk"))
    before = _booked_count(ehr)

    second = ehr_client.post("/fhir/Appointment", json=_appointment(slot, "agent"))

    assert second.status_code == 409
    issue = second.json()["issue"][0]
    assert issue["code"] == "conflict"
    assert issue["details"]["coding"][0]["code"] == "slot_taken"
    assert _booked_count(ehr) == before


def test_a_conditional_create_returns_the_match_instead_of_booking_again(
    ehr_client: TestClient, ehr: Ehr
) -> None:
    slot = _free_slot(ehr_client)
    created = ehr_client.post("/fhir/Appointment", json=_appointment(slot, "ref-9"))
    before = _booked_count(ehr)

    again = ehr_client.post(
        "/fhir/Appointment",
        json=_appointment(slot, "ref-9"),
        headers={"If-None-Exist": f"identifier={BOOKING_REF_SYSTEM}|ref-9"},
    )

    assert created.status_code == 201
    assert again.status_code == 200 and again.json()["id"] == created.json()["id"]
    assert _booked_count(ehr) == before


def test_it_refuses_bad_bookings_with_an_operation_outcome_and_stores_nothing(
    ehr_client: TestClient, ehr: Ehr
) -> None:
    slot = _free_slot(ehr_client)
    no_slot = {**_appointment(slot), "slot": []}
    bad_time = {**_appointment(slot), "start": "tomorrow"}
    no_phone = _appointment(slot)
    no_phone["contained"][0].pop("telecom")
    before = _booked_count(ehr)

    answers = [
        ehr_client.post("/fhir/Appointment/$book", json=no_slot),
        ehr_client.post("/fhir/Appointment/$book", json=bad_time),
        ehr_client.post("/fhir/Appointment/$book", json=no_phone),
        ehr_client.post("/fhir/Appointment/$book", content=b"{not json"),
    ]

    assert [a.status_code for a in answers] == [422, 422, 422, 422]
    texts = [a.json()["issue"][0]["diagnostics"] for a in answers]
    assert "Appointment.slot" in texts[0]
    assert "Appointment.start" in texts[1]
    assert "Patient.telecom" in texts[2]
    assert "not JSON" in texts[3]
    assert _booked_count(ehr) == before
    with session_scope(ehr.engine) as session:
        assert (
            session.scalar(
                select(func.count())
                .select_from(Appointment)
                .where(Appointment.external_id.is_not(None))
            )
            == 0
        )


def test_it_cancels_by_put_and_by_patch_and_frees_the_slot(ehr_client: TestClient) -> None:
    slot = _free_slot(ehr_client)
    booked = ehr_client.post("/fhir/Appointment/$book", json=_appointment(slot)).json()
    path = f"/fhir/Appointment/{booked['id']}"

    put = ehr_client.put(path, json={**booked, "status": "cancelled"})
    patch = ehr_client.patch(
        path, json=[{"op": "replace", "path": "/status", "value": "cancelled"}]
    )
    moved = ehr_client.put(path, json={**booked, "status": "arrived"})

    assert put.status_code == 200 and put.json()["status"] == "cancelled"
    assert patch.status_code == 200 and patch.json()["status"] == "cancelled"
    assert moved.status_code == 422
    assert ehr_client.get(f"/fhir/Slot/{slot['id']}").json()["status"] == "free"


def test_find_proposes_open_times_with_their_slot_and_practitioner(ehr_client: TestClient) -> None:
    parameters = {
        "resourceType": "Parameters",
        "parameter": [
            {"name": "start", "valueDateTime": "2026-04-15T00:00:00-07:00"},
            {"name": "end", "valueDateTime": "2026-04-15T23:59:00-07:00"},
            {"name": "specialty", "valueCode": "orthopedics"},
            {"name": "_count", "valueInteger": 5},
        ],
    }

    found = _entries(ehr_client.post("/fhir/Appointment/$find", json=parameters).json())

    assert len(found) == 5
    assert all(
        a["status"] == "proposed" and a["slot"][0]["reference"].startswith("Slot/") for a in found
    )
    assert all(a["specialty"][0]["coding"][1]["code"] == "orthopedics" for a in found)
    assert all("2026-04-15T07:00:00Z" <= a["start"] < "2026-04-16T07:00:00Z" for a in found)


def test_it_names_the_bad_search_parameter(ehr_client: TestClient) -> None:
    bad_date = ehr_client.get("/fhir/Slot", params={"start": "ge15/04/2026"})
    bad_count = ehr_client.get("/fhir/Slot", params={"_count": "9999"})

    assert bad_date.status_code == 422
    assert "start=" in bad_date.json()["issue"][0]["diagnostics"]
    assert bad_count.status_code == 422
    assert "_count" in bad_count.json()["issue"][0]["diagnostics"]


def test_the_intake_routes_under_fhir_still_answer(ehr_client: TestClient) -> None:
    tasks = ehr_client.get("/fhir/Task", params={"focus": "ServiceRequest/none"})
    metadata = ehr_client.get("/fhir/metadata")

    assert tasks.status_code == 200 and tasks.json()["total"] == 0
    operations = metadata.json()["rest"][0]["resource"][-1]["operation"]
    assert {op["name"] for op in operations} == {"find", "book"}


def test_busy_pages_of_a_provider_at_two_sites_hold_only_the_site_searched_and_all_of_it(
    ehr_client: TestClient, ehr: Ehr
) -> None:
    schedules = _entries(ehr_client.get("/fhir/Schedule").json())
    practitioners = [s["actor"][0]["reference"] for s in schedules]
    two_sites = next(p for p in practitioners if practitioners.count(p) > 1)
    provider_id = two_sites.removeprefix("Practitioner/")

    for schedule in [s for s in schedules if s["actor"][0]["reference"] == two_sites]:
        site = schedule["actor"][1]["reference"]
        search = {"actor": [two_sites, site], "status": "busy", "_count": "3"}
        pages = [ehr_client.get("/fhir/Slot", params=search).json()]
        while "link" in pages[-1]:
            url = pages[-1]["link"][0]["url"].removeprefix("http://127.0.0.1:8000")
            pages.append(ehr_client.get(url).json())
        entries = [e["resource"] for page in pages for e in page.get("entry", [])]
        with session_scope(ehr.engine) as session:
            booked_there = session.scalar(
                select(func.count()).select_from(Appointment).where(
                    Appointment.provider_id == provider_id,
                    Appointment.location_id == site.removeprefix("Location/"),
                    Appointment.status == "booked",
                )
            )

        assert booked_there and len(entries) == booked_there
        assert all(len(page.get("entry", [])) == 3 for page in pages[:-1])
        assert {e["schedule"]["reference"] for e in entries} == {f"Schedule/{schedule['id']}"}
