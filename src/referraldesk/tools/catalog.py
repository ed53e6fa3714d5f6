"""The tool catalog: the one way brains, staff and integrations act on the practice.

`call()` never raises for anything a tool does. A `DomainError` becomes an error
outcome with its code; any other exception becomes an `internal` outcome, its
changes are rolled back, and it is reported as a `tool_internal_error` log event
naming the tool, the conversation, the exception type and where it was raised (never
its message, which may quote arguments), and as the ToolCall row's error.
Every call, good or bad, leaves a ToolCall row on its conversation.
"""

from __future__ import annotations

import traceback
from time import perf_counter
from typing import Any

from pydantic import ValidationError
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from referraldesk.errors import DomainError, Forbidden, InternalError, InvalidArgument, NotFound
from referraldesk.logging import get_logger
from referraldesk.tools import (
    handoff,
    idempotency,
    identity_limits,
    patients,
    practice_info,
    recording,
    referrals,
    registry,
    scheduling,
)
from referraldesk.tools.contract import ToolArgs, ToolContext, ToolError, ToolOutcome
from referraldesk.tools.registry import Tool
from referraldesk.tools.schemas import function_schema, parameters_schema

log = get_logger(__name__)

# Importing the tool modules registers their tools; keep them named here so the
# catalog is complete whoever imports it first.
TOOL_MODULES = (patients, scheduling, practice_info, referrals, handoff)

# The order a model and a person read the catalog in: front desk first, then referrals.
ORDER = (
    "lookup_patient",
    "lookup_patient_by_phone",
    "create_new_patient",
    "get_patient_appointments",
    "get_available_slots",
    "find_next_available",
    "schedule_appointment",
    "cancel_appointment",
    "reschedule_appointment",
    "get_patient_insurance",
    "get_providers",
    "get_provider_info",
    "get_services",
    "get_office_hours",
    "get_patient_referrals",
    "update_referral_status",
    "transfer_to_staff",
    "send_confirmation",
    "record_consent",
)

DEFAULT_HINTS = {
    "not_found": "Check the id or spelling; the matching get_ tool lists what exists.",
    "ambiguous": "Ask for one more detail that tells the matches apart.",
    "not_verified": "Verify the caller first with lookup_patient (full name and date of birth).",
    "slot_taken": "Offer other times from get_available_slots; this one is gone.",
    "out_of_network": "Offer a provider who takes the patient's plan, or transfer_to_staff.",
    "invalid_argument": "Fix the named argument and call again.",
    "outside_hours": "Offer a time inside office hours (get_office_hours).",
    "illegal_transition": "Read the current status with get_patient_referrals first.",
    "duplicate": "The record exists already; look it up instead of creating it.",
    "conflict": "Call again with the same arguments.",
    "forbidden": "This actor may not do that; use transfer_to_staff if a person must.",
    "rate_limited": "Wait a little, then call again.",
    "unavailable": "Call again shortly, or transfer_to_staff.",
    "opted_out": "Respect the opt-out: do not contact the patient that way.",
    "internal": "Apologise, do not retry this call, and offer transfer_to_staff.",
}


def call(
    session: Session,
    ctx: ToolContext,
    name: str,
    arguments: dict[str, Any] | None,
    *,
    idempotency_key: str | None = None,
) -> ToolOutcome:
    """Run tool `name` with `arguments` for `ctx` and record the call.

    Returns a ToolOutcome; never raises for the tool's failures. The caller owns the
    transaction: the tool's changes and the ToolCall row are flushed, not committed.
    """
    started = perf_counter()
    given = {} if arguments is None else arguments
    outcome = _outcome(session, ctx, name, given, idempotency_key)
    latency_ms = (perf_counter() - started) * 1000
    recording.record_call(
        session, ctx, name, given, outcome, latency_ms=latency_ms, idempotency_key=idempotency_key
    )
    return outcome


def tools() -> list[Tool]:
    """Every registered tool, in catalog order."""
    rank = {name: index for index, name in enumerate(ORDER)}
    return sorted(registry.all_tools(), key=lambda tool: rank.get(tool.name, len(rank)))


def schemas(role: str = "agent") -> list[dict[str, Any]]:
    """OpenAI-style function schemas of every tool `role` may call."""
    return [function_schema(tool, role) for tool in tools() if tool.allows(role)]


def describe() -> list[dict[str, Any]]:
    """The catalog for people: name, description, parameters (staff view), roles."""
    return [
        {
            "name": tool.name,
            "description": tool.description,
            "parameters": parameters_schema(tool, "staff"),
            "roles": sorted(tool.roles | {"admin"}),
            "writes": tool.writes,
        }
        for tool in tools()
    ]


def tool_names() -> list[str]:
    return [tool.name for tool in tools()]


