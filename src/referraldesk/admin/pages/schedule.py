"""Schedule: one provider's day or week, bookings and open slots side by side."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Annotated

from fastapi import APIRouter, Depends, Query, Request
from starlette.responses import Response

from referraldesk.admin.deps import DbSession, Viewer, require
from referraldesk.admin.queries import schedule as queries
from referraldesk.admin.queries.common import local_today
from referraldesk.admin.rendering import render
from referraldesk.audit import trail
from referraldesk.errors import InvalidArgument

router = APIRouter()

Viewing = Annotated[Viewer, Depends(require("schedule"))]
VIEWS = ("day", "week")


@router.get("/schedule")
def schedule_page(
    request: Request,
    session: DbSession,
    viewer: Viewing,
    provider: Annotated[str | None, Query(max_length=32)] = None,
    day: date | None = None,
    view: str = "week",
) -> Response:
    if view not in VIEWS:
        raise InvalidArgument(f"view {view!r} is not day or week", field="view")
    shown = day or local_today(viewer.zone)
    first = shown if view == "day" else shown - timedelta(days=shown.weekday())
    last = first + timedelta(days=0 if view == "day" else 6)
    listing = queries.providers(session, shown, viewer.zone)
    chosen = provider or (listing[0][0].id if listing else None)
    days = queries.provider_days(session, chosen, first, last, viewer.zone) if chosen else {}
    step = timedelta(days=1 if view == "day" else 7)
    context = {
        "providers": listing, "chosen": chosen, "view": view, "shown": shown, "days": days,
        "previous": shown - step, "next": shown + step,
        "chosen_name": next((p.display_name for p, _ in listing if p.id == chosen), ""),
    }
    trail.record_shown(session, viewer.actor, "appointment",
                       [entry.patient_id for entries in days.values() for entry in entries],
                       reason=f"schedule {view} of {first} for provider {chosen}")
    return render(request, "schedule.html", context, viewer=viewer, page="schedule")
