"""The Today worklist: conversations now and today, bookings, people waiting, outreach due,
booked referrals still missing information.

The long lists (people waiting, flagged conversations, outreach due) are read one
page at a time: a `Window` says which rows, and the total is counted on its own,
so Today can say how many there are and page through all of them.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from sqlalchemy import case, exists, func, select
from sqlalchemy.orm import Session, selectinload

from referraldesk.admin.queries.common import person_name
from referraldesk.models import (
    Appointment,
    Conversation,
    ConversationAnalysis,
    Patient,
    Provider,
    Referral,
    StaffTask,
)
from referraldesk.outreach import plan
from referraldesk.outreach.service import attempts_of, outreach_context
from referraldesk.referrals.lifecycle import NEEDS_INFO

# A booking linked the referral, but the lifecycle has no move from needs_info to
# scheduled (referrals/appointments.py): a coordinator must settle what is missing.
_BOOKED_NEEDING_INFO = (
    (Referral.status == NEEDS_INFO)
    & (Appointment.id == Referral.appointment_id)
    & (Appointment.status == "booked")
)

_URGENCY_FIRST = case((StaffTask.urgency == "urgent", 0), (StaffTask.urgency == "soon", 1), else_=2)
# Flagged by the post-call analysis, and no person has a task for it (open or done).
_FLAGGED_UNTASKED = (
    ConversationAnalysis.is_current.is_(True)
    & ConversationAnalysis.escalation_flag.is_(True)
    & ~exists().where(StaffTask.conversation_id == ConversationAnalysis.conversation_id)
)


@dataclass(frozen=True)
class Window:
    """Which rows of a list to read: page `page` (from 1) of `size` rows."""

    page: int
    size: int

    @property
    def offset(self) -> int:
        return (max(self.page, 1) - 1) * self.size


@dataclass(frozen=True)
class FlaggedRow:
    conversation: Conversation
    patient_name: str
    reason: str | None
    summary: str | None


@dataclass(frozen=True)
class BookedNeedingInfoRow:
    referral: Referral
    appointment: Appointment
    patient_name: str
    missing: str | None


@dataclass(frozen=True)
class OutreachRow:
    referral: Referral
    patient_name: str
    overdue: bool
    next_step: str
    next_at: datetime | None
    blocked_reason: str | None
    rounds: int


def conversation_counts(session: Session, start: datetime, end: datetime) -> dict[str, Any]:
    """Conversations going on now, and today's by outcome (started in [start, end))."""
    active = session.scalar(
        select(func.count()).select_from(Conversation).where(Conversation.status == "active")
    ) or 0
    rows = session.execute(
        select(Conversation.outcome, func.count())
        .where(Conversation.started_at >= start, Conversation.started_at < end,
               Conversation.status == "ended")
        .group_by(Conversation.outcome)
    ).all()
    by_outcome = {outcome or "none": count for outcome, count in rows}
    return {"active": active, "ended": sum(by_outcome.values()), "by_outcome": by_outcome}


def active_conversations(session: Session, limit: int = 10) -> list[Conversation]:
    return list(session.scalars(
        select(Conversation).where(Conversation.status == "active")
        .order_by(Conversation.last_activity_at.desc()).limit(limit)
    ))


def bookings(session: Session, start: datetime, end: datetime, limit: int = 12) -> dict[str, Any]:
    """Appointments booked in [start, end), newest first, with who and with whom."""
    in_range = (Appointment.booked_at >= start) & (Appointment.booked_at < end)
    total = session.scalar(select(func.count()).select_from(Appointment).where(in_range)) or 0
    by_channel = dict(session.execute(
        select(Appointment.channel, func.count()).where(in_range).group_by(Appointment.channel)
    ).all())
    rows = session.execute(
        select(Appointment, Patient.given_names, Patient.surnames, Provider.given_name,
               Provider.family_name, Provider.title)
        .join(Patient, Patient.id == Appointment.patient_id)
        .join(Provider, Provider.id == Appointment.provider_id)
        .where(in_range).order_by(Appointment.booked_at.desc()).limit(limit)
    ).all()
    items = [
        {"appointment": appointment, "patient": person_name(given, surnames),
         "provider": " ".join(part for part in (title, p_given, p_family) if part)}
        for appointment, given, surnames, p_given, p_family, title in rows
    ]
    return {"total": total, "by_channel": by_channel, "rows": items}


