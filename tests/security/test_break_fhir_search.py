"""Breaking the FHIR scheduling server's searches and the calendar links with values a
careless client or a guesser sends: dates at the ends of the calendar, references
without their type, expiries no link carries."""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select
from sqlalchemy.orm import Session
from tests.security.conftest import World, bearer

from referraldesk.models import Provider


@pytest.fixture
def provider_id(db: Session, world: World) -> str:
    found = db.scalars(select(Provider.id).order_by(Provider.id)).first()
    assert found is not None
    db.rollback()  # no read transaction left open to hold SQLite's lock
    return found


def _slots(client: TestClient, world: World, query: str) -> tuple[int, list[dict]]:  # type: ignore[type-arg]
    response = client.get(f"/fhir/Slot?_count=500&{query}",
                          headers=bearer(world.tokens["integration"]))
    entries = response.json().get("entry", []) if response.status_code == 200 else []
    return response.status_code, [entry["resource"] for entry in entries]


def _of_provider(slot: dict, provider_id: str) -> bool:  # type: ignore[type-arg]
    return slot["schedule"]["reference"].startswith(f"Schedule/{provider_id}-")


@pytest.mark.parametrize("start", ["ge2026-13-01", "ge2026-03-10T25:00:00Z", "lt",
                                   "ge2026-03-10T09:00"])
def test_a_start_that_is_not_a_fhir_date_is_an_operation_outcome(
    client: TestClient, world: World, start: str
) -> None:
    response = client.get(f"/fhir/Slot?start={start}", headers=bearer(world.tokens["integration"]))

    assert response.status_code == 422
    assert response.json()["resourceType"] == "OperationOutcome"
    assert "is not a FHIR date" in response.json()["issue"][0]["diagnostics"]


@pytest.mark.parametrize("start", ["ge9999-12-31", "le9999-12-31T23:59:59-12:00",
                                   "ge0001-01-01T00:00:00%2B14:00", "lt1899-12-31",
                                   "gt2201-01-01T00:00:00Z"])
def test_a_start_at_the_end_of_the_calendar_is_an_operation_outcome(
    client: TestClient, world: World, start: str
) -> None:
    response = client.get(f"/fhir/Slot?start={start}", headers=bearer(world.tokens["integration"]))

    assert response.status_code == 422
    assert response.json()["resourceType"] == "OperationOutcome"
    assert "is outside the years 1900-2200 we search" in response.json()["issue"][0]["diagnostics"]


def test_a_start_at_the_ends_of_the_years_searched_is_taken(
    client: TestClient, world: World
) -> None:
    status, slots = _slots(client, world, "start=ge1900-01-01&start=le2200-12-31T23:59:59-12:00")

    assert (status, slots != []) == (200, True)


@pytest.mark.parametrize("count", ["0", "-1", "501", "99999999999999999999999", "ten",
                                   "٣", "³", "１０", "9" * 5000])
def test_a_count_outside_one_to_five_hundred_is_refused(
    client: TestClient, world: World, count: str
) -> None:
    status, _ = _slots(client, world, f"_count={count}")

    assert status == 422


def test_a_typed_actor_narrows_slots_to_that_provider(
    client: TestClient, world: World, provider_id: str
) -> None:
    status, slots = _slots(client, world, f"schedule.actor=Practitioner/{provider_id}")

    assert status == 200 and slots
    assert all(_of_provider(slot, provider_id) for slot in slots)


@pytest.mark.parametrize("actor", ["{id}", "Patient/{id}", "Organization/{id}",
                                   "Practitioner/{id},{id}", "Practitioner/",
                                   "https://elsewhere.example/fhir/Practitioner/{id}"])
def test_an_actor_without_its_type_or_of_another_type_is_refused_naming_the_parameter(
    client: TestClient, world: World, provider_id: str, actor: str
) -> None:
    response = client.get(f"/fhir/Slot?schedule.actor={actor.format(id=provider_id)}",
                          headers=bearer(world.tokens["integration"]))

    assert response.status_code == 422
    assert response.json()["resourceType"] == "OperationOutcome"
    assert response.json()["issue"][0]["diagnostics"].startswith("schedule.actor=")
    assert "must be a reference like Practitioner/<id> or Location/<id>" in (
        response.json()["issue"][0]["diagnostics"])


def test_a_schedule_actor_of_another_type_is_refused_too(
    client: TestClient, world: World, provider_id: str
) -> None:
    response = client.get(f"/fhir/Schedule?actor=Patient/{provider_id}",
                          headers=bearer(world.tokens["integration"]))

    assert response.status_code == 422
    assert response.json()["issue"][0]["diagnostics"].startswith("actor='Patient/")


def test_a_list_mixing_practitioners_and_locations_is_refused_with_the_way_to_ask(
    client: TestClient, world: World, provider_id: str
) -> None:
    status, _ = _slots(client, world, f"schedule.actor=Practitioner/{provider_id},Location/x")

    assert status == 422


def test_two_actors_separated_by_a_comma_find_both_providers_slots(
    client: TestClient, world: World, db: Session
) -> None:
    first, second = db.scalars(select(Provider.id).order_by(Provider.id)).all()[:2]
    db.rollback()

    status, slots = _slots(client, world,
                           f"schedule.actor=Practitioner/{first},Practitioner/{second}")

    assert status == 200
    assert {slot["schedule"]["reference"].split("-")[0] for slot in slots} == {
        f"Schedule/{first}", f"Schedule/{second}"}


@pytest.mark.parametrize("signed", ["x.١٢٣.abc", "x..", "...", "x.-1.abc", "x.1e9.abc",
                                    "x." + "9" * 4000 + ".abc"])
def test_a_forged_confirmation_link_is_a_plain_404(client: TestClient, signed: str) -> None:
    response = client.get(f"/calendar/appointments/{signed}.ics")

    assert response.status_code == 404
    assert response.json()["error"]["message"] == "no appointment at this link; it may have expired"


def test_a_confirmation_link_with_an_endless_expiry_is_a_plain_404(client: TestClient) -> None:
    response = client.get(f"/calendar/appointments/x.{'9' * 5000}.abc.ics")

    assert response.status_code == 404
