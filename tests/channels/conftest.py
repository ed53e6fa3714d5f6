"""Fixtures for channel tests: the web app on the test database, a scripted brain."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Engine
from tests.conversation.factories import NOW, ScriptedBrain, make_practice, scripted

from referraldesk import clock
from referraldesk.api.app import create_app
from referraldesk.db.session import session_factory
from referraldesk.settings import reset_settings_cache

TWILIO_TOKEN = "12345678901234567890123456789012"
PUBLIC_URL = "https://clinic.example.org"


@pytest.fixture
def practice(engine: Engine) -> None:
    clock.set_now(clock.parse_instant(NOW), frozen=True)
    with session_factory(engine)() as session:
        make_practice(session)
        session.commit()


@pytest.fixture
def brain() -> Iterator[ScriptedBrain]:
    with scripted(ScriptedBrain()) as fake:
        yield fake


@pytest.fixture
def client(engine: Engine, practice: None, brain: ScriptedBrain) -> Iterator[TestClient]:
    with TestClient(create_app(engine), raise_server_exceptions=False) as test_client:
        yield test_client


@pytest.fixture
def twilio_settings(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    monkeypatch.setenv("REFERRALDESK_TWILIO_AUTH_TOKEN", TWILIO_TOKEN)
    monkeypatch.setenv("REFERRALDESK_PUBLIC_URL", PUBLIC_URL)
    reset_settings_cache()
    yield
    monkeypatch.undo()
    reset_settings_cache()
