"""`reply_to_caller`: the function the model answers through, so every turn stays typed.

A model that only wrote text would leave the channel guessing what it asked for;
answering through this function gives `awaiting` (digits or buttons), the slot ids it
offered (options) and whether to end or hand over, checked here before they reach
the caller.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Literal, get_args

from referraldesk.conversation.turn import Awaiting

REPLY_TOOL_NAME = "reply_to_caller"
AWAITING_VALUES: tuple[str, ...] = get_args(Awaiting)

REPLY_TOOL: dict[str, Any] = {
    "type": "function",
    "function": {
        "name": REPLY_TOOL_NAME,
        "description": (
            "Say something to the caller and end your turn. Call it alone, after the "
            "results of any other tools you needed."
        ),
        "strict": True,
        "parameters": {
            "type": "object",
            "properties": {
                "text": {
                    "type": "string",
                    "description": "What the caller hears or reads: one or two short sentences.",
                },
                "language": {
                    "type": "string",
                    "enum": ["en", "es"],
                    "description": "The language `text` is in.",
                },
                "awaiting": {
                    "type": "string",
                    "enum": list(AWAITING_VALUES),
                    "description": "What `text` asks the caller for; none if nothing.",
                },
                "offered_slot_ids": {
                    "type": "array",
                    "items": {"type": "string"},
                    "description": "Ids from get_available_slots of the times offered in `text`.",
                },
                "end_conversation": {
                    "type": "boolean",
                    "description": "True when the caller is done and the conversation ends.",
                },
                "transfer_reason": {
                    "type": ["string", "null"],
                    "description": "Why a person takes over, after transfer_to_staff; else null.",
                },
            },
            "required": [
                "text",
                "language",
                "awaiting",
                "offered_slot_ids",
                "end_conversation",
                "transfer_reason",
            ],
            "additionalProperties": False,
        },
    },
}


@dataclass(frozen=True)
class FinalReply:
    """The model's answer for this turn, checked."""

    text: str
    language: Literal["en", "es"] | None
    awaiting: str
    offered_slot_ids: tuple[str, ...]
    end_conversation: bool
    transfer_reason: str | None


def parse_reply(arguments: dict[str, Any] | None) -> FinalReply | list[str]:
    """The checked reply, or every problem with `arguments` (for the model to fix)."""
    if arguments is None:
        return ["the arguments are not a JSON object"]
    problems = []
    text = arguments.get("text")
    if not isinstance(text, str) or not text.strip():
        problems.append("text: must be the non-empty sentence to say")
    awaiting = arguments.get("awaiting", "none")
    if awaiting not in AWAITING_VALUES:
        problems.append(f"awaiting: {awaiting!r} is not one of {', '.join(AWAITING_VALUES)}")
    slot_ids = arguments.get("offered_slot_ids") or []
    if not isinstance(slot_ids, list) or not all(isinstance(i, str) for i in slot_ids):
        problems.append("offered_slot_ids: must be a list of slot id strings")
    if problems:
        return problems
    language = arguments.get("language")
    reason = arguments.get("transfer_reason")
    return FinalReply(
        text=str(text).strip(),
        language="es" if language == "es" else "en" if language == "en" else None,
        awaiting=str(awaiting),
        offered_slot_ids=tuple(slot_ids),
        end_conversation=arguments.get("end_conversation") is True,
        transfer_reason=str(reason).strip() if isinstance(reason, str) and reason.strip() else None,
    )
