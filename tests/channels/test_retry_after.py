"""Every 429 tells the client when to come back: a Retry-After header in seconds."""

from __future__ import annotations

from fastapi.testclient import TestClient

from referraldesk import clock
from referraldesk.errors import DEFAULT_RETRY_AFTER_SECONDS, RateLimited, retry_after_headers


def test_a_refused_start_says_how_many_seconds_are_left_in_the_window(
    client: TestClient,
) -> None:
    for _ in range(20):
        assert client.post("/api/conversations", json={"channel": "chat"}).status_code == 201
    left = 600 - int(clock.now().timestamp()) % 600

    response = client.post("/api/conversations", json={"channel": "chat"})

    assert response.status_code == 429
    assert response.headers["Retry-After"] == str(left)
    assert f"try again in {left} seconds" in response.json()["error"]["message"]


def test_answers_other_than_429_carry_no_retry_after(client: TestClient) -> None:
    response = client.post("/api/conversations", json={"channel": "fax"})

    assert response.status_code == 422
    assert "Retry-After" not in response.headers


def test_the_header_names_the_limits_wait_or_a_default_and_never_zero() -> None:
    assert retry_after_headers(429, RateLimited("slow down", retry_after_seconds=42)) == {
        "Retry-After": "42"
    }
    assert retry_after_headers(429, RateLimited("slow down", retry_after_seconds=0)) == {
        "Retry-After": "1"
    }
    assert retry_after_headers(429) == {"Retry-After": str(DEFAULT_RETRY_AFTER_SECONDS)}
    assert retry_after_headers(409, RateLimited("not a 429 answer")) == {}
