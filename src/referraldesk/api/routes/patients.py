"""Patients for integrations: register one, read their appointments."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Body, Depends
from fastapi.responses import JSONResponse

from referraldesk.api import access
from referraldesk.api.deps import DbSession, require_roles
from referraldesk.api.routes.tools import api_context, outcome_response
from referraldesk.audit.trail import Actor
from referraldesk.patients import service as patient_service
from referraldesk.tools import catalog

router = APIRouter(prefix="/api/patients", tags=["patients"])

# The same roles as the patient tools behind these routes (api/access.py).
Integration = Annotated[Actor, Depends(require_roles(*access.FRONT_DESK))]


@router.post("", status_code=201)
def register(
    actor: Integration, session: DbSession, body: Annotated[dict[str, Any], Body()]
) -> JSONResponse:
    """Register a patient in API.md's shape; 409 when the name and birth date are on file."""
    # The service takes the whole API shape (window strings, intake consents), which
    # the agent's create_new_patient tool narrows; both end in register_patient.
    patient = patient_service.register_patient(session, actor, body)
    return JSONResponse(patient_service.patient_summary(patient), status_code=201)


@router.get("/{patient_id}/appointments")
def appointments(patient_id: str, actor: Integration, session: DbSession) -> JSONResponse:
    """Every appointment of the patient, earliest first, in API.md's appointment shape."""
    outcome = catalog.call(
        session,
        api_context(actor),
        "get_patient_appointments",
        {"patient_id": patient_id, "include_past": True},
    )
    if not outcome.ok or outcome.data is None:
        return outcome_response(outcome)
    return JSONResponse(outcome.data["appointments"])
