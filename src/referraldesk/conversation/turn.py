"""The agent's turn, as API.md defines it, plus what the runtime keeps to itself."""

from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel, Field

Awaiting = Literal[
    "name",
    "dob",
    "phone",
    "plan",
    "specialty",
    "reason",
    "time_preference",
    "slot_choice",
    "confirm",
    "anything_else",
    "none",
]

Outcome = Literal[
    "booked",
    "rescheduled",
    "cancelled",
    "transferred",
    "answered",
    "refused",
    "emergency",
    "abandoned",
]


class Option(BaseModel):
    """Something offered to the caller: a slot, a provider, a choice."""

    id: str
    kind: Literal["slot", "provider", "appointment", "choice", "language"]
    label: str
    start: str | None = None  # ISO 8601 with the site's offset
    provider: str | None = None
    specialty: str | None = None


class Action(BaseModel):
    """Something the channel must do besides speaking: end, transfer, send an SMS..."""

    type: Literal["end", "transfer", "send_sms", "emergency"]
    reason: str | None = None
    to: str | None = None
    body: str | None = None
    extra: dict[str, Any] = Field(default_factory=dict)


class AgentTurn(BaseModel):
    reply: str
    language: Literal["en", "es"]
    awaiting: Awaiting = "none"
    options: list[Option] = Field(default_factory=list)
    actions: list[Action] = Field(default_factory=list)
    # Runtime-only: set when the brain decides how the conversation ends (or has
    # reached an outcome that stands even if the caller keeps talking).
    outcome: Outcome | None = Field(default=None, exclude=True)
    outcome_reason: str | None = Field(default=None, exclude=True)

    def public(self) -> dict[str, Any]:
        """The turn as API.md shows it to a browser or an integrator.

        A `send_sms` action's number stays on the server: the page only needs to
        know a text was sent, and the number on file is the patient's data.
        """
        return self.model_dump(exclude_none=True, exclude={"outcome", "outcome_reason"}) | {
            "options": [o.model_dump(exclude_none=True) for o in self.options],
            "actions": [
                a.model_dump(exclude_none=True, exclude={"extra", "to"}) | a.extra
                for a in self.actions
            ],
        }
