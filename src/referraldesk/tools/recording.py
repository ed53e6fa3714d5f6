"""What every tool call leaves behind: a ToolCall row, an audit record for PHI, a log line.

Arguments are stored in the database, which is PHI-protected storage, and never
logged: a log line carries the tool name, ids, the outcome code and the latency.
"""

from __future__ import annotations

import json
from typing import Any

from sqlalchemy.orm import Session

from referraldesk.audit import trail
from referraldesk.logging import get_logger
from referraldesk.models import ToolCall
from referraldesk.tools.contract import ToolContext, ToolOutcome

log = get_logger(__name__)


def jsonable(value: Any) -> Any:
    """Return `value` as plain JSON data (dates and other objects become strings)."""
    return json.loads(json.dumps(value, default=str))


def record_call(
    session: Session,
    ctx: ToolContext,
    name: str,
    arguments: Any,
    outcome: ToolOutcome,
    *,
    latency_ms: float,
    idempotency_key: str | None,
) -> ToolCall:
    """Store one call on its conversation (or on none, for staff and integrations)."""
    error = outcome.error.model_dump() if outcome.error else None
    row = ToolCall(
        conversation_id=ctx.conversation_id,
        name=name[:64],
        arguments=jsonable(arguments)
        if isinstance(arguments, dict)
        else {"_raw": jsonable(arguments)},
        result=outcome.data if outcome.ok else None,
        error_code=outcome.error.code if outcome.error else None,
        error=error,
        latency_ms=latency_ms,
        actor=ctx.actor.name[:120],
        idempotency_key=idempotency_key,
        at=ctx.now(),
    )
    session.add(row)
    session.flush()
    log.info(
        "tool_called",
        tool=name,
        conversation_id=ctx.conversation_id,
        tool_call_id=row.id,
        role=ctx.actor.role,
        ok=outcome.ok,
        error_code=row.error_code,
        replayed=outcome.replayed,
        latency_ms=round(latency_ms, 1),
    )
    return row


def audit(
    session: Session,
    ctx: ToolContext,
    action: str,
    resource_type: str,
    resource_id: str | None,
    *,
    patient_id: str | None,
    reason: str | None = None,
) -> None:
    """Record a read or change of one patient's data in the audit trail."""
    trail.record(
        session,
        ctx.actor,
        action,
        resource_type,
        resource_id,
        patient_id=patient_id,
        conversation_id=ctx.conversation_id,
        reason=reason,
    )
