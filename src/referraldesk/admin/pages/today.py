"""Today: what is happening and who is waiting for a person."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Annotated, Any
from urllib.parse import urlencode

from fastapi import APIRouter, Depends, Form, Query, Request
from starlette.responses import RedirectResponse, Response

from referraldesk.admin.deps import DbSession, Viewer, require
from referraldesk.admin.queries import today as queries
from referraldesk.admin.queries.common import day_bounds, local_today
from referraldesk.admin.rendering import render
from referraldesk.audit import trail
from referraldesk.clock import now
from referraldesk.errors import Conflict, InvalidArgument, NotFound
from referraldesk.models import Conversation, StaffTask
from referraldesk.outreach.sms import twilio_configured
from referraldesk.voice.callbacks import call_now

router = APIRouter()

Viewing = Annotated[Viewer, Depends(require("today"))]
Acting = Annotated[Viewer, Depends(require("today", "act"))]
PageNumber = Annotated[int, Query(ge=1, le=10_000)]
NOTICES = {
    "task_done": "Marked done.",
    "callback_placed": "Calling back now: when they answer, the staff line rings.",
    "callback_no_line": "No phone line is configured here (REFERRALDESK_TWILIO_ACCOUNT_SID "
    "and REFERRALDESK_TWILIO_AUTH_TOKEN are not set): call the number by hand.",
    "callback_opted_out": "The patient asked not to get automated calls: call them by hand.",
    "callback_failed": "Twilio did not place the call: call the number by hand.",
    "flag_taken": "It is on the list of people waiting, as a review task.",
    "flag_reviewed": "Marked reviewed: it is off the flagged list.",
}
# How many rows each long section shows per page, and the query parameter paging it.
SECTION_SIZES = {"tasks": 50, "flagged": 10, "outreach": 10, "unresolved": 10}
SECTION_PARAMS = {"tasks": "tasks_page", "flagged": "flagged_page", "outreach": "outreach_page",
                  "unresolved": "unresolved_page"}
FLAG_OUTCOMES = ("task", "reviewed")


@dataclass(frozen=True)
class Pages:
    """Where one section's list stands: rows first..last of total, and links to page on."""

    total: int
    first: int
    last: int
    first_url: str
    previous_url: str | None
    next_url: str | None


def _pages(section: str, total: int, shown: int, current: dict[str, int]) -> Pages:
    page, size = current[section], SECTION_SIZES[section]
    first = (page - 1) * size + 1 if shown else 0

    def url(number: int) -> str:
        # The other sections stay on the page they were on.
        params = {SECTION_PARAMS[key]: value for key, value in current.items() if value > 1}
        params[SECTION_PARAMS[section]] = number
        if number == 1:
            del params[SECTION_PARAMS[section]]
        query = urlencode(params)
        return f"/admin/today{'?' + query if query else ''}#{section}"

    return Pages(
        total=total,
        first=first,
        last=first + shown - 1 if shown else 0,
        first_url=url(1),
        previous_url=url(page - 1) if page > 1 else None,
        next_url=url(page + 1) if page * size < total else None,
    )


@router.get("/today")
def today_page(request: Request, session: DbSession, viewer: Viewing,
               done: str | None = None, tasks_page: PageNumber = 1,
               flagged_page: PageNumber = 1, outreach_page: PageNumber = 1,
               unresolved_page: PageNumber = 1) -> Response:
    day = local_today(viewer.zone)
    start, end = day_bounds(day, day, viewer.zone)
    current = {"tasks": tasks_page, "flagged": flagged_page, "outreach": outreach_page,
               "unresolved": unresolved_page}
    windows = {key: queries.Window(page, SECTION_SIZES[key]) for key, page in current.items()}
    lists = {
        "tasks": queries.open_tasks(session, windows["tasks"]),
        "flagged": queries.flagged_without_task(session, windows["flagged"]),
        "outreach": queries.outreach_due(session, day, windows["outreach"]),
        "unresolved": queries.booked_needing_info(session, windows["unresolved"]),
    }
    context = {
        "day": day,
        "counts": queries.conversation_counts(session, start, end),
        "active": queries.active_conversations(session),
        "bookings": queries.bookings(session, start, end),
        **lists,
        "pages": {key: _pages(key, found["total"], len(found["rows"]), current)
                  for key, found in lists.items()},
        "flash": NOTICES.get(done or ""),
        "outreach_off": not twilio_configured(),
    }
    trail.record_shown(session, viewer.actor, "worklist", _patients_shown(context),
                       reason="today page")
    return render(request, "today.html", context, viewer=viewer, page="today")


def _patients_shown(context: dict[str, Any]) -> list[str | None]:
    """The patients the page names: in open tasks, flagged conversations, outreach due,
    booked referrals missing information and today's bookings (conversations in
    progress are listed without a patient)."""
    return [
        *(row["task"].patient_id for row in context["tasks"]["rows"]),
        *(row.conversation.patient_id for row in context["flagged"]["rows"]),
        *(row.referral.patient_id for row in context["outreach"]["rows"]),
        *(row.referral.patient_id for row in context["unresolved"]["rows"]),
        *(row["appointment"].patient_id for row in context["bookings"]["rows"]),
    ]


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


@router.post("/tasks/{task_id}/call")
def task_call_back(task_id: str, session: DbSession, viewer: Acting) -> Response:
    """Call back a callback request now; staff are put through when the patient answers."""
    outcome = call_now(session, viewer.actor, task_id)
    return RedirectResponse(f"/admin/today?done={outcome}#tasks", status_code=303)


@router.post("/today/flagged/{conversation_id}")
def settle_flag(conversation_id: str, session: DbSession, viewer: Acting,
                then: Annotated[str, Form(max_length=10)] = "") -> Response:
    """A flagged conversation gets a review task: open (`task`, someone follows it up) or
    already done (`reviewed`, a person looked and nothing more is needed).

    Either way a task now covers it, so it leaves the flagged list and the record of
    who settled it stays with the task and in the audit trail.
    """
    if then not in FLAG_OUTCOMES:
        raise InvalidArgument(f"then {then!r} is not one of {', '.join(FLAG_OUTCOMES)}",
                              field="then")
    conversation = session.get(Conversation, conversation_id)
    if conversation is None:
        raise NotFound(f"there is no conversation with id {conversation_id!r}",
                       field="conversation_id")
    analysis = queries.flagged_analysis(session, conversation_id)
    if analysis is None:
        raise Conflict(f"conversation {conversation_id} is not flagged without a task any more; "
                       "reload Today", field="conversation_id")
    reviewed = then == "reviewed"
    task = StaffTask(
        kind="review", conversation_id=conversation.id, patient_id=conversation.patient_id,
        reason=f"flagged: {analysis.escalation_reason or 'needs a person'}"[:200],
        urgency="urgent" if conversation.outcome == "emergency" else "soon",
        summary=analysis.summary, callback_phone=conversation.caller_phone,
        status="done" if reviewed else "open", created_at=now(),
        done_at=now() if reviewed else None,
    )
    session.add(task)
    session.flush()
    trail.record(session, viewer.actor, "create", "staff_task", task.id,
                 patient_id=task.patient_id, conversation_id=conversation.id,
                 reason="flagged conversation " + ("marked reviewed" if reviewed else "taken up"))
    done = "flag_reviewed" if reviewed else "flag_taken"
    return RedirectResponse(f"/admin/today?done={done}#flagged", status_code=303)
