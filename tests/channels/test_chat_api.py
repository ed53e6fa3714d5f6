"""The public web chat API: shapes, errors and the start rate limit."""

from __future__ import annotations

from fastapi.testclient import TestClient
from tests.conversation.factories import SLOT_OPTIONS, ScriptedBrain, reply_with, say

from referraldesk.conversation.turn import Action


def start(client: TestClient, **body: object) -> dict:
    response = client.post("/api/conversations", json={"channel": "chat", **body})
    assert response.status_code == 201, response.text
    return response.json()


def test_starting_returns_the_id_and_the_greeting_turn(client: TestClient) -> None:
    started = start(client, language="es")

    assert len(started["id"]) == 32
    assert started["turn"] == {
        "reply": "Hi, how can I help?",
        "language": "en",
        "awaiting": "none",
        "options": [],
        "actions": [],
    }


def test_a_message_returns_the_agents_turn_as_api_md_shows_it(
    client: TestClient, brain: ScriptedBrain
) -> None:
    brain.steps = [
        reply_with(
            say(
                "Which one?",
                awaiting="slot_choice",
                options=SLOT_OPTIONS,
                actions=[
                    Action(type="transfer", reason="staff_requested", extra={"task_id": "t1"})
                ],
                outcome="booked",
            )
        )
    ]
    conversation_id = start(client)["id"]

    response = client.post(f"/api/conversations/{conversation_id}/messages", json={"text": "hi"})

    assert response.status_code == 200
    turn = response.json()["turn"]
    assert set(turn) == {"reply", "language", "awaiting", "options", "actions"}
    assert turn["options"][0] == {
        "id": "slot-1",
        "kind": "slot",
        "label": "Friday March 6 at 6:30 AM",
        "start": "2026-03-06T06:30:00-08:00",
        "specialty": "dermatology",
    }
    assert turn["actions"] == [{"type": "transfer", "reason": "staff_requested", "task_id": "t1"}]


def test_an_unknown_conversation_is_a_404_in_json(client: TestClient) -> None:
    response = client.post("/api/conversations/nope/messages", json={"text": "hi"})

    assert response.status_code == 404
    assert response.json()["error"]["code"] == "not_found"
    assert "'nope'" in response.json()["error"]["message"]


def test_a_message_too_long_is_a_422_saying_the_limit(client: TestClient) -> None:
    conversation_id = start(client)["id"]

    response = client.post(
        f"/api/conversations/{conversation_id}/messages", json={"text": "x" * 2500}
    )

    assert response.status_code == 422
    error = response.json()["error"]
    assert error["field"] == "text"
    assert "2500 characters; the limit is 2000" in error["message"]


def test_bad_json_is_a_422(client: TestClient) -> None:
    conversation_id = start(client)["id"]

    response = client.post(
        f"/api/conversations/{conversation_id}/messages",
        content=b"{text:",
        headers={"content-type": "application/json"},
    )

    assert response.status_code == 422
    assert response.json()["error"]["code"] == "invalid_argument"


def test_a_missing_text_field_is_a_422_naming_it(client: TestClient) -> None:
    conversation_id = start(client)["id"]

    response = client.post(f"/api/conversations/{conversation_id}/messages", json={"words": "hi"})

    assert response.status_code == 422
    assert "text" in response.json()["error"]["message"]


def test_only_web_chats_start_here(client: TestClient) -> None:
    response = client.post("/api/conversations", json={"channel": "voice"})

    assert response.status_code == 422
    assert "Twilio webhooks" in response.json()["error"]["message"]


def test_a_bad_caller_phone_is_a_422(client: TestClient) -> None:
    response = client.post("/api/conversations", json={"channel": "chat", "caller_phone": "123"})

    assert response.status_code == 422
    assert response.json()["error"]["code"] == "invalid_argument"


def test_after_the_end_messages_are_refused_with_409(client: TestClient) -> None:
    conversation_id = start(client)["id"]

    ended = client.post(f"/api/conversations/{conversation_id}/end")
    again = client.post(f"/api/conversations/{conversation_id}/end")
    refused = client.post(f"/api/conversations/{conversation_id}/messages", json={"text": "hi"})

    assert ended.json() == {"id": conversation_id, "status": "ended"}
    assert again.status_code == 200
    assert refused.status_code == 409
    assert "has ended" in refused.json()["error"]["message"]


def test_starting_is_rate_limited_per_client_address(client: TestClient) -> None:
    for _ in range(20):
        start(client)

    response = client.post("/api/conversations", json={"channel": "chat"})

    assert response.status_code == 429
    assert response.json()["error"]["code"] == "rate_limited"
    assert "20 per 10 minutes" in response.json()["error"]["message"]
