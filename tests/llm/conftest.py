"""A scripted chat-completions server per test, and a client pointed at it."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from referraldesk.llm import ChatClient
from referraldesk.testing.fake_llm import FakeLLMServer


@pytest.fixture
def fake_llm() -> Iterator[FakeLLMServer]:
    with FakeLLMServer() as server:
        yield server


@pytest.fixture
def waits() -> list[float]:
    """The back-off waits a client asked for, instead of sleeping through them."""
    return []


@pytest.fixture
def client(fake_llm: FakeLLMServer, waits: list[float]) -> Iterator[ChatClient]:
    with ChatClient(
        fake_llm.base_url,
        model="fake-model",
        api_key="sk-test",
        timeout_seconds=2.0,
        max_retries=2,
        backoff_seconds=0.1,
        sleep=waits.append,
    ) as chat_client:
        yield chat_client
