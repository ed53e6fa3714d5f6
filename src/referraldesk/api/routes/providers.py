"""The provider directory for integrations, through the practice-info tools."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends
from fastapi.responses import JSONResponse

from referraldesk.api import access
from referraldesk.api.deps import DbSession, require_roles
from referraldesk.api.routes.tools import api_context, outcome_response
from referraldesk.audit.trail import Actor
from referraldesk.tools import catalog

router = APIRouter(prefix="/api/providers", tags=["providers"])

# The same roles as the get_providers tool (api/access.py).
Integration = Annotated[Actor, Depends(require_roles(*access.FRONT_DESK))]


@router.get("")
def list_providers(
    actor: Integration,
    session: DbSession,
    specialty: str | None = None,
    language: str | None = None,
    plan: str | None = None,
    location: str | None = None,
    accepting_new: bool | None = None,
) -> JSONResponse:
    """Providers as `{id, name, specialty, languages, plans, locations, accepting_new_patients}`."""
    filters: dict[str, Any] = {
        "specialty": specialty,
        "language": language,
        "plan": plan,
        "location": location,
        "accepting_new": accepting_new,
    }
    outcome = catalog.call(session, api_context(actor), "get_providers", filters)
    if not outcome.ok or outcome.data is None:
        return outcome_response(outcome)
    return JSONResponse(outcome.data["providers"])


@router.get("/{provider_id}")
def get_provider(provider_id: str, actor: Integration, session: DbSession) -> JSONResponse:
    outcome = catalog.call(
        session, api_context(actor), "get_provider_info", {"provider_id": provider_id}
    )
    if not outcome.ok:
        return outcome_response(outcome)
    return JSONResponse(outcome.data)
