"""Consents a patient gives or withdraws; the latest record of each kind is in force.

Records are never edited: a withdrawal is a new record, so the history of what the
patient said, when and through which channel stays whole.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy.orm import Session

from referraldesk.audit import trail
from referraldesk.audit.trail import Actor
from referraldesk.clock import now
from referraldesk.errors import InvalidArgument, NotFound
from referraldesk.logging import get_logger
from referraldesk.models import Consent, Patient

log = get_logger(__name__)

CONSENT_KINDS = ("recording", "automated_calls", "texts", "non_care_use")
# "referral": taken from a referral under the practice's policy (patients/referral_consent.py).
CONSENT_SOURCES = ("voice", "sms", "chat", "staff", "intake", "import", "referral")
# What a STOP (or "no me llamen más") withdraws at once.
OUTREACH_KINDS = ("automated_calls", "texts")


def record_consent(
    session: Session,
    actor: Actor,
    patient_id: str,
    kind: str,
    granted: bool,
    source: str,
    conversation_id: str | None = None,
    note: str | None = None,
) -> Consent:
    """Record one consent given (`granted=True`) or withdrawn; flushes, audits.

    `note` is added to the audit record's reason (the referral it came from, the
    staff member's reason); it must not carry patient details.
    """
    _check_kind_and_source(kind, source)
    patient = _active_patient(session, patient_id)
    consent = Consent(
        kind=kind,
        granted=granted,
        source=source,
        conversation_id=conversation_id,
        recorded_at=_after_latest(patient, kind),
    )
    patient.consents.append(consent)
    session.flush()

    trail.record(
        session,
        actor,
        "update",
        "consent",
        consent.id,
        patient_id=patient.id,
        conversation_id=conversation_id,
        reason=f"{kind} {'granted' if granted else 'withdrawn'} via {source}"
        + (f": {note}" if note else ""),
    )
    log.info("consent_recorded", patient_id=patient.id, kind=kind, granted=granted, source=source)
    return consent


def consents_in_force(patient: Patient) -> dict[str, bool]:
    """Return every consent kind mapped to whether it is granted now.

    A kind with no record is False: nothing on file means no consent.
    """
    in_force = dict.fromkeys(CONSENT_KINDS, False)
    for consent in sorted(patient.consents, key=lambda c: c.recorded_at):
        in_force[consent.kind] = consent.granted
    return in_force


def opt_out_everywhere(
    session: Session,
    actor: Actor,
    patient_id: str,
    source: str,
    conversation_id: str | None = None,
) -> list[Consent]:
    """Withdraw automated calls and texts together (a STOP reply, "don't call me")."""
    return [
        record_consent(session, actor, patient_id, kind, False, source, conversation_id)
        for kind in OUTREACH_KINDS
    ]


def _check_kind_and_source(kind: str, source: str) -> None:
    problems = []
    if kind not in CONSENT_KINDS:
        problems.append(f"consent kind {kind!r} is not one of {', '.join(CONSENT_KINDS)}")
    if source not in CONSENT_SOURCES:
        problems.append(f"consent source {source!r} is not one of {', '.join(CONSENT_SOURCES)}")
    if problems:
        field = "kind" if kind not in CONSENT_KINDS else "source"
        raise InvalidArgument("; ".join(problems), field=field)


def _active_patient(session: Session, patient_id: str) -> Patient:
    patient = session.get(Patient, patient_id)
    if patient is None or patient.status != "active":
        raise NotFound(f"no patient with id {patient_id!r}", field="patient_id")
    return patient


def _after_latest(patient: Patient, kind: str) -> datetime:
    # "Latest record wins" needs a strict order. Under a frozen clock (tests, the
    # caller cases) or two writes in the same microsecond, a withdrawal would tie
    # with the grant it overrides; nudge it one microsecond past the last record.
    instant = now()
    latest = max((c.recorded_at for c in patient.consents if c.kind == kind), default=None)
    if latest is not None and instant <= latest:
        return latest + timedelta(microseconds=1)
    return instant
