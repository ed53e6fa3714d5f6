"""Referrals for coordinators: the board by state, one referral in full, the nudge list."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from typing import Any

from sqlalchemy import Select, case, func, or_, select
from sqlalchemy.orm import Session, selectinload

from referraldesk.admin.queries.common import person_name
from referraldesk.errors import NotFound
from referraldesk.loop.nudges import STUCK_STATES
from referraldesk.loop.outbox import LETTER
from referraldesk.models import (
    Appointment,
    Conversation,
    IntakeMessage,
    OutboundMessage,
    Patient,
    Referral,
    ReferringPractice,
    Specialty,
)
from referraldesk.outreach.service import attempts_of
from referraldesk.referrals.lifecycle import (
    LEAKAGE_REASONS,
    LEAKING,
    NEEDS_INFO,
    OPEN,
    STATES,
    TRANSITIONS,
)
from referraldesk.referrals.referrers import TELL_BY_HAND, can_be_told

BOARD_STATES = tuple(state for state in STATES if state in OPEN)
PER_COLUMN = 12
PAGE_SIZE = 50
NUDGES_SHOWN = 100
CONVERSATIONS_SHOWN = 20


@dataclass(frozen=True)
class Ticket:
    referral: Referral
    patient: str
    practice: str | None
    overdue: bool


@dataclass
class Column:
    state: str
    count: int
    tickets: list[Ticket] = field(default_factory=list)


def _narrowed(query: Any, specialty: str | None, practice_id: str | None) -> Any:
    if specialty:
        query = query.where(Referral.specialty_key == specialty)
    if practice_id:
        query = query.where(Referral.referring_practice_id == practice_id)
    return query


def _tickets(session: Session, query: Select[Any], today: date) -> list[Ticket]:
    rows = session.execute(
        query.add_columns(Patient.given_names, Patient.surnames, ReferringPractice.name)
        .join(Patient, Patient.id == Referral.patient_id)
        .outerjoin(ReferringPractice, ReferringPractice.id == Referral.referring_practice_id)
    ).all()
    return [
        Ticket(referral, person_name(given, surnames), practice,
               referral.target_date is not None and referral.target_date < today
               and referral.status in STUCK_STATES)
        for referral, given, surnames, practice in rows
    ]


def _pressing_first(query: Select[Any]) -> Select[Any]:
    # Target date first, read in the order of the (status, target_date) index: an urgent
    # referral's target is days, a routine one's weeks, so urgent ones lead anyway, and
    # a column of 20,000 referrals is not sorted to show twelve.
    return query.order_by(Referral.target_date, Referral.id)


def status_counts(session: Session, specialty: str | None = None,
                  practice_id: str | None = None) -> dict[str, int]:
    query = _narrowed(select(Referral.status, func.count()).group_by(Referral.status),
                      specialty, practice_id)
    return {status: count for status, count in session.execute(query).all()}


def board(session: Session, today: date, counts: dict[str, int], *, specialty: str | None = None,
          practice_id: str | None = None, per_column: int = PER_COLUMN) -> list[Column]:
    """A column per open state: its count (from `status_counts`) and its most pressing
    referrals (a query each)."""
    columns = []
    for state in BOARD_STATES:
        query = _narrowed(select(Referral).where(Referral.status == state), specialty, practice_id)
        tickets = _tickets(session, _pressing_first(query).limit(per_column), today)
        columns.append(Column(state, counts.get(state, 0), tickets))
    return columns


def in_state(session: Session, state: str, today: date, *, page: int = 1,
             specialty: str | None = None, practice_id: str | None = None) -> list[Ticket]:
    query = _narrowed(select(Referral).where(Referral.status == state), specialty, practice_id)
    offset = (max(page, 1) - 1) * PAGE_SIZE
    return _tickets(session, _pressing_first(query).offset(offset).limit(PAGE_SIZE), today)


def choices(session: Session) -> dict[str, list[tuple[str, str]]]:
    """The options of the board's filters: specialties and referring practices."""
    specialties = session.execute(select(Specialty.key, Specialty.label_en)
                                  .order_by(Specialty.label_en)).all()
    practices = session.execute(select(ReferringPractice.id, ReferringPractice.name)
                                .order_by(ReferringPractice.name)).all()
    return {"specialty": [(key, label) for key, label in specialties],
            "practice": [(key, name) for key, name in practices]}


def get_referral(session: Session, referral_id: str) -> Referral:
    referral = session.scalar(
        select(Referral).where(Referral.id == referral_id)
        .options(selectinload(Referral.history), selectinload(Referral.patient),
                 selectinload(Referral.referring_practice))
    )
    if referral is None:
        raise NotFound(f"there is no referral with id {referral_id!r}", field="referral_id")
    return referral


def legal_moves(referral: Referral) -> list[str]:
    """The states this referral may move to, in lifecycle order."""
    allowed = TRANSITIONS.get(referral.status, frozenset())
    return [state for state in STATES if state in allowed]


