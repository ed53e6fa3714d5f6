"""The chat-completions client against a real local server."""

from __future__ import annotations

import socket

import pytest

from referraldesk.llm import (
    ChatClient,
    LLMMalformedResponse,
    LLMNotConfigured,
    LLMPermanentError,
    LLMRateLimited,
    LLMTimeout,
    LLMTransientError,
    LLMUnreachable,
    json_schema_format,
    shared_client,
)
from referraldesk.settings import Settings
from referraldesk.testing.fake_llm import (
    FakeLLMServer,
    error_reply,
    json_reply,
    malformed_reply,
    slow_reply,
    text_reply,
    tool_call_reply,
    tool_calls_reply,
)

HELLO = [{"role": "user", "content": "hello"}]
WEATHER_TOOL = {
    "type": "function",
    "function": {
        "name": "get_hours",
        "description": "Office hours.",
        "parameters": {"type": "object", "properties": {}, "required": []},
    },
}


def test_it_returns_the_text_of_a_completion(fake_llm: FakeLLMServer, client: ChatClient) -> None:
    fake_llm.script(text_reply("Hi, how can I help?"))

    completion = client.complete(HELLO, temperature=0.2)

    assert completion.content == "Hi, how can I help?"
    assert completion.tool_calls == ()
    assert completion.attempts == 1
    assert completion.usage == {"prompt_tokens": 10, "completion_tokens": 5, "total_tokens": 15}
    sent = fake_llm.requests[0]
    assert sent.path == "/v1/chat/completions"
    assert sent.headers["Authorization"] == "Bearer sk-test"
    assert sent.body == {"model": "fake-model", "messages": HELLO, "temperature": 0.2}


def test_it_sends_tools_and_decodes_the_calls_the_model_makes(
    fake_llm: FakeLLMServer, client: ChatClient
) -> None:
    fake_llm.script(tool_calls_reply(("get_hours", {}), ("lookup_patient", {"dob": "1985-04-03"})))

    completion = client.complete(HELLO, tools=[WEATHER_TOOL], tool_choice="auto")

    assert [(call.name, call.arguments) for call in completion.tool_calls] == [
        ("get_hours", {}),
        ("lookup_patient", {"dob": "1985-04-03"}),
    ]
    assert completion.finish_reason == "tool_calls"
    assert fake_llm.requests[0].body["tools"] == [WEATHER_TOOL]
    assert fake_llm.requests[0].body["tool_choice"] == "auto"
    assert completion.assistant_message()["tool_calls"][1] == {
        "id": "call_1_lookup_patient",
        "type": "function",
        "function": {"name": "lookup_patient", "arguments": '{"dob": "1985-04-03"}'},
    }


def test_it_keeps_arguments_that_are_not_json_for_the_caller_to_refuse(
    fake_llm: FakeLLMServer, client: ChatClient
) -> None:
    fake_llm.script(tool_call_reply("lookup_patient", '{"given_names": "Mar'))

    completion = client.complete(HELLO, tools=[WEATHER_TOOL])

    assert completion.tool_calls[0].arguments is None
    assert completion.tool_calls[0].raw_arguments == '{"given_names": "Mar'


def test_it_retries_server_errors_and_rate_limits_then_succeeds(
    fake_llm: FakeLLMServer, client: ChatClient, waits: list[float]
) -> None:
    fake_llm.script(error_reply(503), error_reply(429), text_reply("ok"))

    completion = client.complete(HELLO)

    assert completion.content == "ok"
    assert completion.attempts == 3
    assert len(fake_llm.requests) == 3
    assert len(waits) == 2
    assert 0.05 <= waits[0] <= 0.1
    assert 0.1 <= waits[1] <= 0.2


def test_it_honours_retry_after_up_to_its_back_off_ceiling(
    fake_llm: FakeLLMServer, client: ChatClient, waits: list[float]
) -> None:
    fake_llm.script(error_reply(429, retry_after=1.5), text_reply("ok"))

    client.complete(HELLO)

    assert waits == [1.5]


def test_it_gives_up_after_its_retries_with_a_transient_error(
    fake_llm: FakeLLMServer, client: ChatClient, waits: list[float]
) -> None:
    fake_llm.script(error_reply(500), error_reply(502), error_reply(500, "still down"))

    with pytest.raises(LLMTransientError) as raised:
        client.complete(HELLO)

    assert raised.value.status == 500
    assert raised.value.retryable is True
    assert raised.value.attempts == 3
    assert "still down" in raised.value.message
    assert len(waits) == 2


def test_it_reports_a_rate_limit_that_does_not_lift(
    fake_llm: FakeLLMServer, client: ChatClient
) -> None:
    fake_llm.always(error_reply(429, "slow down"))

    with pytest.raises(LLMRateLimited) as raised:
        client.complete(HELLO)

    assert raised.value.code == "unavailable"
    assert len(fake_llm.requests) == 3


def test_it_does_not_retry_a_permanent_refusal(
    fake_llm: FakeLLMServer, client: ChatClient, waits: list[float]
) -> None:
    fake_llm.script(error_reply(400, "Invalid 'tools[0].function.name'"), text_reply("never sent"))

    with pytest.raises(LLMPermanentError) as raised:
        client.complete(HELLO)

    assert raised.value.status == 400
    assert raised.value.retryable is False
    assert "Invalid 'tools[0].function.name'" in raised.value.message
    assert "REFERRALDESK_LLM_MODEL" in raised.value.message
    assert len(fake_llm.requests) == 1
    assert waits == []


