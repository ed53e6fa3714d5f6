"""What a brain is: the seam between the conversation runtime and the guided or LLM agent.

A brain never touches the database. It reads and changes the conversation's frame
(`ctx.state`, persisted as JSON between turns, so any web instance can serve the next
turn) and acts on the practice only through `ctx.tools`, which is the tool catalog
bound to this conversation.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Protocol

from referraldesk.conversation.turn import AgentTurn


class ToolOutcomeLike(Protocol):
    ok: bool
    data: dict[str, Any] | None
    error: Any


class ToolInvoker(Protocol):
    def __call__(self, name: str, /, **arguments: Any) -> ToolOutcomeLike: ...


@dataclass
class TurnContext:
    conversation_id: str
    channel: str  # chat | sms | voice | terminal
    direction: str  # inbound | outbound
    language: str  # the conversation's current language, "en" or "es"
    caller_phone: str | None
    now: datetime  # aware, UTC; convert with `practice_timezone` for local talk
    practice_timezone: str
    practice_name: str
    state: dict[str, Any]  # the brain's frame; must stay JSON-serializable
    call_tool: ToolInvoker  # ctx.call_tool("get_available_slots", specialty=...)
    verified_patient_id: str | None = None  # set by the runtime after lookup_patient succeeds
    turn_number: int = 0  # agent turns so far, the greeting being 1
    extra: dict[str, Any] = field(default_factory=dict)


class Brain(Protocol):
    name: str

    def start(self, ctx: TurnContext) -> AgentTurn:
        """The first agent turn: the greeting (or, outbound, the opening)."""
        ...

    def respond(self, ctx: TurnContext, text: str) -> AgentTurn:
        """The agent's answer to one caller message."""
        ...
