"""Idempotent writes: the same key returns the first result and changes nothing.

Keys are scoped by tool. The stored request hash covers the arguments and who acts
(the actor and the verified patient), so a key reused with other arguments, or by
another conversation, is refused instead of leaking the first caller's result.
Only successful results are remembered: a failed write changed nothing, so its
retry is free to try again.
"""

from __future__ import annotations

import hashlib
import json
from typing import Any

from sqlalchemy.orm import Session

from referraldesk.errors import InvalidArgument
from referraldesk.models import IdempotencyRecord
from referraldesk.tools.contract import ToolContext, ToolOutcome

MAX_KEY_LENGTH = 128


def check_key(key: str) -> None:
    if not key.strip() or len(key) > MAX_KEY_LENGTH:
        raise InvalidArgument(
            f"idempotency key of {len(key)} characters is not usable: "
            f"send 1 to {MAX_KEY_LENGTH} visible characters, e.g. a UUID",
            field="idempotency_key",
        )


def request_hash(ctx: ToolContext, arguments: dict[str, Any]) -> str:
    payload = {
        "arguments": arguments,
        "actor": ctx.actor.name,
        "patient": ctx.verified_patient_id,
    }
    canonical = json.dumps(payload, sort_keys=True, separators=(",", ":"), default=str)
    return hashlib.sha256(canonical.encode()).hexdigest()


def _scoped(actor: str, tool: str, key: str) -> str:
    # Each client has its own key space: one integration's keys must not collide
    # with (or be used up by) another's.
    digest = hashlib.sha256(f"{actor}|{tool}|{key}".encode()).hexdigest()
    return f"{tool}:{digest}"


def find(session: Session, ctx: ToolContext, tool: str, key: str) -> IdempotencyRecord | None:
    return session.get(IdempotencyRecord, _scoped(ctx.actor.name, tool, key))


def replay(record: IdempotencyRecord, digest: str) -> ToolOutcome:
    """Return the remembered outcome, or refuse a key reused for another request."""
    if record.request_hash != digest:
        raise InvalidArgument(
            "idempotency key reused with different arguments: "
            "send a new key for a new request, or the same arguments to repeat one",
            field="idempotency_key",
        )
    outcome = ToolOutcome.model_validate(record.response)
    return outcome.model_copy(update={"replayed": True})


def remember(
    session: Session, ctx: ToolContext, tool: str, key: str, digest: str, outcome: ToolOutcome
) -> None:
    session.add(
        IdempotencyRecord(
            key=_scoped(ctx.actor.name, tool, key),
            tool=tool,
            request_hash=digest,
            response=outcome.model_dump(mode="json"),
            created_at=ctx.now(),
        )
    )
    session.flush()
