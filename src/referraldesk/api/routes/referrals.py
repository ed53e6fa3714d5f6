"""Referrals over HTTP: native JSON intake for integrations, the worklist for coordinators."""

from __future__ import annotations

import re
from typing import Annotated, Any

from fastapi import APIRouter, Body, Depends
from fastapi.responses import JSONResponse
from sqlalchemy import select
from sqlalchemy.orm import Session

from referraldesk.api import access
from referraldesk.api.deps import DbSession, require_roles
from referraldesk.audit import trail
from referraldesk.audit.trail import Actor
from referraldesk.errors import InvalidArgument
from referraldesk.models import Appointment, Referral
from referraldesk.practice.fields import npi_is_valid
from referraldesk.referrals import service as referral_service
from referraldesk.referrals.lifecycle import check_state
from referraldesk.tools.formatting import appointment_view

router = APIRouter(prefix="/api/referrals", tags=["referrals"])

Integration = Annotated[Actor, Depends(require_roles(*access.INTEGRATION))]
Coordinator = Annotated[Actor, Depends(require_roles(*access.COORDINATION))]


@router.post("", status_code=201)
def intake(
    actor: Integration, session: DbSession, body: Annotated[dict[str, Any], Body()]
) -> JSONResponse:
    """Take a referral in API.md's native JSON; a placer id seen before returns 200 and the
    referral on file."""
    _check_npi(body.get("referring_npi"))
    result = referral_service.intake_referral(session, actor, body, source="json")
    return JSONResponse(
        referral_service.referral_summary(result.referral),
        status_code=201 if result.created else 200,
    )


def _check_npi(npi: object) -> None:
    # Here, not in ReferralIn: an integration sending native JSON can fix its payload and
    # resend, while an HL7 or FHIR referral with a legacy NPI must not be lost at intake.
    if isinstance(npi, str) and re.fullmatch(r"\d{10}", npi) and not npi_is_valid(npi):
        raise InvalidArgument(
            f"referring_npi {npi!r} fails the NPI check digit (Luhn with the 80840 prefix); "
            "check the number on the NPI registry",
            field="referring_npi",
        )


@router.get("")
def worklist(actor: Coordinator, session: DbSession, status: str | None = None) -> JSONResponse:
    """Referrals, most urgent target date first, optionally in one status."""
    query = select(Referral).order_by(
        Referral.target_date.is_(None), Referral.target_date, Referral.received_at
    )
    if status is not None:
        check_state(status)
        query = query.where(Referral.status == status)
    found = list(session.scalars(query))
    trail.record(
        session,
        actor,
        "read",
        "referral",
        None,
        reason=f"worklist status={status or 'any'} ({len(found)} referrals)",
    )
    return JSONResponse([_without_history(referral_service.referral_summary(r)) for r in found])


@router.get("/{referral_id}")
def one(referral_id: str, actor: Coordinator, session: DbSession) -> JSONResponse:
    """One referral with its full history and its appointment."""
    referral = referral_service.get_referral(session, referral_id)
    trail.record(session, actor, "read", "referral", referral.id, patient_id=referral.patient_id)
    shown = referral_service.referral_summary(referral)
    shown["appointment"] = _appointment(session, referral)
    return JSONResponse(shown)


def _without_history(summary: dict[str, Any]) -> dict[str, Any]:
    return {key: value for key, value in summary.items() if key != "history"}


def _appointment(session: Session, referral: Referral) -> dict[str, Any] | None:
    if referral.appointment_id is None:
        return None
    appointment = session.get(Appointment, referral.appointment_id)
    return appointment_view(appointment).model_dump() if appointment else None
