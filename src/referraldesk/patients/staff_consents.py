"""Consents staff record for a patient: what the patient told them, given or withdrawn.

The patient says yes to texts at the desk, or on a call a coordinator made by hand;
staff write it down here with a reason, which the audit trail keeps. The reason
outlives an erasure, so it must not name the patient.
"""

from __future__ import annotations

from sqlalchemy.orm import Session

from referraldesk.audit.trail import Actor
from referraldesk.errors import Forbidden, InvalidArgument, NotFound
from referraldesk.models import Consent, Patient
from referraldesk.patients.consents import record_consent
from referraldesk.rights.identifiers import refuse_patient_details

# The front desk: the people who speak with patients. Not the auditor (reads only),
# not an integration (a system cannot hear the patient say yes).
STAFF_ROLES = frozenset({"admin", "staff", "coordinator"})
SOURCE = "staff"
MIN_REASON = 4
MAX_REASON = 300


def record_by_staff(
    session: Session, actor: Actor, patient_id: str, kind: str, granted: bool, reason: str
) -> Consent:
    """Record a consent the patient gave or withdrew through staff; flushes, audits."""
    if actor.role not in STAFF_ROLES:
        raise Forbidden(
            f"the {actor.role} role may not record a patient's consent; it takes the "
            f"{' or '.join(sorted(STAFF_ROLES))} role"
        )
    patient = session.get(Patient, patient_id)
    if patient is None or patient.status != "active":
        raise NotFound(f"no patient with id {patient_id!r}", field="patient_id")
    why = _reason(reason)
    refuse_patient_details(why, patient, "reason")
    return record_consent(session, actor, patient.id, kind, granted, SOURCE, note=why)


def _reason(reason: str | None) -> str:
    text = (reason or "").strip()
    if not MIN_REASON <= len(text) <= MAX_REASON:
        raise InvalidArgument(
            f"say how the patient gave or withdrew it, in {MIN_REASON} to {MAX_REASON} "
            "characters (for example 'said yes to texts at check-in')",
            field="reason",
        )
    return text
