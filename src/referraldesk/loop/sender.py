"""Send the due messages of the outbox, retrying with back-off until acknowledged.

Back-off: 5 minutes after the first failure, doubling up to 12 hours; after
`MAX_ATTEMPTS` tries (about four days) the message is marked failed for a person.
Messages of one referral go in the order they were written: a later one waits
while an earlier one is still pending, so a referrer never hears "scheduled"
before "accepted".
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from referraldesk.clock import now as clock_now
from referraldesk.logging import get_logger
from referraldesk.loop.outbox import SENDABLE_PROTOCOLS
from referraldesk.loop.transports import ACKED, FAILED, Delivery, Transport, default_transports
from referraldesk.models import OutboundMessage, ReferringPractice

log = get_logger(__name__)

FIRST_RETRY = timedelta(minutes=5)
LONGEST_RETRY = timedelta(hours=12)
MAX_ATTEMPTS = 14
BATCH = 200


@dataclass
class SendReport:
    acked: list[str] = field(default_factory=list)
    retrying: list[str] = field(default_factory=list)
    failed: list[str] = field(default_factory=list)
    waiting: list[str] = field(default_factory=list)


def send_due(
    session: Session,
    *,
    now: datetime | None = None,
    transports: dict[str, Transport] | None = None,
) -> SendReport:
    """Try every pending message whose time has come; each in its own savepoint."""
    at = now or clock_now()
    carriers = transports or default_transports()
    report = SendReport()
    for message in _due(session, at):
        if _earlier_pending(session, message):
            report.waiting.append(message.id)
            continue
        try:
            with session.begin_nested():
                _send_one(session, message, carriers, at, report)
        except Exception as exc:  # protects the batch: one bad row is logged and left for later
            log.error(
                "outbound_send_crashed", outbound_message_id=message.id, error=type(exc).__name__
            )
    return report


def backoff(attempts: int) -> timedelta:
    """How long to wait after the `attempts`-th failed try."""
    delay = FIRST_RETRY * 2 ** max(attempts - 1, 0)
    return min(delay, LONGEST_RETRY)


def _due(session: Session, at: datetime) -> list[OutboundMessage]:
    query = (
        select(OutboundMessage)
        .where(
            OutboundMessage.status == "pending",
            OutboundMessage.protocol.in_(SENDABLE_PROTOCOLS),
            OutboundMessage.next_attempt_at <= at,
        )
        .order_by(OutboundMessage.created_at, OutboundMessage.id)
        .limit(BATCH)
    )
    if session.get_bind().dialect.name == "postgresql":
        # Race: two workers sending the same batch would deliver each message twice.
        query = query.with_for_update(skip_locked=True)
    return list(session.scalars(query))


def _earlier_pending(session: Session, message: OutboundMessage) -> bool:
    earlier = session.scalar(
        select(OutboundMessage.id)
        .where(
            OutboundMessage.referral_id == message.referral_id,
            OutboundMessage.practice_id == message.practice_id,
            OutboundMessage.status == "pending",
            OutboundMessage.protocol.in_(SENDABLE_PROTOCOLS),
            OutboundMessage.created_at < message.created_at,
        )
        .limit(1)
    )
    return earlier is not None


def _send_one(
    session: Session,
    message: OutboundMessage,
    carriers: dict[str, Transport],
    at: datetime,
    report: SendReport,
) -> None:
    practice = session.get(ReferringPractice, message.practice_id)
    endpoint = practice.endpoint if practice else None
    carrier = carriers.get(message.protocol)
    if not endpoint or carrier is None:
        delivery = Delivery(
            FAILED,
            f"referring practice has no endpoint for {message.protocol}; "
            "set one in the practice file",
        )
    else:
        delivery = carrier.deliver(message, endpoint)
    _record(message, delivery, at)
    session.flush()
    outcomes = {"acked": report.acked, "failed": report.failed}
    outcomes.get(message.status, report.retrying).append(message.id)
    log.info(
        "outbound_attempt",
        outbound_message_id=message.id,
        referral_id=message.referral_id,
        outcome=delivery.outcome,
        attempts=message.attempts,
    )


def _record(message: OutboundMessage, delivery: Delivery, at: datetime) -> None:
    message.attempts += 1
    message.sent_at = message.sent_at or at
    message.last_error = delivery.detail[:500] if delivery.detail else None
    if delivery.outcome == ACKED:
        message.status, message.acked_at, message.next_attempt_at = "acked", at, None
    elif delivery.outcome == FAILED or message.attempts >= MAX_ATTEMPTS:
        message.status, message.next_attempt_at = "failed", None
    else:
        message.next_attempt_at = at + backoff(message.attempts)
