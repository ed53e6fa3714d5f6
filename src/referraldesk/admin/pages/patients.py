"""Patients: search by name, date of birth or phone; one patient's whole record, where
staff also record a consent the patient gave or withdrew (patients/staff_consents.py)."""

from __future__ import annotations

from datetime import date
from typing import Annotated

from fastapi import APIRouter, Depends, Query, Request
from starlette.responses import RedirectResponse, Response

from referraldesk.admin.deps import DbSession, Viewer, form_values, require
from referraldesk.admin.pages.rights import panel as rights_panel
from referraldesk.admin.queries import patients as queries
from referraldesk.admin.rendering import render
from referraldesk.audit import trail
from referraldesk.errors import InvalidArgument
from referraldesk.patients.staff_consents import record_by_staff

router = APIRouter()

Viewing = Annotated[Viewer, Depends(require("patients"))]
CONSENT_RECORDED = "Consent recorded: outreach follows it from the next round."


@router.get("/patients")
def search_page(
    request: Request,
    session: DbSession,
    viewer: Viewing,
    name: Annotated[str, Query(max_length=200)] = "",
    dob: date | None = None,
    phone: Annotated[str, Query(max_length=32)] = "",
) -> Response:
    searched = bool(name.strip() or dob or phone.strip())
    found = queries.search(session, name=name, dob=dob, phone=phone) if searched else []
    if searched:
        trail.record_shown(session, viewer.actor, "patient", [patient.id for patient in found],
                           reason=f"patient search ({len(found)} found)")
    context = {"name": name, "dob": dob, "phone": phone, "searched": searched, "found": found,
               "limit": queries.RESULTS}
    return render(request, "patients.html", context, viewer=viewer, page="patients")


@router.get("/patients/{patient_id}")
def patient_page(patient_id: str, request: Request, session: DbSession,
                 viewer: Viewing, done: str | None = None) -> Response:
    record = queries.patient_record(session, patient_id)
    record |= rights_panel(session, viewer, patient_id, done)
    record["consent_flash"] = CONSENT_RECORDED if done == "consent" else None
    trail.record(session, viewer.actor, "read", "patient", patient_id, patient_id=patient_id,
                 reason="patient record")
    return render(request, "patient.html", record, viewer=viewer, page="patients")


@router.post("/patients/{patient_id}/consents")
async def record_consent(patient_id: str, request: Request, session: DbSession,
                         viewer: Viewing) -> Response:
    """What the patient told staff: a consent given or withdrawn, with how they said it."""
    form = await form_values(request)
    answer = form.get("granted", "")
    if answer not in ("yes", "no"):
        raise InvalidArgument("say whether the patient gave (yes) or withdrew (no) the consent",
                              field="granted")
    record_by_staff(session, viewer.actor, patient_id, form.get("kind", ""), answer == "yes",
                    form.get("reason", ""))
    return RedirectResponse(f"/admin/patients/{patient_id}?done=consent#consents",
                            status_code=303)
