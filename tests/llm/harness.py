"""Caller turns in, replies and tool calls out: the LLM brain played like the runtime plays it.

`Caller` keeps the conversation's state between turns through a JSON round trip, as
the database does, so a frame that is not plain JSON fails here first.
`FakeFrontDesk` is a small stand-in for the tool catalog, with its verification rule:
patient tools refuse with `not_verified` until lookup_patient has matched.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from referraldesk.conversation.brain import Brain, ToolInvoker, TurnContext
from referraldesk.conversation.turn import AgentTurn
from referraldesk.tools.contract import ToolError, ToolOutcome

NOW = datetime(2026, 4, 14, 17, 5, tzinfo=UTC)  # Tuesday 10:05 in Visalia
PATIENT = {"given_names": "Daniel", "surnames": ["Ortega"], "dob": "1979-11-22"}
SLOTS = [
    {
        "slot_id": slot_id,
        "start": start,
        "provider_id": "prov-1",
        "provider_name": "Dr. Luis Herrera",
        "specialty": "orthopedics",
        "location_name": "Visalia",
    }
    for slot_id, start in (
        ("slot-a", "2026-04-21T17:30:00-07:00"),
        ("slot-b", "2026-04-22T18:00:00-07:00"),
    )
]


def _function(name: str, properties: dict[str, Any]) -> dict[str, Any]:
    return {
        "type": "function",
        "function": {
            "name": name,
            "description": f"{name} (fake)",
            "strict": True,
            "parameters": {
                "type": "object",
                "properties": properties,
                "required": list(properties),
                "additionalProperties": False,
            },
        },
    }


FAKE_SCHEMAS = [
    _function(
        "lookup_patient",
        {
            "given_names": {"type": "string"},
            "surnames": {"type": "array", "items": {"type": "string"}},
            "dob": {"type": "string"},
        },
    ),
    _function("get_patient_referrals", {}),
    _function("get_available_slots", {"specialty": {"type": "string"}}),
    _function("schedule_appointment", {"slot_id": {"type": "string"}}),
    _function("get_office_hours", {}),
    _function(
        "transfer_to_staff",
        {
            "reason": {"type": "string"},
            "urgency": {"type": "string"},
            "summary": {"type": "string"},
        },
    ),
]


def _refuse(code: str, message: str) -> ToolOutcome:
    return ToolOutcome.failure(ToolError(code=code, message=message, hint="fake hint"))


@dataclass
class FakeFrontDesk:
    verified_patient_id: str | None = None
    bookings: list[str] = field(default_factory=list)
    called: list[str] = field(default_factory=list)

    def call_tool(self, name: str, /, **arguments: Any) -> ToolOutcome:
        self.called.append(name)
        handler = getattr(self, f"_{name}")
        return handler(**arguments)

    def _lookup_patient(self, given_names: str, surnames: list[str], dob: str) -> ToolOutcome:
        if {"given_names": given_names, "surnames": surnames, "dob": dob} != PATIENT:
            return _refuse("not_found", "no patient matches that name and date of birth")
        self.verified_patient_id = "pat-1"
        return ToolOutcome.success({"patient_id": "pat-1", "given_names": "Daniel"})

    def _get_patient_referrals(self) -> ToolOutcome:
        if self.verified_patient_id is None:
            return _refuse("not_verified", "verify the caller with lookup_patient first")
        return ToolOutcome.success({"referrals": [{"id": "ref-1", "specialty": "orthopedics"}]})

    def _get_available_slots(self, specialty: str) -> ToolOutcome:
        return ToolOutcome.success({"slots": SLOTS})

    def _schedule_appointment(self, slot_id: str) -> ToolOutcome:
        if self.verified_patient_id is None:
            return _refuse("not_verified", "verify the caller with lookup_patient first")
        self.bookings.append(slot_id)
        return ToolOutcome.success({"appointment": {"id": "appt-1", "status": "booked"}})

    def _get_office_hours(self) -> ToolOutcome:
        return ToolOutcome.success({"sites": [{"name": "Visalia", "hours": "06:30-19:30"}]})

    def _transfer_to_staff(self, reason: str, urgency: str, summary: str) -> ToolOutcome:
        action = {"type": "transfer", "reason": "staff_requested", "task_id": "task-1", "to": None}
        return ToolOutcome.success({"task_id": "task-1"}, actions=[action])


@dataclass
class Caller:
    """One conversation with `brain`, its state persisted as JSON between turns."""

    brain: Brain
    call_tool: ToolInvoker
    language: str = "en"
    channel: str = "chat"
    direction: str = "inbound"
    state: dict[str, Any] = field(default_factory=dict)
    verified_patient_id: str | None = None
    turns: list[AgentTurn] = field(default_factory=list)
    # What the caller heard of the last reply when they spoke over it (voice).
    heard_of_last: str | None = None

    def start(self) -> AgentTurn:
        return self._play(lambda ctx: self.brain.start(ctx))

    def says(self, text: str) -> AgentTurn:
        return self._play(lambda ctx: self.brain.respond(ctx, text))

    def _play(self, act: Any) -> AgentTurn:
        ctx = TurnContext(
            conversation_id="conv-1",
            channel=self.channel,
            direction=self.direction,
            language=self.language,
            caller_phone="+15595550117",
            now=NOW,
            practice_timezone="America/Los_Angeles",
            practice_name="Valley Specialty Clinic",
            state=json.loads(json.dumps(self.state)),
            call_tool=self.call_tool,
            verified_patient_id=self.verified_patient_id,
            turn_number=len(self.turns) + 1,
            extra={"last_reply_heard": self.heard_of_last},
        )
        self.heard_of_last = None
        turn: AgentTurn = act(ctx)
        self.state = json.loads(json.dumps(ctx.state))
        self.language = turn.language
        self.turns.append(turn)
        return turn


@dataclass
class StubGuided:
    """Stands in for the guided brain: says who answered and counts its turns."""

    name: str = "guided"
    seen: list[str | None] = field(default_factory=list)

    def start(self, ctx: TurnContext) -> AgentTurn:
        self.seen.append(None)
        ctx.state["greeted"] = True
        return AgentTurn(reply="guided: hello", language="en")

    def respond(self, ctx: TurnContext, text: str) -> AgentTurn:
        self.seen.append(text)
        ctx.state["heard"] = ctx.state.get("heard", 0) + 1
        return AgentTurn(reply="guided: go on", language="en", awaiting="name")
