"""FHIR R4 referral intake and status.

- `POST /fhir/ServiceRequest`: a ServiceRequest (Patient, Practitioner, Coverage
  contained) or a transaction Bundle holding one; `POST /fhir` takes the Bundle
  too, as FHIR servers take transactions at their base. Both answer 201 with the
  ServiceRequest and its Location, 200 with an OperationOutcome for a referral
  already on file, 4xx with an OperationOutcome listing every problem. A Bundle
  of Patients with no ServiceRequest (a chart export such as Synthea's) answers
  200 with a transaction-response Bundle: per patient "created" or "matched" and
  our id. Bodies up to settings.max_request_bytes (1 MB by default) are taken; a
  Synthea patient's whole chart is 270-300 KB.
- `GET /fhir/ServiceRequest/{id}`: the referral as a ServiceRequest.
- `GET /fhir/Task?focus=ServiceRequest/{id}`: a searchset with the Task that
  tells the referrer where the referral stands.
"""

from __future__ import annotations

import json
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Query, Request
from fastapi.responses import JSONResponse

from referraldesk.api.deps import DbSession, require_roles
from referraldesk.audit import trail
from referraldesk.audit.trail import Actor
from referraldesk.intake.facts import NOT_FOUND, Problem
from referraldesk.intake.fhir.service import receive_fhir
from referraldesk.intake.fhir.views import (
    operation_outcome,
    search_bundle,
    service_request_view,
    task_view,
)
from referraldesk.intake.hl7.framing import decode
from referraldesk.models import Referral

router = APIRouter(prefix="/fhir", tags=["fhir"])

Integration = Annotated[Actor, Depends(require_roles("integration"))]
FHIR_JSON = "application/fhir+json"


async def raw_body(request: Request) -> bytes:
    return await request.body()


Body = Annotated[bytes, Depends(raw_body)]


@router.post("")
def transaction(actor: Integration, session: DbSession, body: Body) -> JSONResponse:
    """A transaction Bundle holding one referral (or a lone ServiceRequest), or patients."""
    return _intake(actor, session, body)


@router.post("/ServiceRequest")
def create_service_request(actor: Integration, session: DbSession, body: Body) -> JSONResponse:
    """A ServiceRequest with its Patient, Practitioner and Coverage (contained or in a Bundle)."""
    return _intake(actor, session, body)


@router.get("/ServiceRequest/{referral_id}")
def read_service_request(referral_id: str, actor: Integration, session: DbSession) -> JSONResponse:
    referral = session.get(Referral, referral_id)
    if referral is None:
        return _not_found(f"no ServiceRequest with id {referral_id!r}")
    trail.record(session, actor, "read", "referral", referral.id, patient_id=referral.patient_id)
    return _fhir(service_request_view(referral))


@router.get("/Task")
def search_tasks(
    actor: Integration, session: DbSession,
    focus: Annotated[str, Query(description="ServiceRequest/<id> of the referral")],
) -> JSONResponse:
    """The Task of one referral: Task.status mapped from our state, which is businessStatus."""
    referral_id = focus.removeprefix("ServiceRequest/")
    referral = session.get(Referral, referral_id) if focus.startswith("ServiceRequest/") else None
    if referral is None:
        return _fhir(search_bundle([]))
    trail.record(session, actor, "read", "referral", referral.id, patient_id=referral.patient_id,
                 reason="FHIR Task status")
    return _fhir(search_bundle([task_view(referral)]))


def _intake(actor: Actor, session: DbSession, body: bytes) -> JSONResponse:
    outcome = receive_fhir(session, actor, decode(body), sender=_token_name(actor))
    headers = {"Location": outcome.location} if outcome.location else None
    return _fhir(json.loads(outcome.reply), outcome.http_status, headers)


def _token_name(actor: Actor) -> str:
    # "integration:tulare-community-health" -> the token's name, which says who sends.
    return actor.name.split(":", 1)[-1]


def _not_found(message: str) -> JSONResponse:
    return _fhir(operation_outcome([Problem("id", message, NOT_FOUND)]), 404)


def _fhir(body: dict[str, Any], status: int = 200,
          headers: dict[str, str] | None = None) -> JSONResponse:
    return JSONResponse(body, status_code=status, headers=headers, media_type=FHIR_JSON)
