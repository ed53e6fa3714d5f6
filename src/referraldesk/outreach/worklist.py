"""The coordinators' outreach worklist: referrals not booked yet, most pressing first.

Urgent before routine, then the earliest target date, then the oldest referral.
Each row carries the patient's attempts and what outreach will do next, or why it
cannot (opted out, no consent, no Twilio credentials ...), so staff know whom to
call by hand.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from datetime import date, datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from referraldesk.models import OutreachAttempt, Referral
from referraldesk.outreach import plan
from referraldesk.outreach.hours import patient_zones
from referraldesk.outreach.service import attempts_of, outreach_context

_URGENCY_ORDER = {"urgent": 0, "routine": 1}


@dataclass(frozen=True)
class AttemptView:
    channel: str
    at: str
    status: str
    reason: str | None
    conversation_id: str | None
    round: int


@dataclass(frozen=True)
class WorklistItem:
    referral_id: str
    patient_id: str
    status: str
    urgency: str
    specialty: str
    target_date: str | None
    received_at: str
    age_days: int
    language: str
    zones: list[str]
    rounds: int
    max_attempts: int
    next_step: str
    next_attempt_at: str | None
    blocked_reason: str | None
    last_skip_reason: str | None
    attempts: list[AttemptView]

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


def worklist(session: Session, *, now: datetime | None = None) -> list[WorklistItem]:
    """Every referral waiting for the patient to book, most pressing first."""
    context = outreach_context(session, now)
    referrals = session.scalars(
        select(Referral).where(Referral.status.in_(plan.WAITING_STATES))
    ).all()
    ordered = sorted(referrals, key=lambda r: _priority(r))
    return [_item(context, referral, attempts_of(session, referral.id)) for referral in ordered]


def _priority(referral: Referral) -> tuple[int, date, datetime, str]:
    return (
        _URGENCY_ORDER.get(referral.urgency, 1),
        referral.target_date or date.max,
        referral.received_at,
        referral.id,
    )


def _item(
    context: plan.Context, referral: Referral, attempts: list[OutreachAttempt]
) -> WorklistItem:
    patient = referral.patient
    decision = plan.decide(context, referral, patient, attempts)
    skipped = [a for a in attempts if a.status == "skipped"]
    return WorklistItem(
        referral_id=referral.id,
        patient_id=patient.id,
        status=referral.status,
        urgency=referral.urgency,
        specialty=referral.specialty_key,
        target_date=referral.target_date.isoformat() if referral.target_date else None,
        received_at=referral.received_at.isoformat(),
        age_days=(context.now - referral.received_at).days,
        language=patient.preferred_language,
        zones=list(patient_zones(patient, context.practice_zone)),
        rounds=decision.rounds,
        max_attempts=context.policy.max_attempts,
        next_step=decision.action,
        next_attempt_at=decision.next_at.isoformat() if decision.next_at else None,
        blocked_reason=decision.reason if decision.action == plan.BLOCKED else None,
        last_skip_reason=skipped[-1].reason if skipped else None,
        attempts=[_attempt_view(a) for a in attempts],
    )


def _attempt_view(attempt: OutreachAttempt) -> AttemptView:
    return AttemptView(
        channel=attempt.channel,
        at=attempt.at.isoformat(),
        status=attempt.status,
        reason=attempt.reason,
        conversation_id=attempt.conversation_id,
        round=attempt.round,
    )
