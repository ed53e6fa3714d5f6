"""The data-rights request log: what was asked, when, and the 45-day deadline to answer.

CCPA (Cal. Civ. Code 1798.130) gives a business 45 calendar days from receipt to answer
a request to know or to delete; the deadline is stored so the list can sort and flag it.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from referraldesk.audit import trail
from referraldesk.audit.trail import Actor
from referraldesk.clock import now
from referraldesk.errors import Conflict, InvalidArgument, NotFound
from referraldesk.logging import get_logger
from referraldesk.models import DataRightsRequest, Patient
from referraldesk.models.rights import REQUEST_KINDS
from referraldesk.rights.identifiers import refuse_patient_details
from referraldesk.rights.permissions import authorize

log = get_logger(__name__)

ANSWER_DAYS = 45
MAX_NOTES = 1000


def due_for(received_at: datetime) -> datetime:
    return received_at + timedelta(days=ANSWER_DAYS)


def is_overdue(request: DataRightsRequest, at: datetime | None = None) -> bool:
    return request.status == "open" and request.due_at < (at or now())


def log_request(
    session: Session,
    actor: Actor,
    patient_id: str,
    kind: str,
    *,
    notes: str | None = None,
    received_at: datetime | None = None,
) -> DataRightsRequest:
    """Log a request the patient made; `received_at` defaults to now (a letter may be older)."""
    authorize(actor, "request")
    if kind not in REQUEST_KINDS:
        raise InvalidArgument(
            f"request kind {kind!r} is not one of {', '.join(REQUEST_KINDS)}", field="kind"
        )
    patient = subject(session, patient_id)
    clean_notes = _checked_notes(notes, patient)
    received = received_at or now()
    if received > now():
        raise InvalidArgument("a request cannot be received in the future", field="received_at")

    request = DataRightsRequest(
        kind=kind,
        patient_id=patient.id,
        received_at=received,
        due_at=due_for(received),
        logged_by=actor.name[:160],
        notes=clean_notes,
    )
    session.add(request)
    session.flush()
    trail.record(session, actor, "create", "data_rights_request", request.id,
                 patient_id=patient.id, reason=f"{kind} request logged")
    log.info("rights_request_logged", request_id=request.id, patient_id=patient.id, kind=kind)
    return request


def complete_request(
    session: Session, actor: Actor, request_id: str, *, denied: bool = False,
    notes: str | None = None,
) -> DataRightsRequest:
    """Mark a request answered (or denied, with a note why)."""
    authorize(actor, "complete")
    request = session.get(DataRightsRequest, request_id)
    if request is None:
        raise NotFound(f"no data-rights request with id {request_id!r}", field="request_id")
    if request.status != "open":
        raise Conflict(f"request {request_id} is already {request.status}", field="request_id")
    patient = session.get(Patient, request.patient_id)
    if notes and patient is not None:
        request.notes = _checked_notes(
            "\n".join(part for part in (request.notes, notes) if part), patient)

    request.status = "denied" if denied else "completed"
    request.completed_at = now()
    request.handled_by = actor.name[:160]
    session.flush()
    trail.record(session, actor, "update", "data_rights_request", request.id,
                 patient_id=request.patient_id, reason=f"{request.kind} request {request.status}")
    return request


def open_request_of(session: Session, patient_id: str, kind: str) -> DataRightsRequest | None:
    """The oldest open request of this kind for the patient, which an action then answers."""
    return session.scalars(
        select(DataRightsRequest)
        .where(DataRightsRequest.patient_id == patient_id, DataRightsRequest.kind == kind,
               DataRightsRequest.status == "open")
        .order_by(DataRightsRequest.received_at).limit(1)
    ).first()


def list_requests(
    session: Session, actor: Actor, *, patient_id: str | None = None, open_only: bool = False,
    limit: int = 200,
) -> list[DataRightsRequest]:
    """Requests, the nearest deadline first; audited as a read of the log."""
    authorize(actor, "list")
    query = select(DataRightsRequest)
    if patient_id is not None:
        query = query.where(DataRightsRequest.patient_id == patient_id)
    if open_only:
        query = query.where(DataRightsRequest.status == "open")
    found = list(session.scalars(
        query.order_by(DataRightsRequest.status != "open", DataRightsRequest.due_at).limit(limit)
    ))
    trail.record(session, actor, "read", "data_rights_request", None, patient_id=patient_id,
                 reason=f"data-rights requests ({len(found)} shown)")
    return found


def subject(session: Session, patient_id: str) -> Patient:
    patient = session.get(Patient, patient_id)
    if patient is None:
        raise NotFound(f"there is no patient with id {patient_id!r}", field="patient_id")
    return patient


def _checked_notes(notes: str | None, patient: Patient) -> str | None:
    text = (notes or "").strip() or None
    if text is not None and len(text) > MAX_NOTES:
        raise InvalidArgument(f"notes are {len(text)} characters; keep them under {MAX_NOTES}",
                              field="notes")
    refuse_patient_details(text, patient, "notes")
    return text

