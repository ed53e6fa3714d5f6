"""Moving a referral from one state to the next, and writing down each move.

Every move is checked against the lifecycle table, written to the referral's
history (who, when, why, and the message that caused it) and to the audit trail.
"""

from __future__ import annotations

from sqlalchemy.orm import Session

from referraldesk.audit import trail
from referraldesk.audit.trail import Actor, lock_chain
from referraldesk.clock import now
from referraldesk.logging import get_logger
from referraldesk.models import Referral, ReferralTransition
from referraldesk.referrals.lifecycle import LEAKING, check_leakage, check_transition

log = get_logger(__name__)


def transition(
    session: Session,
    actor: Actor,
    referral: Referral,
    to_status: str,
    *,
    reason: str | None = None,
    leakage_reason: str | None = None,
    source_message_id: str | None = None,
) -> Referral:
    """Move a referral to `to_status`, recording who, when, why and the causing message.

    Raises IllegalTransition (naming the legal moves) or InvalidArgument when a
    lost state (rejected, declined, unreachable, expired) has no leakage reason.
    """
    _lock(session, referral)
    from_status = referral.status
    check_transition(from_status, to_status)
    check_leakage(to_status, leakage_reason)

    referral.status = to_status
    if to_status in LEAKING:
        referral.leakage_reason = leakage_reason
    append_history(referral, from_status, to_status, actor, reason, source_message_id)
    session.flush()

    trail.record(
        session,
        actor,
        "update",
        "referral",
        referral.id,
        patient_id=referral.patient_id,
        reason=f"status {from_status} -> {to_status}",
    )
    log.info(
        "referral_transition",
        referral_id=referral.id,
        from_status=from_status,
        to_status=to_status,
        leakage_reason=leakage_reason,
    )
    _tell_referrer(session, referral, to_status)
    return referral


def append_history(
    referral: Referral,
    from_status: str | None,
    to_status: str,
    actor: Actor,
    reason: str | None,
    source_message_id: str | None,
) -> None:
    seq = max((step.seq for step in referral.history), default=0) + 1
    referral.history.append(
        ReferralTransition(
            seq=seq,
            from_status=from_status,
            to_status=to_status,
            at=now(),
            actor=actor.name,
            reason=reason,
            source_message_id=source_message_id,
        )
    )


def _tell_referrer(session: Session, referral: Referral, to_status: str) -> None:
    # Loop closure: the message back to the referring practice is written in this
    # same transaction (an outbox), so it goes out only if the move commits.
    # Imported here: the loop package builds on this one.
    from referraldesk.loop.outbox import queue_for_transition

    queue_for_transition(session, referral, to_status)


def _lock(session: Session, referral: Referral) -> None:
    # Race: an outreach job and a caller's booking move the same referral at once;
    # both would read the old status and write clashing histories. Re-read the row
    # under FOR UPDATE (PostgreSQL; SQLite already serializes writers).
    if referral.id is None or session.get_bind().dialect.name != "postgresql":
        return
    lock_chain(session)  # before the row: see audit.trail.lock_chain
    session.flush()
    session.refresh(referral, with_for_update=True)
