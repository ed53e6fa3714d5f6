"""The chat history the LLM brain keeps in the conversation's frame."""

from __future__ import annotations

import json

from referraldesk.conversation.llm.history import (
    MAX_CHARS,
    MAX_MESSAGES,
    MAX_TOOL_RESULT_CHARS,
    tool_message,
    trimmed,
)
from referraldesk.llm import Message


def exchange(number: int, padding: int = 0) -> list[Message]:
    call = {"id": f"c{number}", "type": "function", "function": {"name": "f", "arguments": "{}"}}
    return [
        {"role": "user", "content": f"message {number}" + "x" * padding},
        {"role": "assistant", "content": None, "tool_calls": [call]},
        {"role": "tool", "tool_call_id": f"c{number}", "content": "{}"},
        {"role": "assistant", "content": f"answer {number}"},
    ]


def test_a_short_history_is_kept_whole() -> None:
    messages = [{"role": "assistant", "content": "Hello"}, *exchange(1), *exchange(2)]

    assert trimmed(messages) == messages


def test_it_drops_the_oldest_exchanges_whole_when_there_are_too_many_messages() -> None:
    messages = [message for number in range(30) for message in exchange(number)]

    kept = trimmed(messages)

    assert len(kept) <= MAX_MESSAGES
    assert kept[0] == {"role": "user", "content": "message 15"}
    assert kept[-1] == {"role": "assistant", "content": "answer 29"}
    answered = {m["tool_call_id"] for m in kept if m["role"] == "tool"}
    called = {c["id"] for m in kept for c in m.get("tool_calls") or []}
    assert answered == called


def test_it_drops_old_exchanges_when_the_text_grows_too_long() -> None:
    messages = [message for number in range(6) for message in exchange(number, padding=10_000)]

    kept = trimmed(messages)

    assert len(json.dumps(kept)) <= MAX_CHARS
    assert kept[0]["content"].startswith("message 3")


def test_the_last_exchange_stays_even_when_it_alone_is_too_long() -> None:
    messages = [*exchange(1), *exchange(2, padding=MAX_CHARS)]

    assert trimmed(messages) == exchange(2, padding=MAX_CHARS)


def test_a_long_tool_result_is_cut_and_says_so() -> None:
    message = tool_message("c1", {"ok": True, "data": {"slots": ["x" * 100] * 200}})

    assert message["role"] == "tool"
    assert message["tool_call_id"] == "c1"
    assert len(message["content"]) < MAX_TOOL_RESULT_CHARS + 60
    assert message["content"].endswith("...(cut: narrow the search to see more)")
