"""Today: what is happening and who is waiting for a person."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Request
from starlette.responses import RedirectResponse, Response

from referraldesk.admin.deps import DbSession, Viewer, require
from referraldesk.admin.queries import today as queries
from referraldesk.admin.queries.common import day_bounds, local_today
from referraldesk.admin.rendering import render
from referraldesk.audit import trail
from referraldesk.clock import now
from referraldesk.errors import Conflict, NotFound
from referraldesk.models import StaffTask

router = APIRouter()

Viewing = Annotated[Viewer, Depends(require("today"))]
Acting = Annotated[Viewer, Depends(require("today", "act"))]
NOTICES = {"task_done": "Marked done."}


@router.get("/today")
def today_page(request: Request, session: DbSession, viewer: Viewing,
               done: str | None = None) -> Response:
    day = local_today(viewer.zone)
    start, end = day_bounds(day, day, viewer.zone)
    context = {
        "day": day,
        "counts": queries.conversation_counts(session, start, end),
        "active": queries.active_conversations(session),
        "bookings": queries.bookings(session, start, end),
        "tasks": queries.open_tasks(session),
        "outreach": queries.outreach_due(session, day),
        "flash": NOTICES.get(done or ""),
    }
    trail.record(session, viewer.actor, "read", "worklist", reason="today page")
    return render(request, "today.html", context, viewer=viewer, page="today")


@router.post("/tasks/{task_id}/done")
def task_done(task_id: str, session: DbSession, viewer: Acting) -> Response:
    task = session.get(StaffTask, task_id)
    if task is None:
        raise NotFound(f"there is no staff task with id {task_id!r}", field="task_id")
    if task.status != "open":
        raise Conflict(f"staff task {task_id} is already {task.status}; nothing to do",
                       field="task_id")
    task.status = "done"
    task.done_at = now()
    trail.record(session, viewer.actor, "update", "staff_task", task.id, patient_id=task.patient_id,
                 conversation_id=task.conversation_id, reason=f"{task.kind} done")
    return RedirectResponse("/admin/today?done=task_done", status_code=303)
