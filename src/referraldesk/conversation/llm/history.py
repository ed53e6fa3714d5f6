"""The chat history kept in the conversation's frame between turns, bounded.

Every web instance may serve the next turn, so the history lives in `ctx.state` as
plain JSON. It is trimmed a whole exchange at a time, from the oldest caller message,
because a `tool` message left without the assistant call it answers is refused by
chat-completions endpoints.
"""

from __future__ import annotations

import json
from typing import Any

from referraldesk.llm import Message

MAX_MESSAGES = 60
MAX_CHARS = 40_000
# One slot search or referral list must not crowd out the rest of the conversation.
MAX_TOOL_RESULT_CHARS = 8_000


def trimmed(messages: list[Message]) -> list[Message]:
    """The newest exchanges that fit the bounds; at least the last exchange, whole."""
    starts = [index for index, message in enumerate(messages) if message.get("role") == "user"]
    for start in [0, *starts]:
        kept = messages[start:]
        if len(kept) <= MAX_MESSAGES and _size(kept) <= MAX_CHARS:
            return kept
    return messages[starts[-1] :] if starts else messages


def tool_message(call_id: str, payload: dict[str, Any]) -> Message:
    """The `tool` message answering call `call_id` with `payload` as JSON text."""
    content = json.dumps(payload, ensure_ascii=False, default=str)
    if len(content) > MAX_TOOL_RESULT_CHARS:
        content = content[:MAX_TOOL_RESULT_CHARS] + " ...(cut: narrow the search to see more)"
    return {"role": "tool", "tool_call_id": call_id, "content": content}


def _size(messages: list[Message]) -> int:
    return sum(len(json.dumps(message, ensure_ascii=False, default=str)) for message in messages)