def referral_detail(session: Session, referral_id: str) -> dict[str, Any]:
    """Everything one referral's page shows, with its legal moves."""
    referral = get_referral(session, referral_id)
    appointment = (session.get(Appointment, referral.appointment_id)
                   if referral.appointment_id else None)
    return {
        "referral": referral,
        "patient": referral.patient,
        "history": referral.history,
        "moves": legal_moves(referral),
        "leaking": sorted(LEAKING),
        "leakage_reasons": LEAKAGE_REASONS,
        "appointment": appointment,
        "attempts": attempts_of(session, referral.id),
        "intake_messages": list(session.scalars(
            select(IntakeMessage).where(IntakeMessage.referral_id == referral.id)
            .order_by(IntakeMessage.received_at))),
        "conversations": _conversations_about(session, referral.id),
        "outbound": list(session.scalars(
            select(OutboundMessage).where(OutboundMessage.referral_id == referral.id)
            .order_by(OutboundMessage.created_at))),
    }


def _conversations_about(session: Session, referral_id: str) -> list[Conversation]:
    # Sorted here, not in SQL: with ORDER BY started_at the planner may walk the whole
    # started_at index (most conversations have no referral) instead of the referral_id one.
    found = session.scalars(select(Conversation).where(Conversation.referral_id == referral_id))
    return sorted(found, key=lambda c: c.started_at, reverse=True)[:CONVERSATIONS_SHOWN]


def _needs_nudge(today: date) -> Any:
    return or_(Referral.status == NEEDS_INFO,
               Referral.status.in_(STUCK_STATES) & (Referral.target_date < today))


def nudge_overview(session: Session, today: date) -> list[dict[str, Any]]:
    """Per referring practice: how many referrals need its help (needs_info and overdue
    apart), how many status letters wait to be faxed or phoned to it, and, for a practice
    with no way to take replies, `tell_by_hand` saying staff must do it.

    A practice with letters waiting is listed even with nothing to nudge, as in
    loop/nudges.py: those letters are how it hears back.
    """
    rows = session.execute(
        select(Referral.referring_practice_id, ReferringPractice.name,
               func.sum(case((Referral.status == NEEDS_INFO, 1), else_=0)), func.count())
        .outerjoin(ReferringPractice, ReferringPractice.id == Referral.referring_practice_id)
        .where(_needs_nudge(today))
        .group_by(Referral.referring_practice_id, ReferringPractice.name)
    ).all()
    overview = {practice_id: {"practice_id": practice_id,
                              "name": name or "(no referring practice)",
                              "needs_info": int(needs or 0), "total": int(total),
                              "letters_waiting": 0, "tell_by_hand": None}
                for practice_id, name, needs, total in rows}
    waiting = _letters_waiting_by_practice(session)
    practices = session.scalars(select(ReferringPractice).where(
        ReferringPractice.id.in_([key for key in {*overview, *waiting} if key is not None])))
    for practice in practices:
        row = overview.setdefault(practice.id, {"practice_id": practice.id, "name": practice.name,
                                                "needs_info": 0, "total": 0})
        row["letters_waiting"] = waiting.get(practice.id, 0)
        row["tell_by_hand"] = None if can_be_told(practice) else TELL_BY_HAND
    return sorted(overview.values(),
                  key=lambda row: (-row["total"], -row["letters_waiting"], row["name"]))


def _pending_letters() -> Any:
    return (OutboundMessage.message_type == LETTER) & (OutboundMessage.status == "pending")


def _letters_waiting_by_practice(session: Session) -> dict[str, int]:
    return {practice_id: int(count) for practice_id, count in session.execute(
        select(OutboundMessage.practice_id, func.count()).where(_pending_letters())
        .group_by(OutboundMessage.practice_id)).all()}


def letters_waiting(session: Session, practice_id: str | None) -> list[OutboundMessage]:
    """One practice's status letters waiting to be faxed or phoned through, oldest first."""
    if practice_id is None:
        return []
    return list(session.scalars(
        select(OutboundMessage)
        .where(_pending_letters(), OutboundMessage.practice_id == practice_id)
        .order_by(OutboundMessage.created_at, OutboundMessage.id)
        .limit(NUDGES_SHOWN)))


def nudges_of(session: Session, today: date, practice_id: str | None) -> list[dict[str, Any]]:
    """The most overdue referrals of one practice that need its help, with what to ask for."""
    referrals = session.scalars(
        select(Referral)
        .where(_needs_nudge(today), Referral.referring_practice_id == practice_id)
        .options(selectinload(Referral.history), selectinload(Referral.patient))
        .order_by(Referral.target_date.is_(None), Referral.target_date, Referral.received_at)
        .limit(NUDGES_SHOWN)
    ).all()
    return [{"referral": referral, "patient": referral.patient.full_name,
             "days_past": (today - referral.target_date).days
             if referral.target_date and referral.target_date < today else None,
             "ask": _ask(referral)} for referral in referrals]


def _ask(referral: Referral) -> str:
    if referral.status == NEEDS_INFO:
        asked = next((step.reason for step in reversed(referral.history)
                      if step.to_status == NEEDS_INFO and step.reason), None)
        return f"send what is missing ({asked})" if asked else "send what is missing"
    return "help us reach the patient: confirm the phone number or ask them to call"
