"""Breaking the SIU scheduling feed over HTTP (`POST /api/referrals/hl7`) with what a
misconfigured interface engine sends: repeats, unknown appointments, events we do not
take, and numbers at the ends of their range. Every answer is an ACK naming the field."""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Engine, func, select
from tests.siu import conftest as feed
from tests.siu.support import ack_code, ack_text, siu

from referraldesk.db.session import session_factory
from referraldesk.models import Appointment
from referraldesk.models.intake import FAILED, IntakeMessage

# The demo practice and an interface engine's token (tests/siu/conftest.py), found by name.
_demo_template = feed._demo_template
engine = feed.engine
client = feed.client
integration_secret = feed.integration_secret


def _send(client: TestClient, secret: str, message: str) -> str:
    response = client.post("/api/referrals/hl7", content=message.encode(),
                           headers={"Authorization": f"Bearer {secret}",
                                    "Content-Type": "text/plain"})
    assert response.status_code == 200
    return response.text


def _appointments(engine: Engine) -> int:
    with session_factory(engine)() as session:
        return int(session.scalar(select(func.count()).select_from(Appointment)) or 0)


def test_the_same_booking_sent_twice_books_once(
    client: TestClient, integration_secret: str, engine: Engine
) -> None:
    before = _appointments(engine)

    first = _send(client, integration_secret, siu("S12", "DUP-1"))
    again = _send(client, integration_secret, siu("S12", "DUP-1"))

    assert [ack_code(first), ack_code(again)] == ["AA", "AA"]
    assert ack_text(again).endswith("unchanged")
    assert _appointments(engine) == before + 1


@pytest.mark.parametrize("trigger", ["S14", "S15", "S26"])
def test_an_event_for_an_appointment_never_booked_names_sch_2_and_is_kept(
    client: TestClient, integration_secret: str, engine: Engine, trigger: str
) -> None:
    reply = _send(client, integration_secret, siu(trigger, "NEVER-BOOKED"))

    assert ack_code(reply) == "AE"
    assert ack_text(reply).startswith("SCH-2: no appointment with filler id 'NEVER-BOOKED'")
    with session_factory(engine)() as session:
        assert session.scalar(select(IntakeMessage.status)) == FAILED


@pytest.mark.parametrize(("values", "field"), [
    ({"minutes": -5}, "AIS-7"),
    ({"start": "abc"}, "TQ1-7"),
    ({"start": "20260309"}, "TQ1-7"),
    ({"npi": "0000000000"}, "AIP-3"),
])
def test_a_value_out_of_shape_is_an_error_ack_naming_its_field(
    client: TestClient, integration_secret: str, engine: Engine, values: dict, field: str  # type: ignore[type-arg]
) -> None:
    before = _appointments(engine)

    reply = _send(client, integration_secret, siu("S12", "ODD-1", **values))

    assert ack_code(reply) == "AE"
    assert ack_text(reply).startswith(f"{field}:")
    assert _appointments(engine) == before


def test_an_event_we_do_not_take_is_rejected(client: TestClient, integration_secret: str) -> None:
    reply = _send(client, integration_secret, siu("S99", "ODD-2"))

    assert ack_code(reply) == "AR"
    assert ack_text(reply).startswith("MSH-9:")


@pytest.mark.parametrize(("values", "field", "why"), [
    ({"start": "999912312300"}, "TQ1-7", "'999912312300' is outside the years 1900-2200"),
    ({"start": "189912312300"}, "TQ1-7", "'189912312300' is outside the years 1900-2200"),
    ({"start": "202603090900+2400"}, "TQ1-7", "'202603090900+2400' has the offset +2400, beyond"),
    ({"start": "202603090900-1460"}, "TQ1-7", "'202603090900-1460' has the offset -1460, beyond"),
    ({"minutes": 2**64}, "AIS-7", "the duration '18446744073709551616' min is longer than a day"),
    ({"minutes": "9" * 5000}, "AIS-7", "the duration '99999"),
    ({"minutes": 1441}, "AIS-7", "the duration '1441' min is longer than a day (1440 minutes)"),
])
def test_a_number_at_the_end_of_its_range_is_an_error_ack_naming_its_field(
    client: TestClient, integration_secret: str, engine: Engine, values: dict, field: str,  # type: ignore[type-arg]
    why: str
) -> None:
    before = _appointments(engine)

    reply = _send(client, integration_secret, siu("S12", "EDGE-1", **values))

    assert ack_code(reply) == "AE"
    assert ack_text(reply).startswith(f"{field}: {why}")
    assert _appointments(engine) == before


def test_a_whole_day_is_the_longest_visit_booked(
    client: TestClient, integration_secret: str, engine: Engine
) -> None:
    before = _appointments(engine)

    reply = _send(client, integration_secret, siu("S12", "EDGE-2", minutes=1440))

    assert ack_code(reply) == "AA"
    assert _appointments(engine) == before + 1
