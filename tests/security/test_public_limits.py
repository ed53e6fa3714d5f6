"""The public chat routes are limited per client address, with the frozen clock."""

from __future__ import annotations

from datetime import timedelta

import pytest
from fastapi.testclient import TestClient
from tests.security.conftest import World

from referraldesk import clock
from referraldesk.api.routes import conversations


def test_messages_are_limited_per_address_across_chats(
    client: TestClient, world: World, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(conversations, "MESSAGES_PER_10_MINUTES", 3)
    chats = [client.post("/api/conversations", json={"channel": "chat"}).json()["id"]
             for _ in range(2)]

    sent = [client.post(f"/api/conversations/{chats[i % 2]}/messages", json={"text": "hours?"})
            for i in range(4)]
    clock.set_now(clock.now() + timedelta(minutes=10), frozen=True)
    later = client.post(f"/api/conversations/{chats[0]}/messages", json={"text": "hours?"})

    assert [r.status_code for r in sent] == [200, 200, 200, 429]
    assert sent[3].json()["error"]["code"] == "rate_limited"
    assert "try again in" in sent[3].json()["error"]["message"]
    assert later.status_code == 200


def test_chat_starts_are_limited_per_address(client: TestClient, world: World) -> None:
    limit = conversations.start_limit().limit

    codes = [client.post("/api/conversations", json={"channel": "chat"}).status_code
             for _ in range(limit + 1)]

    assert codes == [201] * limit + [429]
