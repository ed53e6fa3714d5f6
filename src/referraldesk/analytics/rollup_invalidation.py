"""Keeps the per-day roll-up honest: any change to a day's records drops that day.

Before each flush, the instants the changed rows count under (a conversation's
start, a referral's receipt, an agent booking's time) are collected, old and new
values both, and the roll-up of the days around them is deleted in the same
transaction: a rolled-back change leaves the roll-up as it was. A UTC instant
falls on its UTC date or the day before or after in any zone, so those three days
are dropped in every zone; the next read rebuilds them. Bulk UPDATE/DELETE/INSERT
statements on the watched tables (retention, erasure) drop the whole roll-up, so
nothing counted from an erased record outlives it.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date, datetime, timedelta
from typing import Any

from sqlalchemy import delete, event, inspect, select
from sqlalchemy.orm import ORMExecuteState, Session

from referraldesk.logging import get_logger
from referraldesk.models.conversation import Conversation, ConversationAnalysis, StaffTask
from referraldesk.models.patient import Patient
from referraldesk.models.referral import Referral, ReferralTransition
from referraldesk.models.rollup import DailyFigure, RollupDay
from referraldesk.models.scheduling import Appointment
from referraldesk.referrals.lifecycle import SCHEDULED

log = get_logger(__name__)

# The attributes each figure reads; a change to any other (a turn's last_activity_at,
# an encrypted note) leaves the roll-up alone.
WATCHED: dict[type, tuple[str, ...]] = {
    Conversation: ("started_at", "channel", "language", "outcome", "status"),
    ConversationAnalysis: ("conversation_id", "is_current", "intent", "sentiment",
                           "satisfaction", "escalation_flag", "escalation_reason"),
    StaffTask: ("conversation_id",),
    Referral: ("received_at", "status", "specialty_key", "referring_practice_id",
               "leakage_reason", "appointment_id", "target_date", "patient_id"),
    ReferralTransition: ("referral_id", "to_status", "at", "actor"),
    Appointment: ("start_at", "timezone"),
    Patient: ("preferred_language",),
}


@event.listens_for(Session, "before_flush")
def _drop_changed_days(session: Session, _context: Any, _instances: Any) -> None:
    changed = [obj for obj in (*session.new, *session.dirty, *session.deleted)
               if type(obj) in WATCHED and _touched(obj)]
    if not changed:
        return
    instants = _instants(session, changed)
    days = {instant.date() + timedelta(days=shift) for instant in instants if instant
            for shift in (-1, 0, 1)}
    if days:
        _drop(session, days)


@event.listens_for(Session, "do_orm_execute")
def _drop_all_on_bulk_change(state: ORMExecuteState) -> None:
    if not (state.is_update or state.is_delete or state.is_insert):
        return
    mapper = state.bind_mapper
    if mapper is not None and mapper.class_ in WATCHED:
        connection = state.session.connection()
        connection.execute(delete(DailyFigure))
        if connection.execute(delete(RollupDay)).rowcount:
            log.info("rollup_dropped_for_bulk_change", table=mapper.local_table.name)


def _touched(obj: Any) -> bool:
    state = inspect(obj)
    if state.pending or state.deleted or obj in state.session.deleted:
        return True
    return any(state.attrs[name].history.has_changes() for name in WATCHED[type(obj)])


def _values(obj: Any, name: str) -> list[Any]:
    """The attribute's current value and, when it changed in this flush, its old one."""
    history = inspect(obj).attrs[name].history
    return [*history.added, *history.unchanged, *history.deleted] or [getattr(obj, name, None)]


def _instants(session: Session, changed: list[Any]) -> set[datetime]:
    instants: set[datetime] = set()
    conversation_ids: set[str] = set()
    referral_ids: set[str] = set()
    appointment_ids: set[str] = set()
    patient_ids: set[str] = set()
    for obj in changed:
        if isinstance(obj, Conversation):
            instants.update(_values(obj, "started_at"))
        elif isinstance(obj, ConversationAnalysis | StaffTask):
            conversation_ids.update(_values(obj, "conversation_id"))
        elif isinstance(obj, Referral):
            instants.update(_values(obj, "received_at"))
            if obj.id:
                referral_ids.add(obj.id)
        elif isinstance(obj, ReferralTransition):
            instants.update(_values(obj, "at"))
            referral_ids.update(_values(obj, "referral_id"))
        elif isinstance(obj, Appointment):
            if obj.id:
                appointment_ids.add(obj.id)
        elif isinstance(obj, Patient) and obj.id:
            patient_ids.add(obj.id)
    instants.update(_stored_instants(session, conversation_ids, referral_ids,
                                     appointment_ids, patient_ids))
    return {instant for instant in instants if isinstance(instant, datetime)}


def _stored_instants(session: Session, conversation_ids: set[str], referral_ids: set[str],
                     appointment_ids: set[str], patient_ids: set[str]) -> Iterable[datetime]:
    """Instants of rows the changed ones count under, read as the database has them now
    (the connection, not the session: no autoflush from inside a flush)."""
    connection = session.connection()
    found: list[datetime] = []
    ids = {value for value in conversation_ids if value}
    if ids:
        found += connection.scalars(
            select(Conversation.started_at).where(Conversation.id.in_(ids))).all()
    received = select(Referral.received_at)
    for column, values in ((Referral.id, referral_ids), (Referral.appointment_id, appointment_ids),
                           (Referral.patient_id, patient_ids)):
        values = {value for value in values if value}
        if values:
            found += connection.scalars(received.where(column.in_(values))).all()
    if referral_ids:
        # A referral's target date decides whether its agent booking was past due.
        found += connection.scalars(
            select(ReferralTransition.at).where(ReferralTransition.referral_id.in_(referral_ids),
                                                ReferralTransition.to_status == SCHEDULED)).all()
    return found


def _drop(session: Session, days: set[date]) -> None:
    connection = session.connection()
    connection.execute(delete(DailyFigure).where(DailyFigure.day.in_(days)))
    connection.execute(delete(RollupDay).where(RollupDay.day.in_(days)))