def _outcome(
    session: Session, ctx: ToolContext, name: str, arguments: Any, key: str | None
) -> ToolOutcome:
    try:
        tool = _find(name)
        _authorize(tool, ctx)
        # Before the tool's savepoint: a failed attempt must still be counted.
        identity_limits.count_attempt(session, ctx, tool.name)
        args = _parse(tool, arguments)
        identity_limits.refuse_locked_name(session, ctx, args)
        outcome = _run(session, ctx, tool, args, key)
        # After the savepoint: a failed check must be counted against the name.
        identity_limits.count_name_outcome(session, ctx, tool.name, args, outcome)
        return outcome
    except DomainError as exc:
        return ToolOutcome.failure(error_of(exc))


def _run(
    session: Session, ctx: ToolContext, tool: Tool, args: ToolArgs, key: str | None
) -> ToolOutcome:
    try:
        if tool.writes and key is not None:
            return _idempotent(session, ctx, tool, args, key)
        return _execute(session, ctx, tool, args)
    except DomainError as exc:
        return ToolOutcome.failure(error_of(exc))


def _find(name: str) -> Tool:
    tool = registry.find(name)
    if tool is None:
        raise NotFound(
            f"there is no tool named {name!r}",
            field="name",
            hint=f"Use one of: {', '.join(tool_names())}.",
        )
    return tool


def _authorize(tool: Tool, ctx: ToolContext) -> None:
    if not tool.allows(ctx.actor.role):
        raise Forbidden(
            f"role {ctx.actor.role!r} may not call {tool.name}; "
            f"it is for: {', '.join(sorted(tool.roles | {'admin'}))}"
        )


def _parse(tool: Tool, arguments: Any) -> ToolArgs:
    try:
        return tool.args_model.model_validate(arguments)
    except ValidationError as exc:
        raise InvalidArgument(_describe_problems(exc), field=_first_field(exc)) from None


def _describe_problems(exc: ValidationError) -> str:
    # Every problem at once, without echoing the value (it may be PHI).
    parts = []
    for problem in exc.errors(include_input=False, include_url=False):
        where = ".".join(str(part) for part in problem["loc"]) or "arguments"
        parts.append(f"{where}: {problem['msg']}")
    return "; ".join(parts)


def _first_field(exc: ValidationError) -> str | None:
    problems = exc.errors(include_input=False, include_url=False)
    if not problems or not problems[0]["loc"]:
        return None
    return ".".join(str(part) for part in problems[0]["loc"])


def _idempotent(
    session: Session, ctx: ToolContext, tool: Tool, args: ToolArgs, key: str
) -> ToolOutcome:
    idempotency.check_key(key)
    digest = idempotency.request_hash(ctx, args.model_dump(mode="json"))
    earlier = idempotency.find(session, ctx, tool.name, key)
    if earlier is not None:
        return idempotency.replay(earlier, digest)
    try:
        return _execute(session, ctx, tool, args, remember=(key, digest))
    except IntegrityError as exc:
        # Two retries raced: the loser's write was rolled back with its savepoint
        # and the winner's record is now visible, so answer as a replay.
        earlier = idempotency.find(session, ctx, tool.name, key)
        if earlier is None:
            return ToolOutcome.failure(error_of(_report(tool, ctx, exc)))
        return idempotency.replay(earlier, digest)


def _execute(
    session: Session,
    ctx: ToolContext,
    tool: Tool,
    args: ToolArgs,
    *,
    remember: tuple[str, str] | None = None,
) -> ToolOutcome:
    # A savepoint per call: a tool that fails half-way leaves nothing behind, and the
    # ToolCall row can still be written in the caller's transaction.
    try:
        with session.begin_nested():
            output = tool.handler(session, ctx, args)
            outcome = ToolOutcome.success(output.model_dump(mode="json"), output.actions())
            if remember is not None:
                idempotency.remember(session, ctx, tool.name, *remember, outcome)
        return outcome
    except DomainError:
        raise
    except IntegrityError as exc:
        if remember is not None:
            raise
        return ToolOutcome.failure(error_of(_report(tool, ctx, exc)))
    except Exception as exc:  # reported and turned into an outcome: nothing raises past here
        return ToolOutcome.failure(error_of(_report(tool, ctx, exc)))


def _report(tool: Tool, ctx: ToolContext, exc: Exception) -> InternalError:
    frames = traceback.extract_tb(exc.__traceback__)
    where = f"{frames[-1].filename.rsplit('/', 1)[-1]}:{frames[-1].lineno}" if frames else "?"
    log.error(
        "tool_internal_error",
        tool=tool.name,
        conversation_id=ctx.conversation_id,
        error_type=type(exc).__name__,
        where=where,
    )
    return InternalError(
        f"{tool.name} failed unexpectedly ({type(exc).__name__}); nothing was changed"
    )


def error_of(exc: DomainError) -> ToolError:
    """The tool error contract for a domain error."""
    return ToolError(
        code=exc.code,
        message=exc.message,
        retryable=exc.retryable,
        hint=exc.hint or DEFAULT_HINTS.get(exc.code),
        field=exc.field,
    )