def test_it_times_out_on_a_stalled_endpoint_without_retrying(fake_llm: FakeLLMServer) -> None:
    fake_llm.script(slow_reply(5.0), text_reply("never sent"))

    impatient = ChatClient(fake_llm.base_url, model="m", timeout_seconds=0.2)
    with impatient, pytest.raises(LLMTimeout) as raised:
        impatient.complete(HELLO)

    assert raised.value.retryable is True
    assert len(fake_llm.requests) == 1


def test_a_call_may_name_a_shorter_time_than_the_client(
    fake_llm: FakeLLMServer, client: ChatClient
) -> None:
    fake_llm.script(slow_reply(5.0))

    with pytest.raises(LLMTimeout):
        client.complete(HELLO, timeout_seconds=0.2)


def test_it_refuses_a_body_that_is_not_a_chat_completion(
    fake_llm: FakeLLMServer, client: ChatClient, waits: list[float]
) -> None:
    fake_llm.script(malformed_reply())

    with pytest.raises(LLMMalformedResponse) as raised:
        client.complete(HELLO)

    assert "choices[0].message" in raised.value.message
    assert waits == []


def test_it_refuses_tool_calls_without_a_function_name(
    fake_llm: FakeLLMServer, client: ChatClient
) -> None:
    fake_llm.script(malformed_reply(b'{"choices": [{"message": {"tool_calls": [{"id": "x"}]}}]}'))

    with pytest.raises(LLMMalformedResponse, match=r"tool_calls\[0\] has no function name"):
        client.complete(HELLO)


def test_it_retries_a_connection_that_was_refused_then_reports_it() -> None:
    waits: list[float] = []
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        closed_port = probe.getsockname()[1]

    unreachable = ChatClient(
        f"http://127.0.0.1:{closed_port}/v1", model="m", backoff_seconds=0.01, sleep=waits.append
    )
    with unreachable, pytest.raises(LLMUnreachable) as raised:
        unreachable.complete(HELLO)

    assert raised.value.attempts == 3
    assert len(waits) == 2


def test_it_answers_on_the_path_without_v1_too(fake_llm: FakeLLMServer) -> None:
    fake_llm.script(text_reply("ok"))

    with ChatClient(fake_llm.root_url, model="m") as rootless:
        assert rootless.complete(HELLO).content == "ok"

    assert fake_llm.requests[0].path == "/chat/completions"
    assert "Authorization" not in fake_llm.requests[0].headers


SENTIMENT = {
    "type": "object",
    "properties": {"sentiment": {"type": "number"}, "intent": {"type": "string"}},
    "required": ["sentiment", "intent"],
    "additionalProperties": False,
}


def test_it_asks_for_and_decodes_a_json_schema_answer(
    fake_llm: FakeLLMServer, client: ChatClient
) -> None:
    fake_llm.script(json_reply({"sentiment": 0.4, "intent": "book"}))

    document = client.complete_json(HELLO, schema_name="analysis", schema=SENTIMENT)

    assert document == {"sentiment": 0.4, "intent": "book"}
    assert fake_llm.requests[0].body["response_format"] == json_schema_format("analysis", SENTIMENT)
    assert fake_llm.requests[0].body["response_format"]["json_schema"]["strict"] is True
    assert fake_llm.requests[0].body["temperature"] == 0.0


def test_it_refuses_a_json_answer_that_misses_required_keys(
    fake_llm: FakeLLMServer, client: ChatClient
) -> None:
    fake_llm.script(json_reply({"sentiment": 0.4}), text_reply("I think it went well"))

    with pytest.raises(LLMMalformedResponse, match=r"lacks required keys \['intent'\]"):
        client.complete_json(HELLO, schema_name="analysis", schema=SENTIMENT)
    with pytest.raises(LLMMalformedResponse, match="not a JSON object"):
        client.complete_json(HELLO, schema_name="analysis", schema=SENTIMENT)


def test_it_is_built_from_settings_and_says_how_to_configure_it() -> None:
    configured = Settings(
        llm_base_url="http://127.0.0.1:9/v1", llm_api_key="k", llm_model="llama3", _env_file=None
    )

    with ChatClient.from_settings(configured, max_retries=0) as built:
        assert (built.url, built.model, built.max_retries) == (
            "http://127.0.0.1:9/v1/chat/completions",
            "llama3",
            0,
        )
    with pytest.raises(LLMNotConfigured, match="REFERRALDESK_LLM_BASE_URL is not set"):
        ChatClient.from_settings(Settings(_env_file=None))


def test_the_shared_client_is_built_once_per_endpoint() -> None:
    first = Settings(llm_base_url="http://127.0.0.1:9/v1", llm_model="a", _env_file=None)
    other = Settings(llm_base_url="http://127.0.0.1:9/v1", llm_model="b", _env_file=None)

    assert shared_client(first) is shared_client(first)
    assert shared_client(first) is not shared_client(other)
    assert shared_client(other).model == "b"
