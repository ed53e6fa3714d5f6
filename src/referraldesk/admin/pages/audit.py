"""Audit: who read or changed what, filterable; for auditors and administrators only."""

from __future__ import annotations

from datetime import date
from itertools import islice
from typing import Annotated
from urllib.parse import urlencode

from fastapi import APIRouter, Depends, Query, Request
from starlette.responses import Response

from referraldesk.admin.deps import DbSession, Viewer, require
from referraldesk.admin.filters import choices
from referraldesk.admin.queries import audit as queries
from referraldesk.admin.rendering import render
from referraldesk.audit import trail

router = APIRouter()

Viewing = Annotated[Viewer, Depends(require("audit"))]
Acting = Annotated[Viewer, Depends(require("audit", "act"))]
Text = Annotated[str, Query(max_length=160)]
PROBLEMS_SHOWN = 20


@router.get("/audit")
def audit_page(
    request: Request,
    session: DbSession,
    viewer: Viewing,
    actor: Text = "",
    action: Text = "",
    resource_type: Text = "",
    patient_id: Text = "",
    date_from: Annotated[date | None, Query(alias="from")] = None,
    date_to: Annotated[date | None, Query(alias="to")] = None,
    before: Annotated[int | None, Query(ge=1, le=2**53)] = None,
) -> Response:
    flt = queries.AuditFilter(viewer.zone, actor.strip(), action, resource_type, patient_id.strip(),
                              date_from, date_to)
    rows, next_before = queries.events(session, flt, before)
    params = {key: value for key, value in {
        "actor": flt.actor, "action": flt.action, "resource_type": flt.resource_type,
        "patient_id": flt.patient_id, "from": date_from.isoformat() if date_from else "",
        "to": date_to.isoformat() if date_to else ""}.items() if value}
    known = queries.known_values(session)
    context = {
        "rows": rows, "flt": flt,
        "choices": {"action": choices(known["action"]),
                    "resource_type": choices(known["resource_type"])},
        "older_url": f"/admin/audit?{urlencode({**params, 'before': next_before})}"
        if next_before else None,
        "newer_url": f"/admin/audit?{urlencode(params)}" if before else None,
        "verification": None,
    }
    trail.record(session, viewer.actor, "read", "audit_trail", None,
                 reason=f"audit trail ({len(rows)} records shown)")
    return render(request, "audit.html", context, viewer=viewer, page="audit")


@router.post("/audit/verify")
def verify_chain(request: Request, session: DbSession, viewer: Acting) -> Response:
    """Check the whole hash chain: a full read of the trail, so an action, not a page load."""
    problems = list(islice(trail.verify(session), PROBLEMS_SHOWN))
    total = queries.count(session)
    trail.record(session, viewer.actor, "verify", "audit_trail", None,
                 reason=f"chain verified: {len(problems)} problem(s)")
    rows, next_before = queries.events(session, queries.AuditFilter(viewer.zone))
    known = queries.known_values(session)
    context = {
        "rows": rows, "flt": queries.AuditFilter(viewer.zone),
        "choices": {"action": choices(known["action"]),
                    "resource_type": choices(known["resource_type"])},
        "older_url": f"/admin/audit?before={next_before}" if next_before else None,
        "newer_url": None,
        "verification": {"problems": problems, "total": total, "limit": PROBLEMS_SHOWN},
    }
    return render(request, "audit.html", context, viewer=viewer, page="audit")
