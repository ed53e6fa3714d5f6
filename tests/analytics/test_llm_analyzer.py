from collections.abc import Iterator

import pytest

from referraldesk.analytics.embedded import EmbeddedAnalyzer
from referraldesk.analytics.llm import LLMAnalyzer
from referraldesk.analytics.schema import ConversationFacts
from referraldesk.llm.client import ChatClient
from referraldesk.testing.fake_llm import (
    FakeLLMServer,
    error_reply,
    json_reply,
    malformed_reply,
    text_reply,
)

GOOD = {
    "sentiment": 0.6,
    "lead_score": 82,
    "intent": "book_referral_visit",
    "topics": ["dermatology", "early morning"],
    "satisfaction": 5,
    "escalation_flag": False,
    "escalation_reason": None,
    "summary": "Web chat in Spanish. The caller booked a dermatology referral visit.",
}
FACTS = ConversationFacts(
    "c1", "chat", "inbound", "es", "booked", None,
    ["mi doctora me mandó con un especialista de la piel"], [], [], 0, True,
)


@pytest.fixture
def server() -> Iterator[FakeLLMServer]:
    with FakeLLMServer() as fake:
        yield fake


@pytest.fixture
def analyzer(server: FakeLLMServer) -> Iterator[LLMAnalyzer]:
    with ChatClient(server.base_url, model="test", timeout_seconds=2.0, max_retries=0,
                    sleep=lambda _: None) as client:
        yield LLMAnalyzer(fallback=EmbeddedAnalyzer(), client=client)


def test_it_takes_a_valid_answer_from_the_endpoint(server: FakeLLMServer, analyzer: LLMAnalyzer) -> None:
    server.script(json_reply(GOOD))

    result = analyzer.analyze(FACTS)

    assert result.lead_score == 82
    assert analyzer.last_used_name == "llm"
    sent = server.requests[0].body
    assert sent["response_format"]["type"] == "json_schema"
    assert "mi doctora me mandó" in sent["messages"][1]["content"]


@pytest.mark.parametrize(
    "first_answer",
    [
        malformed_reply(),
        text_reply("Sure! Here is the analysis: positive."),
        json_reply(GOOD | {"sentiment": 7}),
        json_reply(GOOD | {"intent": "chit_chat"}),
        json_reply({"sentiment": 0.1}),
    ],
    ids=["not-json-body", "prose", "out-of-range", "unknown-intent", "missing-keys"],
)
def test_it_asks_again_after_a_bad_answer(
    server: FakeLLMServer, analyzer: LLMAnalyzer, first_answer: object
) -> None:
    server.script(first_answer, json_reply(GOOD))  # type: ignore[arg-type]

    result = analyzer.analyze(FACTS)

    assert result.intent == "book_referral_visit"
    assert analyzer.last_used_name == "llm"
    assert len(server.requests) == 2


def test_it_falls_back_to_the_embedded_analyzer_after_two_bad_answers(
    server: FakeLLMServer, analyzer: LLMAnalyzer
) -> None:
    server.script(malformed_reply(), json_reply({"nope": True}))

    result = analyzer.analyze(FACTS)

    assert analyzer.last_used_name == "embedded"
    assert result == EmbeddedAnalyzer().analyze(FACTS)


def test_it_falls_back_at_once_when_the_endpoint_refuses_the_request(
    server: FakeLLMServer, analyzer: LLMAnalyzer
) -> None:
    server.script(error_reply(400, "model not found"))

    analyzer.analyze(FACTS)

    assert analyzer.last_used_name == "embedded"
    assert len(server.requests) == 1