def open_tasks(session: Session, window: Window = Window(1, 50)) -> dict[str, Any]:
    """Transfers and callback requests waiting for a person, most urgent and oldest first."""
    total = session.scalar(
        select(func.count()).select_from(StaffTask).where(StaffTask.status == "open")
    ) or 0
    rows = session.execute(
        select(StaffTask, Patient.given_names, Patient.surnames)
        .outerjoin(Patient, Patient.id == StaffTask.patient_id)
        .where(StaffTask.status == "open")
        .order_by(_URGENCY_FIRST, StaffTask.created_at, StaffTask.id)
        .offset(window.offset).limit(window.size)
    ).all()
    items = [{"task": task, "patient": person_name(given, surnames)}
             for task, given, surnames in rows]
    return {"total": total, "rows": items}


def flagged_without_task(session: Session, window: Window = Window(1, 10)) -> dict[str, Any]:
    """Conversations the post-call analysis flagged for a person that no staff task covers
    (the agent did not hand them over), newest first.

    Transfers and callback requests already wait in `open_tasks`; these are the rest:
    an emergency, a caller who was upset or could not be verified, a system that failed.
    """
    total = session.scalar(
        select(func.count()).select_from(ConversationAnalysis).where(_FLAGGED_UNTASKED)
    ) or 0
    rows = session.execute(
        select(Conversation, ConversationAnalysis.escalation_reason, ConversationAnalysis.summary,
               Patient.given_names, Patient.surnames)
        .join(ConversationAnalysis, ConversationAnalysis.conversation_id == Conversation.id)
        .outerjoin(Patient, Patient.id == Conversation.patient_id)
        .where(_FLAGGED_UNTASKED)
        .order_by(Conversation.started_at.desc(), Conversation.id.desc())
        .offset(window.offset).limit(window.size)
    ).all()
    items = [FlaggedRow(conversation, person_name(given, surnames), reason, summary)
             for conversation, reason, summary, given, surnames in rows]
    return {"total": total, "rows": items}


def flagged_analysis(session: Session, conversation_id: str) -> ConversationAnalysis | None:
    """The current analysis of a conversation when it is flagged and no task covers it yet."""
    return session.scalar(
        select(ConversationAnalysis)
        .where(ConversationAnalysis.conversation_id == conversation_id, _FLAGGED_UNTASKED)
    )


def outreach_due(session: Session, today: date, window: Window = Window(1, 10)) -> dict[str, Any]:
    """Referrals waiting for the patient to book, most pressing first, with outreach's next step.

    Only the shown rows are run through outreach's planner (a query each), so the
    cost does not grow with the number of referrals waiting.
    """
    waiting = Referral.status.in_(plan.WAITING_STATES)
    overdue = waiting & (Referral.target_date < today)
    total, late = session.execute(
        select(func.count(), func.sum(case((overdue, 1), else_=0))).where(waiting)
    ).one()
    referrals = session.scalars(
        select(Referral).where(waiting)
        .options(selectinload(Referral.patient).selectinload(Patient.phones),
                 selectinload(Referral.patient).selectinload(Patient.consents))
        # Target date first: urgent referrals' targets are days away, routine ones' weeks.
        .order_by(Referral.target_date, Referral.id)
        .offset(window.offset).limit(window.size)
    ).all()
    context = outreach_context(session)
    rows = []
    for referral in referrals:
        attempts = attempts_of(session, referral.id)
        decision = plan.decide(context, referral, referral.patient, attempts)
        rows.append(OutreachRow(
            referral=referral,
            patient_name=referral.patient.full_name,
            overdue=referral.target_date is not None and referral.target_date < today,
            next_step=decision.action,
            next_at=decision.next_at,
            blocked_reason=decision.reason if decision.action == plan.BLOCKED else None,
            rounds=decision.rounds,
        ))
    return {"total": total or 0, "overdue": late or 0, "rows": rows}


def booked_needing_info(session: Session, window: Window = Window(1, 10)) -> dict[str, Any]:
    """Referrals with a booked appointment that are still in needs_info, soonest visit
    first, with what was asked for (the reason of their last move to needs_info)."""
    total = session.scalar(
        select(func.count()).select_from(Referral).join(Appointment, _BOOKED_NEEDING_INFO)
    ) or 0
    rows = session.execute(
        select(Referral, Appointment)
        .join(Appointment, _BOOKED_NEEDING_INFO)
        .options(selectinload(Referral.patient), selectinload(Referral.history))
        .order_by(Appointment.start_at, Referral.id)
        .offset(window.offset).limit(window.size)
    ).all()
    items = [
        BookedNeedingInfoRow(referral, appointment, referral.patient.full_name,
                             _asked_for(referral))
        for referral, appointment in rows
    ]
    return {"total": total, "rows": items}


def _asked_for(referral: Referral) -> str | None:
    return next((step.reason for step in reversed(referral.history)
                 if step.to_status == NEEDS_INFO and step.reason), None)
