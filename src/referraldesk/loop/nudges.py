"""Referrals that need the referring practice's help, grouped by practice.

A referral needs a nudge when it waits on information only the referrer has
(needs_info), or when it is still unbooked past its target date (received,
accepted, contacting, no_show): the referrer may know a better number, or can
encourage the patient to call.

A practice with status letters waiting is listed too, even with nothing to nudge:
those letters are how it hears back, and staff must fax or phone them. A practice
not in the practice file (protocol "none") says so in `tell_by_hand`.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from datetime import date
from typing import Any

from sqlalchemy import func, or_, select
from sqlalchemy.orm import Session

from referraldesk.loop.outbox import LETTER
from referraldesk.models import OutboundMessage, Referral, ReferringPractice
from referraldesk.referrals.lifecycle import ACCEPTED, CONTACTING, NEEDS_INFO, NO_SHOW, RECEIVED
from referraldesk.referrals.referrers import TELL_BY_HAND, can_be_told

STUCK_STATES = (RECEIVED, ACCEPTED, CONTACTING, NO_SHOW)
_NEEDS = {
    RECEIVED: "waiting for our coordinator's decision",
    ACCEPTED: "we are starting to contact the patient",
    CONTACTING: "we have not reached the patient yet; please confirm the phone number "
    "or ask the patient to call us",
    NO_SHOW: "the patient missed the visit; please encourage them to rebook",
}


@dataclass(frozen=True)
class Nudge:
    referral_id: str
    patient_id: str
    placer_id: str | None
    status: str
    specialty: str
    target_date: str | None
    days_past_target: int | None
    outreach_attempts: int
    needs: str


@dataclass
class PracticeNudges:
    practice_id: str | None
    practice_name: str
    protocol: str | None
    fax: str | None
    referrals: list[Nudge] = field(default_factory=list)
    # Status letters not yet faxed or phoned through (loop/outbox.py).
    letters_waiting: int = 0
    # Set when the practice file says nothing of how the practice takes replies.
    tell_by_hand: str | None = None

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


def nudge_list(
    session: Session, today: date, *, practice_id: str | None = None
) -> list[PracticeNudges]:
    """Every referring practice with referrals that need its help, most overdue first."""
    query = (
        select(Referral)
        .where(
            or_(
                Referral.status == NEEDS_INFO,
                Referral.status.in_(STUCK_STATES) & (Referral.target_date < today),
            )
        )
        .order_by(Referral.target_date.is_(None), Referral.target_date, Referral.received_at)
    )
    if practice_id is not None:
        query = query.where(Referral.referring_practice_id == practice_id)
    groups: dict[str | None, PracticeNudges] = {}
    for referral in session.scalars(query):
        group = groups.get(referral.referring_practice_id)
        if group is None:
            group = groups[referral.referring_practice_id] = _group(referral.referring_practice)
        group.referrals.append(_nudge(referral, today))
    for practice, waiting in _letters_waiting(session, practice_id):
        group = groups.get(practice.id)
        if group is None:
            group = groups[practice.id] = _group(practice)
        group.letters_waiting = waiting
    return sorted(
        groups.values(), key=lambda g: (-len(g.referrals), -g.letters_waiting, g.practice_name)
    )


def _letters_waiting(
    session: Session, practice_id: str | None
) -> list[tuple[ReferringPractice, int]]:
    query = (
        select(ReferringPractice, func.count(OutboundMessage.id))
        .join(OutboundMessage, OutboundMessage.practice_id == ReferringPractice.id)
        .where(OutboundMessage.message_type == LETTER, OutboundMessage.status == "pending")
        .group_by(ReferringPractice.id)
    )
    if practice_id is not None:
        query = query.where(ReferringPractice.id == practice_id)
    return [(practice, int(count)) for practice, count in session.execute(query).all()]


def _group(practice: ReferringPractice | None) -> PracticeNudges:
    if practice is None:
        return PracticeNudges(None, "(no referring practice)", None, None)
    return PracticeNudges(
        practice.id,
        practice.name,
        practice.protocol,
        practice.fax,
        tell_by_hand=None if can_be_told(practice) else TELL_BY_HAND,
    )


def _nudge(referral: Referral, today: date) -> Nudge:
    target = referral.target_date
    return Nudge(
        referral_id=referral.id,
        patient_id=referral.patient_id,
        placer_id=referral.placer_id,
        status=referral.status,
        specialty=referral.specialty_key,
        target_date=target.isoformat() if target else None,
        days_past_target=(today - target).days if target and target < today else None,
        outreach_attempts=referral.outreach_attempts or 0,
        needs=_needs(referral),
    )


def _needs(referral: Referral) -> str:
    if referral.status == NEEDS_INFO:
        asked = next(
            (step.reason for step in reversed(referral.history) if step.to_status == NEEDS_INFO),
            None,
        )
        return f"please send what is missing ({asked})" if asked else "please send what is missing"
    return _NEEDS.get(referral.status, referral.status)
