"""Drive the guided brain turn by turn the way the runtime does: the state goes
through JSON between turns, and the verified patient follows lookup_patient."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from tests.guided.fake_practice import FakePractice

from referraldesk.conversation.brain import TurnContext
from referraldesk.conversation.guided import GuidedBrain
from referraldesk.conversation.turn import AgentTurn


@dataclass
class Dialogue:
    """One conversation with the guided brain over a fake practice."""

    practice: FakePractice
    channel: str = "chat"
    language: str = "en"
    caller_phone: str | None = "+15595550100"
    direction: str = "inbound"
    brain: GuidedBrain = field(default_factory=GuidedBrain)
    state: dict[str, Any] = field(default_factory=dict)
    turns: list[AgentTurn] = field(default_factory=list)
    # What the caller heard of the last reply when they spoke over it (see `cut_off`).
    heard_of_last: str | None = None

    @property
    def now(self) -> datetime:
        return self.practice.now

    def _context(self) -> TurnContext:
        return TurnContext(
            conversation_id="conv-1",
            channel=self.channel,
            direction=self.direction,
            language=self.turns[-1].language if self.turns else self.language,
            caller_phone=self.caller_phone,
            now=self.now,
            practice_timezone="America/Los_Angeles",
            practice_name="Valley Specialty Clinic",
            state=json.loads(json.dumps(self.state)),
            call_tool=self.practice.call,
            verified_patient_id=self.practice.verified,
            turn_number=len(self.turns),
            extra={"last_reply_heard": self.heard_of_last},
        )

    def _keep(self, ctx: TurnContext, turn: AgentTurn) -> AgentTurn:
        self.state = json.loads(json.dumps(ctx.state))
        self.turns.append(turn)
        return turn

    def start(self) -> AgentTurn:
        ctx = self._context()
        return self._keep(ctx, self.brain.start(ctx))

    def say(self, text: str) -> AgentTurn:
        if not self.turns:
            self.start()
        ctx = self._context()
        self.heard_of_last = None
        return self._keep(ctx, self.brain.respond(ctx, text))

    def cut_off(self, after: str) -> None:
        """The caller speaks over the last reply once it has said up to `after`."""
        reply = self.last.reply
        assert after in reply, f"{after!r} is not in the last reply"
        self.heard_of_last = reply[: reply.index(after) + len(after)]

    @property
    def last(self) -> AgentTurn:
        return self.turns[-1]

    def action_types(self) -> list[str]:
        return [action.type for action in self.last.actions]
