"""Data rights on the dashboard: the request log with its deadlines, and on a patient's
record the actions that answer a request (log it, export JSON or PDF, opt out, erase).

Each action is authorized by `rights.permissions` (erase: administrators only) and
needs a reason; a refusal or a mistake comes back as the dashboard's error page.
"""

from __future__ import annotations

import json
from datetime import UTC, date, datetime, time
from typing import Annotated, Any
from zoneinfo import ZoneInfo

from fastapi import APIRouter, Depends, Request
from sqlalchemy import select
from starlette.responses import RedirectResponse, Response

from referraldesk.admin.deps import DbSession, Viewer, form_values, require
from referraldesk.admin.rendering import NO_STORE, render
from referraldesk.clock import now
from referraldesk.errors import InvalidArgument
from referraldesk.models import Practice
from referraldesk.models.rights import REQUEST_KINDS
from referraldesk.rights import erase as erasure
from referraldesk.rights import export as exports
from referraldesk.rights import opt_out as opt_outs
from referraldesk.rights import requests
from referraldesk.rights.pdf import export_pdf
from referraldesk.rights.permissions import authorize, may

router = APIRouter()

Viewing = Annotated[Viewer, Depends(require("patients"))]
NOTICES = {
    "logged": "Request logged.",
    "opted_out": "Opt-out recorded: outreach stops on every channel now.",
    "erased": "The patient's data was erased; the audit trail keeps the record of it.",
    "completed": "Request marked answered.",
    "denied": "Request marked denied; the note says why.",
}
# No request to this product can predate it; an earlier year is a typo (1926 for 2026).
EARLIEST_RECEIVED = date(2000, 1, 1)


def panel(session: Any, viewer: Viewer, patient_id: str, done: str | None) -> dict[str, Any]:
    """What the patient page's data-rights section shows; empty for roles without rights."""
    if not may(viewer.role, "list"):
        return {"rights": None}
    found = requests.list_requests(session, viewer.actor, patient_id=patient_id)
    return {"rights": {
        "requests": found,
        "kinds": REQUEST_KINDS,
        "may_erase": may(viewer.role, "erase"),
        "overdue": {request.id for request in found if requests.is_overdue(request)},
        "flash": NOTICES.get(done or ""),
    }}


@router.get("/rights")
def requests_page(request: Request, session: DbSession, viewer: Viewing,
                  open_only: bool = False) -> Response:
    authorize(viewer.actor, "list")
    found = requests.list_requests(session, viewer.actor, open_only=open_only)
    context = {"requests": found, "open_only": open_only,
               "overdue": {item.id for item in found if requests.is_overdue(item)}}
    return render(request, "rights.html", context, viewer=viewer, page="patients")


@router.post("/patients/{patient_id}/rights/request")
async def log_request(patient_id: str, request: Request, session: DbSession,
                      viewer: Viewing) -> Response:
    form = await form_values(request)
    requests.log_request(session, viewer.actor, patient_id, form.get("kind", ""),
                         notes=form.get("notes"),
                         received_at=_received(form.get("received"), viewer.zone))
    return _back(patient_id, "logged")


@router.post("/patients/{patient_id}/rights/export")
async def export(patient_id: str, request: Request, session: DbSession,
                 viewer: Viewing) -> Response:
    form = await form_values(request)
    fmt = form.get("format", "json")
    if fmt not in ("json", "pdf"):
        raise InvalidArgument(f"format {fmt!r} is not json or pdf", field="format")
    data = exports.export_patient(session, viewer.actor, patient_id, reason=form.get("reason", ""))
    name = f"patient-{patient_id}-export.{fmt}"
    headers = {**NO_STORE, "Content-Disposition": f'attachment; filename="{name}"'}
    if fmt == "pdf":
        practice = session.scalar(select(Practice.name).limit(1)) or "referraldesk"
        return Response(export_pdf(data, practice), media_type="application/pdf",
                        headers=headers)
    body = json.dumps(data, indent=2, ensure_ascii=False)
    return Response(body, media_type="application/json", headers=headers)


@router.post("/patients/{patient_id}/rights/opt-out")
async def opt_out(patient_id: str, request: Request, session: DbSession,
                  viewer: Viewing) -> Response:
    form = await form_values(request)
    opt_outs.opt_out(session, viewer.actor, patient_id, reason=form.get("reason", ""),
                     outreach="outreach" in form, non_care_use="non_care_use" in form)
    return _back(patient_id, "opted_out")


@router.post("/patients/{patient_id}/rights/erase")
async def erase(patient_id: str, request: Request, session: DbSession,
                viewer: Viewing) -> Response:
    form = await form_values(request)
    erasure.erase_patient(session, viewer.actor, patient_id, reason=form.get("reason", ""),
                          confirm=form.get("confirm", ""))
    return _back(patient_id, "erased")


@router.post("/rights/{request_id}/complete")
async def complete(request_id: str, request: Request, session: DbSession,
                   viewer: Viewing) -> Response:
    """Close an open request answered another way (a correction made on the record) or
    refused; a refusal needs a note saying why."""
    authorize(viewer.actor, "complete")
    form = await form_values(request)
    outcome = form.get("outcome", "")
    if outcome not in ("completed", "denied"):
        raise InvalidArgument(f"outcome {outcome!r} is not completed or denied", field="outcome")
    notes = (form.get("notes") or "").strip() or None
    if outcome == "denied" and notes is None:
        raise InvalidArgument("a denied request needs a note saying why (no patient details)",
                              field="notes")
    answered = requests.complete_request(session, viewer.actor, request_id,
                                         denied=outcome == "denied", notes=notes)
    return _back(answered.patient_id, outcome)


def _back(patient_id: str, done: str) -> Response:
    return RedirectResponse(f"/admin/patients/{patient_id}?done={done}#data-rights",
                            status_code=303)


def _received(text: str | None, zone: str) -> datetime | None:
    """The day a request came in, as typed on the form (a day in the practice's zone).

    A day after today or before 2000 is refused, not corrected: either is a typo, and
    the request's 45-day deadline is counted from it.
    """
    if not text:
        return None
    try:
        day = date.fromisoformat(text)
    except ValueError:
        raise InvalidArgument(f"received: {text!r} is not a date like 2026-03-09",
                              field="received") from None
    today = now().astimezone(ZoneInfo(zone)).date()
    if day > today:
        raise InvalidArgument(f"received: {day.isoformat()} is after today ({today.isoformat()}); "
                              "give the day the request came in", field="received")
    if day < EARLIEST_RECEIVED:
        raise InvalidArgument(f"received: {day.isoformat()} is before "
                              f"{EARLIEST_RECEIVED.isoformat()}; check the year",
                              field="received")
    # Noon UTC keeps the calendar day in every US zone; today's noon may not have come yet.
    return min(datetime.combine(day, time(12), tzinfo=UTC), now())
