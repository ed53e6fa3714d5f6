"""Running the tool calls a model asks for through the conversation's tool invoker.

The model gets no more power than the guided brain: it may call only the tools it was
shown, with the same invoker, and the catalog refuses what the caller may not do
(`not_verified` before lookup_patient). Each refusal goes back to the model as the
tool's result, so it can ask the caller for what is missing.
"""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass, field
from typing import Any

from referraldesk.conversation.brain import ToolOutcomeLike, TurnContext
from referraldesk.conversation.llm.history import tool_message
from referraldesk.conversation.turn import Action
from referraldesk.llm import Message, ToolCallRequest
from referraldesk.logging import get_logger

log = get_logger(__name__)

ACTION_TYPES = frozenset({"end", "transfer", "send_sms", "emergency"})
_ACTION_FIELDS = ("type", "reason", "to", "body")


@dataclass(frozen=True)
class ToolStep:
    """One tool call as run: what goes back to the model and what the turn keeps."""

    name: str
    message: Message
    ok: bool
    data: dict[str, Any] | None = None
    error_code: str | None = None
    actions: list[dict[str, Any]] = field(default_factory=list)


def run_call(ctx: TurnContext, call: ToolCallRequest, allowed: Collection[str]) -> ToolStep:
    """Run one model tool call, or refuse it without running when it cannot be run."""
    if call.name not in allowed:
        return _refused(
            call,
            "not_found",
            f"there is no tool named {call.name!r}",
            f"Use one of: {', '.join(sorted(allowed))}.",
        )
    if call.arguments is None:
        return _refused(
            call,
            "invalid_argument",
            f"the arguments of {call.name} are not a JSON object",
            "Call again with JSON arguments that match the tool's schema.",
        )
    outcome = ctx.call_tool(call.name, **call.arguments)
    if not outcome.ok:
        error = _error_dict(outcome.error)
        log.info(
            "llm_tool_refused",
            conversation_id=ctx.conversation_id,
            tool=call.name,
            code=error.get("code"),
        )
        return ToolStep(
            call.name,
            tool_message(call.id, {"ok": False, "error": error}),
            ok=False,
            error_code=str(error.get("code")),
        )
    data = outcome.data or {}
    return ToolStep(
        call.name,
        tool_message(call.id, {"ok": True, "data": data}),
        ok=True,
        data=data,
        actions=outcome_actions(outcome),
    )


def answer_without_running(call: ToolCallRequest, code: str, message: str, hint: str) -> ToolStep:
    """A call the brain declines itself (a reply sent alongside other calls)."""
    return _refused(call, code, message, hint)


def _refused(call: ToolCallRequest, code: str, message: str, hint: str) -> ToolStep:
    error = {"code": code, "message": message, "retryable": False, "hint": hint}
    return ToolStep(
        call.name, tool_message(call.id, {"ok": False, "error": error}), ok=False, error_code=code
    )


def _error_dict(error: Any) -> dict[str, Any]:
    if hasattr(error, "model_dump"):
        return dict(error.model_dump(exclude_none=True))
    if isinstance(error, dict):
        return dict(error)
    return {"code": "internal", "message": str(error) or "the tool failed", "retryable": False}


def outcome_actions(outcome: ToolOutcomeLike) -> list[dict[str, Any]]:
    """The channel actions a tool outcome asks for, as dicts."""
    # The catalog's outcomes carry channel actions (transfer, send_sms); the brain
    # protocol does not promise them, so any other invoker simply has none.
    actions = getattr(outcome, "actions", None) or []
    return [dict(action) for action in actions if isinstance(action, dict)]


def as_action(raw: dict[str, Any]) -> Action | None:
    """A tool's action dict as the turn's `Action`; None for a type channels do not know."""
    if raw.get("type") not in ACTION_TYPES:
        return None
    known = {key: raw[key] for key in _ACTION_FIELDS if raw.get(key) is not None}
    extra = {key: value for key, value in raw.items() if key not in _ACTION_FIELDS}
    return Action(**known, extra=extra)
