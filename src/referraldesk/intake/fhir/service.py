"""FHIR R4 intake: store the body, check it, apply it, answer as FHIR servers do.

- created: 201, the ServiceRequest as we hold it, Location /fhir/ServiceRequest/<id>;
- the same placer id again: 200, an informational OperationOutcome naming the
  referral on file (Location too); a revoked ServiceRequest: 200 likewise;
- a Bundle of Patients and no ServiceRequest (a chart export): 200, a
  transaction-response Bundle naming each patient "created" or "matched" with our
  id (intake/fhir/patients_bundle.py);
- a body that does not conform: 422 (400 when it is not a ServiceRequest or
  Bundle at all) with one OperationOutcome issue per problem. No patient or
  referral is created; the body waits in the intake queue for a person.
"""

from __future__ import annotations

import json
from typing import Any

from sqlalchemy.orm import Session

from referraldesk.audit.trail import Actor
from referraldesk.intake.apply import CREATED, DUPLICATE, Applied, apply_facts
from referraldesk.intake.facts import INTERNAL, UNSUPPORTED, Problem
from referraldesk.intake.fhir.mapping import referral_facts
from referraldesk.intake.fhir.patients_bundle import (
    PatientsImport,
    import_patients,
    is_patients_bundle,
)
from referraldesk.intake.fhir.read import read_request
from referraldesk.intake.fhir.views import (
    information,
    operation_outcome,
    patients_response,
    service_request_view,
)
from referraldesk.intake.queue import Outcome, attempt, record, settle_applied, settle_failed
from referraldesk.logging import get_logger
from referraldesk.models.intake import IntakeMessage

CONTENT_TYPE = "application/fhir+json"

log = get_logger(__name__)


def receive_fhir(session: Session, actor: Actor, body: str, *, sender: str | None) -> Outcome:
    """Keep a posted ServiceRequest or Bundle in the queue, apply it, return the answer.

    `sender` names the referring practice when the request holds no Organization
    (the integration token's name, or the practice an import is told); without
    either the request is refused and waits in the queue.
    """
    message = record(session, actor, "fhir", body, CONTENT_TYPE, sender=sender)
    return process_fhir(session, actor, message)


def process_fhir(session: Session, actor: Actor, message: IntakeMessage) -> Outcome:
    """Apply a stored FHIR message (first time or replay) and settle it."""
    bundle = _patients_bundle(message.body)
    if bundle is not None:
        return _process_patients(session, actor, message, bundle)
    result = attempt(session, message, lambda: _apply(session, actor, message))
    if isinstance(result, list):
        return _failed(message, result)
    location = f"/fhir/ServiceRequest/{result.referral.id}"
    if result.result == CREATED:
        body = service_request_view(result.referral)
        status = 201
    else:
        body = information(result.describe(),
                           "duplicate" if result.result == DUPLICATE else "informational")
        status = 200
    reply = json.dumps(body)
    settle_applied(message, result.referral.id, reply)
    return Outcome(message, applied=True, reply=reply, summary=result.describe(),
                   referral_id=result.referral.id,
                   referral_status=result.referral.status, http_status=status, location=location)


def _patients_bundle(body: str) -> dict[str, Any] | None:
    # A body that is not JSON is for read_request to report, with its position.
    try:
        resource = json.loads(body)
    except (ValueError, RecursionError):
        return None
    return resource if isinstance(resource, dict) and is_patients_bundle(resource) else None


def _process_patients(session: Session, actor: Actor, message: IntakeMessage,
                      bundle: dict[str, Any]) -> Outcome:
    result = attempt(session, message, lambda: import_patients(session, actor, bundle))
    if not isinstance(result, PatientsImport):
        return _failed(message, result)
    reply = json.dumps(patients_response([(p.patient_id, p.result) for p in result.patients]))
    settle_applied(message, None, reply)
    log.info("fhir_patients_imported", intake_message_id=message.id,
             created=sum(p.result == "created" for p in result.patients),
             matched=sum(p.result == "matched" for p in result.patients),
             ignored=sum(result.ignored.values()))
    return Outcome(message, applied=True, reply=reply, summary=result.describe(), http_status=200)


def _apply(session: Session, actor: Actor, message: IntakeMessage) -> Applied:
    facts = referral_facts(read_request(message.body), message.sender)
    return apply_facts(session, actor, facts, source="fhir", message_id=message.id)


def _failed(message: IntakeMessage, problems: list[Problem]) -> Outcome:
    reply = json.dumps(operation_outcome(problems))
    settle_failed(message, problems, reply)
    status = 422
    if any(problem.kind == UNSUPPORTED for problem in problems):
        status = 400
    if any(problem.kind == INTERNAL for problem in problems):
        status = 500
    return Outcome(message, applied=False, reply=reply,
                   summary="; ".join(str(problem) for problem in problems),
                   problems=problems, http_status=status)
