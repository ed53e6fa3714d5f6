"""Append records to the audit trail and verify its hash chain.

Each record's hash covers its own fields and the previous record's hash, so an
edited, removed or reordered record breaks the chain at that point.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterator
from dataclasses import dataclass

from sqlalchemy import select, text
from sqlalchemy.orm import Session

from referraldesk.clock import now
from referraldesk.models.audit import AuditEvent

GENESIS_HASH = "0" * 64
# Any constant works; it only has to be the same for every writer.
_CHAIN_LOCK_KEY = 720_301
_CHAIN_LOCK_MARK = "referraldesk_audit_chain_locked"


@dataclass(frozen=True)
class Actor:
    """Who is acting: `name` like "agent:<conversation id>" or "staff:a@b.org"."""

    name: str
    role: str
    source_address: str | None = None


SYSTEM = Actor(name="system", role="system")


def record(
    session: Session,
    actor: Actor,
    action: str,
    resource_type: str,
    resource_id: str | None = None,
    *,
    patient_id: str | None = None,
    conversation_id: str | None = None,
    reason: str | None = None,
) -> AuditEvent:
    """Append one audit record in the caller's transaction."""
    lock_chain(session)
    previous = session.scalar(select(AuditEvent.hash).order_by(AuditEvent.seq.desc()).limit(1))
    event = AuditEvent(
        at=now(),
        actor=actor.name,
        role=actor.role,
        action=action,
        resource_type=resource_type,
        resource_id=resource_id,
        patient_id=patient_id,
        conversation_id=conversation_id,
        source_address=actor.source_address,
        reason=reason,
        prev_hash=previous or GENESIS_HASH,
    )
    event.hash = event_hash(event)
    session.add(event)
    session.flush()
    return event


def lock_chain(session: Session) -> None:
    """Take the audit chain's lock for this transaction (PostgreSQL; once per transaction).

    Two writers reading the same "previous hash" would fork the chain, so appending
    holds a lock until commit. A writer that locks rows (a provider, a referral) and
    audits afterwards must take this lock FIRST: otherwise one transaction holding
    the chain and waiting for a row, and another holding the row and waiting for the
    chain, deadlock. SQLite already serializes writers (BEGIN IMMEDIATE).
    """
    if session.get_bind().dialect.name != "postgresql":
        return
    transaction = session.get_transaction()
    marker = id(transaction) if transaction is not None else None
    if session.info.get(_CHAIN_LOCK_MARK) == marker:
        return
    session.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": _CHAIN_LOCK_KEY})
    session.info[_CHAIN_LOCK_MARK] = marker


def event_hash(event: AuditEvent) -> str:
    payload = {
        "at": event.at.isoformat(),
        "actor": event.actor,
        "role": event.role,
        "action": event.action,
        "resource_type": event.resource_type,
        "resource_id": event.resource_id,
        "patient_id": event.patient_id,
        "conversation_id": event.conversation_id,
        "source_address": event.source_address,
        "reason": event.reason,
        "prev_hash": event.prev_hash,
    }
    canonical = json.dumps(payload, sort_keys=True, separators=(",", ":"))
    return hashlib.sha256(canonical.encode()).hexdigest()


@dataclass(frozen=True)
class ChainProblem:
    seq: int
    problem: str


def verify(session: Session) -> Iterator[ChainProblem]:
    """Yield every place where the chain does not hold."""
    expected_prev = GENESIS_HASH
    for event in session.scalars(select(AuditEvent).order_by(AuditEvent.seq)):
        if event.prev_hash != expected_prev:
            yield ChainProblem(event.seq, "does not follow the record before it (removed or reordered)")
        if event_hash(event) != event.hash:
            yield ChainProblem(event.seq, "its content was changed after it was written")
        expected_prev = event.hash
