"""Row locks that make a booking's checks and its insert one atomic step.

Two bookings racing for one provider's 09:00 must not both read "free": on
PostgreSQL each takes the provider row, then the patient row, with SELECT ... FOR
UPDATE before checking anything. Every writer here locks in that one order
(the audit chain, then provider, then patient, then an appointment), so two of
them never wait on each other in a cycle. On SQLite the engine opens
every transaction with BEGIN IMMEDIATE (db/session.py), which already serializes
writers, and FOR UPDATE is left out of the SQL.
"""

from __future__ import annotations

from typing import TypeVar

from sqlalchemy import select
from sqlalchemy.orm import Session

from referraldesk.audit.trail import lock_chain
from referraldesk.errors import NotFound
from referraldesk.models import Appointment, Patient, Provider

Row = TypeVar("Row", Provider, Patient, Appointment)


def lock_provider(session: Session, provider_id: str) -> Provider:
    return _lock(session, Provider, provider_id, "provider_id")


def lock_patient(session: Session, patient_id: str) -> Patient:
    return _lock(session, Patient, patient_id, "patient_id")


def lock_appointment(session: Session, appointment_id: str) -> Appointment:
    return _lock(session, Appointment, appointment_id, "appointment_id")


def _lock(session: Session, model: type[Row], row_id: str, field: str) -> Row:
    lock_chain(session)
    # populate_existing: a copy already in the session may predate the lock.
    stmt = (
        select(model)
        .where(model.id == row_id)
        .with_for_update()
        .execution_options(populate_existing=True)
    )
    row = session.scalars(stmt).first()
    if row is None:
        noun = field.removesuffix("_id")
        raise NotFound(f"no {noun} with id {row_id!r}", field=field)
    return row
