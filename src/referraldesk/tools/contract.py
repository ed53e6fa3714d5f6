"""The contract every tool keeps: the context it runs in, its outcome, its error.

A tool runs on behalf of an actor. The conversation's agent (role "agent") may act
only on the patient verified in its conversation; staff, coordinators, admins and
integrations are authenticated by their token and may name any patient.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from pydantic import BaseModel, ConfigDict, Field

from referraldesk.audit.trail import Actor
from referraldesk.clock import now

AGENT_ROLE = "agent"
# Authenticated by token: authorized for any patient.
PRIVILEGED_ROLES = frozenset({"staff", "coordinator", "admin", "integration"})
# Every role that may call tools at all; the auditor reads the trail, not patients.
ALL_TOOL_ROLES = frozenset({AGENT_ROLE, *PRIVILEGED_ROLES})
STAFF_ROLES = frozenset({"staff", "coordinator", "admin"})


def agent_actor(conversation_id: str) -> Actor:
    """The actor of a conversation's agent, as the audit trail names it."""
    return Actor(name=f"agent:{conversation_id}", role=AGENT_ROLE)


@dataclass
class ToolContext:
    """What a tool call carries from its conversation.

    `verified_patient_id` is set by `lookup_patient` on a unique match and read by
    every patient tool; the conversation runtime persists it between turns.
    `caller_phone` is E.164 or None. `clock` returns the practice's aware UTC now.
    """

    conversation_id: str | None
    channel: str
    language: str
    actor: Actor
    verified_patient_id: str | None = None
    caller_phone: str | None = None
    clock: Callable[[], datetime] = field(default=now)

    @classmethod
    def for_agent(
        cls,
        conversation_id: str,
        channel: str,
        language: str = "en",
        *,
        verified_patient_id: str | None = None,
        caller_phone: str | None = None,
    ) -> ToolContext:
        return cls(
            conversation_id=conversation_id,
            channel=channel,
            language=language,
            actor=agent_actor(conversation_id),
            verified_patient_id=verified_patient_id,
            caller_phone=caller_phone,
        )

    @property
    def is_agent(self) -> bool:
        return self.actor.role == AGENT_ROLE

    @property
    def is_privileged(self) -> bool:
        return self.actor.role in PRIVILEGED_ROLES

    def now(self) -> datetime:
        return self.clock()


class ToolError(BaseModel):
    """Why a tool call failed, worded for a model to read and act on.

    `code` is one of `referraldesk.errors.ERROR_CODES`; `retryable` says whether the
    same call may succeed later; `hint` says what to do instead.
    """

    code: str
    message: str
    retryable: bool = False
    hint: str | None = None
    field: str | None = None


class ToolOutcome(BaseModel):
    """The result of one tool call: `data` when ok, `error` when not.

    `actions` are what the channel must do besides speaking (`send_sms`,
    `transfer`); `replayed` is true when an idempotency key returned an earlier result.
    """

    ok: bool
    data: dict[str, Any] | None = None
    error: ToolError | None = None
    actions: list[dict[str, Any]] = Field(default_factory=list)
    replayed: bool = False

    @classmethod
    def success(
        cls, data: dict[str, Any], actions: list[dict[str, Any]] | None = None
    ) -> ToolOutcome:
        return cls(ok=True, data=data, actions=actions or [])

    @classmethod
    def failure(cls, error: ToolError) -> ToolOutcome:
        return cls(ok=False, error=error)


class ToolArgs(BaseModel):
    """Base of every tool's input: unknown arguments are refused, not ignored."""

    model_config = ConfigDict(extra="forbid")


class PatientArgs(ToolArgs):
    """Input of a tool that reads or changes one patient's data."""

    patient_id: str | None = Field(
        default=None,
        description=(
            "Staff and integrations only: the id of the patient acted on. The agent never "
            "sends it; it acts on the patient verified in its conversation."
        ),
    )


class ToolOutput(BaseModel):
    """Base of every tool's output."""

    def actions(self) -> list[dict[str, Any]]:
        """Channel actions this result asks for; none unless a tool says so."""
        return []
