"""Provider feeds and booking confirmations, parsed back with the icalendar library."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from fastapi.testclient import TestClient
from icalendar import Calendar
from sqlalchemy import select
from sqlalchemy.orm import Session
from tests.outreach.support import register
from tests.siu.support import PM

from referraldesk import clock
from referraldesk.calendar_feeds.confirmation import confirmation_url
from referraldesk.calendar_feeds.tokens import feed_url
from referraldesk.models import Appointment, Practice, Provider
from referraldesk.scheduling.booking import BookingRequest, book

VISALIA = ZoneInfo("America/Los_Angeles")
# Monday after the change to daylight time (2026-03-08): 09:00 PDT is 16:00 UTC.
MONDAY_NINE = datetime(2026, 3, 9, 9, 0, tzinfo=VISALIA)


def villanueva(session: Session) -> Provider:
    return session.scalars(select(Provider).where(Provider.npi == "1904000118")).one()


def booked(session: Session) -> Appointment:
    patient = register(session)
    appointment = book(session, PM, BookingRequest(
        patient_id=patient.id, provider_id=villanueva(session).id, start=MONDAY_NINE))
    session.commit()
    return appointment


def path_of(url: str) -> str:
    return url.split("://", 1)[1].split("/", 1)[1].join(["/", ""])


def events(body: bytes) -> list:  # type: ignore[type-arg]
    return list(Calendar.from_ical(body).walk("VEVENT"))


def test_the_provider_feed_shows_bookings_without_phi_in_local_time(
    session: Session, client: TestClient,
) -> None:
    appointment = booked(session)
    url = feed_url(session, PM, villanueva(session).id)
    session.commit()

    response = client.get(path_of(url))

    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/calendar")
    calendar = Calendar.from_ical(response.content)
    [event] = events(response.content)
    assert str(event["summary"]).startswith("Booked")
    assert "María" not in response.text and "López" not in response.text
    assert event["dtstart"].params["TZID"] == "America/Los_Angeles"
    assert event.decoded("dtstart") == MONDAY_NINE
    assert event.decoded("dtstart").astimezone(UTC) == datetime(2026, 3, 9, 16, 0, tzinfo=UTC)
    assert str(event["uid"]) == f"{appointment.id}@referraldesk"
    [zone] = calendar.walk("VTIMEZONE")
    assert str(zone["tzid"]) == "America/Los_Angeles"
    assert {c.name for c in zone.subcomponents} >= {"DAYLIGHT", "STANDARD"}


def test_initials_appear_only_when_the_practice_allows_them(
    session: Session, client: TestClient,
) -> None:
    booked(session)
    practice = session.scalars(select(Practice)).one()
    practice.policy = {**practice.policy, "calendar_feeds": {"event_title": "initials"}}
    url = feed_url(session, PM, villanueva(session).id)
    session.commit()

    [event] = events(client.get(path_of(url)).content)

    assert str(event["summary"]) == "MLG"


def test_open_slots_are_listed_when_asked_for(session: Session, client: TestClient) -> None:
    practice = session.scalars(select(Practice)).one()
    practice.policy = {**practice.policy, "calendar_feeds": {"show_open_slots": True}}
    url = feed_url(session, PM, villanueva(session).id)
    session.commit()

    found = events(client.get(path_of(url)).content)

    assert found
    assert {str(event["summary"]) for event in found} == {"Open"}
    assert all(str(event["transp"]) == "TRANSPARENT" for event in found)


def test_a_wrong_token_is_not_found(client: TestClient) -> None:
    response = client.get("/calendar/0123456789abcdef0123456789abcdef01234567.ics")

    assert response.status_code == 404
    assert response.json()["error"]["code"] == "not_found"


def test_the_same_url_comes_back_until_it_is_rotated(
    session: Session, client: TestClient,
) -> None:
    provider_id = villanueva(session).id
    first = feed_url(session, PM, provider_id)
    again = feed_url(session, PM, provider_id)
    rotated = feed_url(session, PM, provider_id, rotate=True)
    session.commit()

    assert first == again
    assert rotated != first
    assert client.get(path_of(first)).status_code == 404
    assert client.get(path_of(rotated)).status_code == 200


def test_the_confirmation_names_place_provider_and_time_but_no_reason(
    session: Session, client: TestClient,
) -> None:
    appointment = booked(session)

    response = client.get(path_of(confirmation_url(appointment)))

    assert response.status_code == 200
    [event] = events(response.content)
    assert "Sequoia Valley Occupational Health" in str(event["summary"])
    assert "Villanueva" in str(event["summary"])
    assert "1420 S Mooney Blvd" in str(event["location"])
    assert event["dtstart"].params["TZID"] == "America/Los_Angeles"
    assert event.decoded("dtend") - event.decoded("dtstart") == timedelta(minutes=30)
    assert "rash" not in response.text.lower()
    assert Calendar.from_ical(response.content).walk("VTIMEZONE")


@pytest.mark.parametrize("change", ["tamper", "expire"])
def test_an_altered_or_expired_confirmation_link_is_not_found(
    session: Session, client: TestClient, change: str,
) -> None:
    appointment = booked(session)
    path = path_of(confirmation_url(appointment))
    if change == "tamper":
        path = path.replace(appointment.id, appointment.id[::-1])
    else:
        clock.set_now(appointment.end_at + timedelta(days=8), frozen=True)

    response = client.get(path)

    assert response.status_code == 404
