"""Conversations for staff: a filtered, paged list and one conversation in full."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from sqlalchemy import Select, and_, func, or_, select
from sqlalchemy.orm import Session, aliased

from referraldesk.admin.filters import NEGATIVE_BELOW, POSITIVE_ABOVE
from referraldesk.admin.queries.common import day_bounds, encode_cursor, person_name
from referraldesk.analytics.service import analysis_view, current_analysis
from referraldesk.errors import NotFound
from referraldesk.models import (
    Conversation,
    ConversationAnalysis,
    Patient,
    StaffTask,
)

PAGE_SIZE = 50
COUNT_CAP = 1000
SENTIMENTS = ("negative", "neutral", "positive")


@dataclass(frozen=True)
class ConversationFilter:
    """What the list is narrowed to; every field but the dates is optional."""

    date_from: date
    date_to: date
    zone: str
    channel: str | None = None
    language: str | None = None
    intent: str | None = None
    outcome: str | None = None
    sentiment: str | None = None
    escalation: bool | None = None


@dataclass(frozen=True)
class ListRow:
    conversation: Conversation
    patient: str
    intent: str | None
    sentiment: float | None
    satisfaction: int | None
    escalated: bool


def _filtered(flt: ConversationFilter, analysis: Any) -> Select[Any]:
    start, end = day_bounds(flt.date_from, flt.date_to, flt.zone)
    conditions = [Conversation.started_at >= start, Conversation.started_at < end]
    wanted = ((Conversation.channel, flt.channel), (Conversation.language, flt.language),
              (Conversation.outcome, flt.outcome), (analysis.intent, flt.intent))
    for column, value in wanted:
        if value:
            conditions.append(column == value)
    if flt.sentiment == "negative":
        conditions.append(analysis.sentiment < NEGATIVE_BELOW)
    elif flt.sentiment == "positive":
        conditions.append(analysis.sentiment > POSITIVE_ABOVE)
    elif flt.sentiment == "neutral":
        conditions.append(analysis.sentiment.between(NEGATIVE_BELOW, POSITIVE_ABOVE))
    if flt.escalation is True:
        conditions.append(analysis.escalation_flag.is_(True))
    elif flt.escalation is False:
        conditions.append(or_(analysis.escalation_flag.is_(False), analysis.id.is_(None)))
    joined = and_(analysis.conversation_id == Conversation.id, analysis.is_current.is_(True))
    return (
        select(Conversation, analysis, Patient.given_names, Patient.surnames)
        .outerjoin(analysis, joined)
        .outerjoin(Patient, Patient.id == Conversation.patient_id)
        .where(*conditions)
    )


def search(
    session: Session, flt: ConversationFilter, before: tuple[datetime, str] | None = None,
    limit: int = PAGE_SIZE,
) -> tuple[list[ListRow], int, str | None]:
    """One page of matching conversations, newest first; how many match (COUNT_CAP + 1 meaning
    "more than COUNT_CAP"); the next page's cursor."""
    analysis = aliased(ConversationAnalysis)
    query = _filtered(flt, analysis)
    # Counting stops at COUNT_CAP: past it the page says "more than", and a year of
    # conversations is not counted one by one on every page view.
    matching = query.with_only_columns(Conversation.id).limit(COUNT_CAP + 1).subquery()
    total = session.scalar(select(func.count()).select_from(matching)) or 0
    if before is not None:
        at, row_id = before
        query = query.where(or_(Conversation.started_at < at,
                                and_(Conversation.started_at == at, Conversation.id < row_id)))
    rows = session.execute(
        query.order_by(Conversation.started_at.desc(), Conversation.id.desc()).limit(limit + 1)
    ).all()
    shown = [
        ListRow(conversation, person_name(given, surnames),
                found.intent if found else None, found.sentiment if found else None,
                found.satisfaction if found else None, bool(found and found.escalation_flag))
        for conversation, found, given, surnames in rows[:limit]
    ]
    cursor = None
    if len(rows) > limit:
        last = shown[-1].conversation
        cursor = encode_cursor(last.started_at, last.id)
    return shown, total, cursor


def known_intents(session: Session) -> list[str]:
    return sorted(i for i in session.scalars(select(ConversationAnalysis.intent).distinct()) if i)


def conversation_detail(session: Session, conversation_id: str) -> dict[str, Any]:
    """Everything the transcript page shows; NotFound for an unknown id."""
    conversation = session.get(Conversation, conversation_id)
    if conversation is None:
        raise NotFound(f"there is no conversation with id {conversation_id!r}",
                       field="conversation_id")
    patient = session.get(Patient, conversation.patient_id) if conversation.patient_id else None
    tasks = list(session.scalars(
        select(StaffTask).where(StaffTask.conversation_id == conversation.id)
        .order_by(StaffTask.created_at)
    ))
    recording = conversation.recording_url
    return {
        "conversation": conversation,
        "patient": patient,
        "turns": conversation.turns,
        "tool_calls": conversation.tool_calls,
        "analysis": analysis_view(current_analysis(session, conversation.id)),
        "tasks": tasks,
        # Only a web address becomes a link; anything else is shown as text.
        "recording_link": recording if recording and recording.startswith(("https://", "http://"))
        else None,
    }
