"""Append records to the audit trail and verify its keyed hash chain.

Each record's hash is an HMAC, under the audit key kept outside the database
(`audit/key.py`), of its own fields and the previous record's hash: an edited,
removed or reordered record breaks the chain at that point, and someone who can
write to the database but not read the key cannot re-compute the hashes to hide it.
Records cut off the end leave no break behind them; the checkpoint of the chain's
head (`audit/checkpoint.py`) catches those. On PostgreSQL a trigger also refuses
UPDATE, DELETE and TRUNCATE of audit_events (migration 0002).
"""

from __future__ import annotations

import hashlib
import hmac
import json
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from sqlalchemy import select, text
from sqlalchemy.orm import Session

from referraldesk.audit.key import audit_key
from referraldesk.clock import now
from referraldesk.models.audit import AuditEvent

if TYPE_CHECKING:
    from referraldesk.audit.checkpoint import Checkpoint

GENESIS_HASH = "0" * 64
# Keeps a record's hash and the checkpoint's seal (the same key) from ever colliding.
_RECORD_PURPOSE = b"referraldesk audit record v1\x00"
CHANGED = "its content was changed after it was written"
DISCONNECTED = "does not follow the record before it (removed or reordered)"
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
    )
    _chain(session, [event])
    return event


def record_shown(
    session: Session,
    actor: Actor,
    resource_type: str,
    patient_ids: Iterable[str | None],
    *,
    reason: str,
    action: str = "read",
) -> list[AuditEvent]:
    """Append one record per patient a list view showed, in the caller's transaction.

    So "who saw patient X" finds list views too (search results, the schedule, the
    boards), not only a patient's own page. Each distinct patient gets one record
    (ids of None, rows without a patient, are dropped); a view that showed nobody
    still gets one record without a patient, since looking is itself an access.
    The records are chained in order under one lock and written in one flush.
    """
    shown: list[str | None] = list(dict.fromkeys(patient for patient in patient_ids if patient))
    lock_chain(session)
    at = now()
    events = [
        AuditEvent(
            at=at,
            actor=actor.name,
            role=actor.role,
            action=action,
            resource_type=resource_type,
            resource_id=None,
            patient_id=patient_id,
            conversation_id=None,
            source_address=actor.source_address,
            reason=reason,
        )
        for patient_id in shown or [None]
    ]
    _chain(session, events)
    return events


def _chain(session: Session, events: list[AuditEvent]) -> None:
    """Link `events` after the chain's head, in order, and write them in one flush.

    The caller holds the chain's lock. On PostgreSQL the flush is one INSERT whose
    rows take their sequence numbers in list order (SQLAlchemy's insertmanyvalues
    with its sentinel ORDER BY), so `seq` order is the order they were chained in;
    SQLite, where that order cannot be asked for, gets one INSERT per row.
    """
    previous = session.scalar(select(AuditEvent.hash).order_by(AuditEvent.seq.desc()).limit(1))
    for event in events:
        event.prev_hash = previous or GENESIS_HASH
        event.hash = previous = event_hash(event)
    session.add_all(events)
    session.flush()


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
    # No transaction yet (nothing ran in this session) means no lock yet either.
    if transaction is not None and session.info.get(_CHAIN_LOCK_MARK) == id(transaction):
        return
    session.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": _CHAIN_LOCK_KEY})
    session.info[_CHAIN_LOCK_MARK] = id(session.get_transaction())


def event_hash(event: AuditEvent) -> str:
    """The record's keyed hash: HMAC-SHA256 under the audit key, hex."""
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
    message = _RECORD_PURPOSE + canonical.encode()
    return hmac.new(audit_key(), message, hashlib.sha256).hexdigest()


@dataclass(frozen=True)
class ChainProblem:
    seq: int
    problem: str


@dataclass(frozen=True)
class ChainHead:
    """The newest record: its sequence number and hash."""

    seq: int
    hash: str


@dataclass
class ChainReport:
    records: int = 0
    head: ChainHead | None = None
    problems: list[ChainProblem] = field(default_factory=list)

    @property
    def every_record_changed(self) -> bool:
        """True when no record's hash matches: the sign of the wrong audit key."""
        changed = sum(1 for problem in self.problems if problem.problem == CHANGED)
        return self.records > 1 and changed == self.records


def verify(session: Session, checkpoint: Checkpoint | None = None) -> Iterator[ChainProblem]:
    """Yield every place where the chain does not hold, oldest first.

    With a checkpoint, also where the trail no longer reaches the record the
    checkpoint saw (the newest records were removed) or holds another record there.
    """
    yield from _walk(session, ChainReport(), checkpoint, from_checkpoint=False)


def check(
    session: Session, checkpoint: Checkpoint | None = None, *, from_checkpoint: bool = False
) -> ChainReport:
    """Verify and count; `from_checkpoint` checks only the checkpoint's record onwards
    (the periodic job: what came before was checked when the checkpoint was written)."""
    report = ChainReport()
    report.problems = list(_walk(session, report, checkpoint, from_checkpoint))
    return report


def _walk(
    session: Session, report: ChainReport, checkpoint: Checkpoint | None, from_checkpoint: bool
) -> Iterator[ChainProblem]:
    query = select(AuditEvent).order_by(AuditEvent.seq).execution_options(yield_per=1000)
    expected_prev: str | None = GENESIS_HASH
    if from_checkpoint and checkpoint is not None:
        query = query.where(AuditEvent.seq >= checkpoint.seq)
        expected_prev = None  # the first record is the checkpoint's own, compared below
    saw_checkpoint = False
    for event in session.scalars(query):
        if checkpoint is not None and event.seq == checkpoint.seq:
            saw_checkpoint = True
            if event.hash != checkpoint.hash:
                yield ChainProblem(
                    event.seq,
                    f"is not the record the checkpoint of "
                    f"{checkpoint.when} saw (the trail was rolled "
                    "back or rewritten from here on)",
                )
        if expected_prev is not None and event.prev_hash != expected_prev:
            yield ChainProblem(event.seq, DISCONNECTED)
        if event_hash(event) != event.hash:
            yield ChainProblem(event.seq, CHANGED)
        expected_prev = event.hash
        report.records += 1
        report.head = ChainHead(event.seq, event.hash)
    if checkpoint is not None:
        yield from _against_checkpoint(report.head, checkpoint, saw_checkpoint)


def _against_checkpoint(
    head: ChainHead | None, checkpoint: Checkpoint, saw_checkpoint: bool
) -> Iterator[ChainProblem]:
    if head is None or head.seq < checkpoint.seq:
        ends = f"ends at record {head.seq}" if head else "is empty"
        yield ChainProblem(
            checkpoint.seq,
            f"is missing: the checkpoint of {checkpoint.when} "
            f"saw the trail reach it, and the trail now {ends} "
            "(the newest records were removed)",
        )
    elif not saw_checkpoint:
        yield ChainProblem(
            checkpoint.seq, f"is missing: the checkpoint of {checkpoint.when} saw it"
        )
