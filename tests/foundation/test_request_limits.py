from fastapi.testclient import TestClient
from sqlalchemy import Engine

from referraldesk.api.app import create_app


def test_it_refuses_a_body_over_the_limit_before_reading_it(engine: Engine) -> None:
    client = TestClient(create_app(engine))

    response = client.post("/api/conversations", content=b"x" * 1_000_001,
                           headers={"content-type": "application/json"})

    assert response.status_code == 413
    assert response.json()["error"]["code"] == "invalid_argument"
    assert "larger than 1000000 bytes" in response.json()["error"]["message"]


def test_it_refuses_a_streamed_body_without_a_declared_length(engine: Engine) -> None:
    client = TestClient(create_app(engine))

    def chunks():  # type: ignore[no-untyped-def]
        for _ in range(20):
            yield b"y" * 100_000

    response = client.post("/api/conversations", content=chunks(),
                           headers={"content-type": "application/json"})

    assert response.status_code == 413
