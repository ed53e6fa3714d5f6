from datetime import date

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Engine
from sqlalchemy.orm import Session
from tests.analytics.conftest import MakeConversation

from referraldesk.analytics.metrics import MetricsFilter, conversation_metrics
from referraldesk.analytics.service import analyze_and_store
from referraldesk.api.app import create_app
from referraldesk.auth.tokens import create_token

MARCH_4 = MetricsFilter(date(2026, 3, 4), date(2026, 3, 4), "America/Los_Angeles")


@pytest.fixture
def four_conversations(session: Session, make_conversation: MakeConversation) -> None:
    # 17:15Z is 09:15 in Visalia (PST); 03:30Z on the 5th is 19:30 local on the 4th.
    made = [
        make_conversation(["mi doctora me mandó con un especialista de la piel"], outcome="booked",
                          language="es", started_at="2026-03-04T17:15:00+00:00",
                          tools=[("schedule_appointment", None)]),
        make_conversation(["what time are you open on saturday?"], outcome="answered",
                          started_at="2026-03-04T17:40:00+00:00"),
        make_conversation(["I want a real person"], outcome="transferred", channel="voice",
                          outcome_reason="caller asked for a person",
                          started_at="2026-03-05T03:30:00+00:00", tools=[("transfer_to_staff", None)]),
        make_conversation(["hello"], outcome="abandoned", started_at="2026-03-05T09:00:00+00:00"),
    ]
    for conversation in made:
        analyze_and_store(session, conversation.id)
    session.commit()


@pytest.mark.usefixtures("four_conversations")
def test_it_counts_a_local_day_in_the_practice_zone(session: Session) -> None:
    metrics = conversation_metrics(session, MARCH_4)

    assert metrics["total"] == 3
    assert metrics["by_hour"]["9"] == 2
    assert metrics["by_hour"]["19"] == 1
    assert metrics["by_channel"] == {"chat": 2, "voice": 1}
    assert metrics["by_language"] == {"en": 2, "es": 1}
    assert metrics["booking_rate"] == pytest.approx(1 / 3, abs=1e-3)
    assert metrics["intents"] == {"book_referral_visit": 1, "hours_location": 1, "other": 1}
    assert metrics["escalations"] == {"total": 1, "by_reason": {"transferred to staff": 1}}
    assert [d["date"] for d in metrics["by_day"]] == ["2026-03-04"]
    assert metrics["by_day"][0]["conversations"] == 3


def _token(engine: Engine, role: str) -> str:
    with Session(engine) as session:
        _, secret = create_token(session, name=f"{role} test", role=role)
        session.commit()
    return secret


@pytest.mark.usefixtures("four_conversations")
def test_the_route_answers_a_coordinator_and_refuses_others(engine: Engine) -> None:
    client = TestClient(create_app(engine))
    coordinator = _token(engine, "coordinator")
    integration = _token(engine, "integration")

    ok = client.get("/api/metrics/conversations?from=2026-03-04&to=2026-03-04",
                    headers={"Authorization": f"Bearer {coordinator}"})
    refused = client.get("/api/metrics/conversations",
                         headers={"Authorization": f"Bearer {integration}"})
    anonymous = client.get("/api/metrics/conversations")

    assert ok.status_code == 200
    assert ok.json()["total"] == 3
    assert refused.status_code == 403
    assert refused.json()["error"]["code"] == "forbidden"
    assert anonymous.status_code == 401


def test_the_route_explains_a_reversed_range(engine: Engine) -> None:
    client = TestClient(create_app(engine))
    token = _token(engine, "coordinator")

    response = client.get("/api/metrics/conversations?from=2026-03-05&to=2026-03-01",
                          headers={"Authorization": f"Bearer {token}"})

    assert response.status_code == 422
    assert response.json()["error"] == {
        "code": "invalid_argument", "message": "from 2026-03-05 is after to 2026-03-01; swap them",
        "field": "from"}
