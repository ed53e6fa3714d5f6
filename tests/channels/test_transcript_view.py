"""GET /api/conversations/{id}: who may read a transcript, what it shows, and the audit."""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Engine, select
from tests.conversation.factories import ScriptedBrain, reply_with, say

from referraldesk.auth.tokens import create_token
from referraldesk.db.session import session_factory
from referraldesk.models import AuditEvent, ConversationAnalysis


def token(engine: Engine, role: str) -> dict[str, str]:
    with session_factory(engine)() as session:
        _, secret = create_token(session, name=f"{role} tester", role=role)
        session.commit()
    return {"Authorization": f"Bearer {secret}"}


def chat(client: TestClient, brain: ScriptedBrain) -> str:
    brain.steps = [reply_with(say("We open at 8.", awaiting="anything_else", outcome="answered"))]
    conversation_id = client.post("/api/conversations", json={"channel": "chat"}).json()["id"]
    client.post(
        f"/api/conversations/{conversation_id}/messages", json={"text": "when do you open?"}
    )
    return conversation_id


@pytest.mark.parametrize(
    ("role", "status"),
    [
        ("staff", 200),
        ("coordinator", 200),
        ("auditor", 403),
        ("admin", 200),
        ("integration", 403),
    ],
)
def test_the_role_matrix(
    client: TestClient, engine: Engine, brain: ScriptedBrain, role: str, status: int
) -> None:
    conversation_id = chat(client, brain)

    response = client.get(f"/api/conversations/{conversation_id}", headers=token(engine, role))

    assert response.status_code == status


def test_without_a_token_it_is_401(client: TestClient, brain: ScriptedBrain) -> None:
    conversation_id = chat(client, brain)

    response = client.get(f"/api/conversations/{conversation_id}")

    assert response.status_code == 401


def test_it_shows_the_transcript_and_audits_the_read(
    client: TestClient, engine: Engine, brain: ScriptedBrain
) -> None:
    conversation_id = chat(client, brain)

    body = client.get(
        f"/api/conversations/{conversation_id}", headers=token(engine, "staff")
    ).json()

    assert (body["id"], body["channel"], body["language"]) == (conversation_id, "chat", "en")
    assert (body["outcome"], body["patient_id"], body["analytics"]) == ("answered", None, None)
    assert [(t["speaker"], t["text"]) for t in body["turns"]] == [
        ("agent", "Hi, how can I help?"),
        ("caller", "when do you open?"),
        ("agent", "We open at 8."),
    ]
    assert body["tool_calls"] == []
    with session_factory(engine)() as session:
        event = session.scalars(select(AuditEvent).where(AuditEvent.action == "read")).one()
        assert (event.resource_type, event.conversation_id) == ("conversation", conversation_id)
        assert event.actor == "staff:staff tester"


def test_it_shows_the_current_analysis(
    client: TestClient, engine: Engine, brain: ScriptedBrain
) -> None:
    conversation_id = chat(client, brain)
    with session_factory(engine)() as session:
        session.query(ConversationAnalysis).delete()
        session.add(
            ConversationAnalysis(
                conversation_id=conversation_id,
                is_current=True,
                sentiment=0.4,
                lead_score=70,
                intent="hours",
                topics=["hours"],
                satisfaction=4,
                escalation_flag=False,
                summary="Asked for opening hours.",
                analyzer="embedded",
                analyzer_version="1",
            )
        )
        session.commit()

    body = client.get(
        f"/api/conversations/{conversation_id}", headers=token(engine, "coordinator")
    ).json()

    assert body["analytics"]["intent"] == "hours"
    assert body["analytics"]["escalation"] == {"flag": False, "reason": None}
    assert body["analytics"]["analyzer"] == "embedded"


def test_an_unknown_id_is_404(client: TestClient, engine: Engine) -> None:
    response = client.get("/api/conversations/nope", headers=token(engine, "staff"))

    assert response.status_code == 404
