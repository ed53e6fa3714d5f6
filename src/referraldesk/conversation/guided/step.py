"""One caller turn being handled: the context, the frame, what was heard, the reply."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from referraldesk.conversation.brain import ToolOutcomeLike, TurnContext
from referraldesk.conversation.guided.frame import Frame
from referraldesk.conversation.guided.hearing import Heard
from referraldesk.conversation.guided.reply import Reply
from referraldesk.logging import get_logger

log = get_logger(__name__)


@dataclass
class Step:
    """What every flow works on; flows read `heard`, change `frame` and add to `reply`."""

    ctx: TurnContext
    frame: Frame
    heard: Heard | None
    reply: Reply
    # A tool answered `unavailable` (the practice's calendar is down) during this turn.
    calendar_down: bool = False

    @property
    def lang(self) -> str:
        return self.frame.lang

    @property
    def zone(self) -> ZoneInfo:
        return ZoneInfo(self.ctx.practice_timezone)

    def local_now(self) -> datetime:
        return self.ctx.now.astimezone(self.zone)

    def call(self, name: str, **arguments: Any) -> ToolOutcomeLike:
        """Call a catalog tool; a failure is logged by its code only (never its arguments)."""
        outcome = self.ctx.call_tool(name, **arguments)
        if not outcome.ok:
            code = error_code(outcome)
            self.calendar_down = self.calendar_down or code == "unavailable"
            log.info(
                "guided_tool_refused",
                tool=name,
                code=code,
                conversation_id=self.ctx.conversation_id,
            )
        return outcome

    def data(self, name: str, **arguments: Any) -> dict[str, Any] | None:
        """Call a tool and return its data, or None when it failed."""
        outcome = self.call(name, **arguments)
        return outcome.data if outcome.ok else None


def error_code(outcome: ToolOutcomeLike) -> str | None:
    """The error code of a failed outcome (`not_found`, `slot_taken` ...), or None."""
    error = outcome.error
    if error is None:
        return None
    if isinstance(error, dict):
        return error.get("code")
    return getattr(error, "code", None)


def tool_actions(outcome: ToolOutcomeLike) -> list[dict[str, Any]]:
    """The channel actions a tool asked for (send_sms, transfer)."""
    return list(getattr(outcome, "actions", None) or [])
