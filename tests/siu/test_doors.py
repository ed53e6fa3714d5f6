"""SIU on the referral doors: HTTP with its ACK, and MLLP over a real socket."""

from __future__ import annotations

from fastapi.testclient import TestClient
from sqlalchemy import Engine, select
from sqlalchemy.orm import Session
from tests.intake.test_mllp import RunningServer, exchange
from tests.siu.support import ack_code, siu

from referraldesk.models import Appointment, IntakeMessage


def test_http_takes_an_s12_with_an_integration_token(
    client: TestClient, integration_secret: str, session: Session,
) -> None:
    response = client.post("/api/referrals/hl7", content=siu("S12").encode(),
                           headers={"Authorization": f"Bearer {integration_secret}",
                                    "content-type": "text/plain"})

    assert response.status_code == 200
    assert ack_code(response.text) == "AA"
    assert "ACK^S12" in response.text
    assert session.scalars(select(Appointment.status)).all() == ["booked"]


def test_http_refuses_a_message_without_a_token(client: TestClient) -> None:
    response = client.post("/api/referrals/hl7", content=siu("S12").encode())

    assert response.status_code == 401


def test_mllp_books_then_cancels_in_order(engine: Engine, session: Session) -> None:
    with RunningServer() as server:
        acks = exchange(server.port, siu("S12"), siu("S15", status="Cancelled"))

    assert [ack.code for ack in acks] == ["AA", "AA"]
    assert [ack.control_id for ack in acks] == ["S12-PM-1001", "S15-PM-1001"]
    assert session.scalars(select(Appointment.status)).all() == ["cancelled"]
    channels = session.scalars(select(IntakeMessage.channel)).all()
    assert channels == ["hl7_mllp", "hl7_mllp"]
