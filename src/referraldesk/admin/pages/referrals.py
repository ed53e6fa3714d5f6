"""Referrals: the board by lifecycle state, one referral's timeline and moves, the nudge list
with the status letters waiting for each practice."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Form, Query, Request
from starlette.responses import RedirectResponse, Response

from referraldesk.admin.deps import DbSession, Viewer, require
from referraldesk.admin.queries import referrals as queries
from referraldesk.admin.queries.common import local_today
from referraldesk.admin.rendering import NO_STORE, render
from referraldesk.audit import trail
from referraldesk.errors import HTTP_STATUS, DomainError
from referraldesk.referrals import lifecycle
from referraldesk.referrals.service import transition

router = APIRouter()

Viewing = Annotated[Viewer, Depends(require("referrals"))]
Acting = Annotated[Viewer, Depends(require("referrals", "act"))]
Specialty = Annotated[str | None, Query(max_length=64)]
PracticeId = Annotated[str | None, Query(max_length=32)]
NOTICES = {"moved": "The referral moved.", "created": "The referral was taken in."}


@router.get("/referrals")
def board_page(request: Request, session: DbSession, viewer: Viewing,
               specialty: Specialty = None, practice: PracticeId = None) -> Response:
    today = local_today(viewer.zone)
    counts = queries.status_counts(session, specialty or None, practice or None)
    columns = queries.board(session, today, counts, specialty=specialty or None,
                            practice_id=practice or None)
    context = {
        "columns": columns,
        "counts": counts,
        "terminal": [state for state in lifecycle.STATES if state in lifecycle.TERMINAL],
        "choices": queries.choices(session),
        "specialty": specialty or "", "practice": practice or "",
    }
    trail.record_shown(session, viewer.actor, "referral",
                       [ticket.referral.patient_id for column in columns
                        for ticket in column.tickets],
                       reason="referral board")
    return render(request, "referrals_board.html", context, viewer=viewer, page="referrals")


@router.get("/referrals/state/{state}")
def state_page(state: str, request: Request, session: DbSession, viewer: Viewing,
               page: Annotated[int, Query(ge=1, le=10_000)] = 1,
               specialty: Specialty = None, practice: PracticeId = None) -> Response:
    lifecycle.check_state(state)
    today = local_today(viewer.zone)
    tickets = queries.in_state(session, state, today, page=page, specialty=specialty or None,
                               practice_id=practice or None)
    counts = queries.status_counts(session, specialty or None, practice or None)
    context = {"state": state, "tickets": tickets, "page": page, "total": counts.get(state, 0),
               "page_size": queries.PAGE_SIZE, "specialty": specialty or "",
               "practice": practice or ""}
    trail.record_shown(session, viewer.actor, "referral",
                       [ticket.referral.patient_id for ticket in tickets],
                       reason=f"referrals in {state}, page {page}")
    return render(request, "referrals_state.html", context, viewer=viewer, page="referrals")


@router.get("/referrals/nudges")
def nudges_page(request: Request, session: DbSession, viewer: Viewing,
                practice: PracticeId = None) -> Response:
    today = local_today(viewer.zone)
    overview = queries.nudge_overview(session, today)
    chosen = practice or (overview[0]["practice_id"] if overview else None)
    nudges = queries.nudges_of(session, today, chosen) if overview else []
    context = {"overview": overview, "chosen": chosen, "nudges": nudges,
               "chosen_row": next((row for row in overview if row["practice_id"] == chosen),
                                  None),
               "letters": queries.letters_waiting(session, chosen),
               "shown_limit": queries.NUDGES_SHOWN}
    trail.record_shown(session, viewer.actor, "referral",
                       [nudge["referral"].patient_id for nudge in nudges],
                       reason="nudge list")
    return render(request, "referrals_nudges.html", context, viewer=viewer, page="referrals")


def _detail_page(request: Request, viewer: Viewer, detail: dict[str, Any], *,
                 flash: str | None = None, error: str | None = None,
                 status_code: int = 200) -> Response:
    context = {**detail, "flash": flash, "error": error}
    return render(request, "referral.html", context, viewer=viewer, page="referrals",
                  status_code=status_code)


@router.get("/referrals/{referral_id}")
def referral_page(referral_id: str, request: Request, session: DbSession, viewer: Viewing,
                  done: str | None = None) -> Response:
    detail = queries.referral_detail(session, referral_id)
    trail.record(session, viewer.actor, "read", "referral", referral_id,
                 patient_id=detail["referral"].patient_id)
    return _detail_page(request, viewer, detail, flash=NOTICES.get(done or ""))


@router.post("/referrals/{referral_id}/move")
def move(
    referral_id: str,
    request: Request,
    session: DbSession,
    viewer: Acting,
    to_status: Annotated[str, Form(max_length=20)],
    reason: Annotated[str, Form(max_length=2000)] = "",
    leakage_reason: Annotated[str, Form(max_length=40)] = "",
) -> Response:
    """One legal move (referrals.service.transition); a refused move re-shows the page with why."""
    referral = queries.get_referral(session, referral_id)
    try:
        with session.begin_nested():
            transition(session, viewer.actor, referral, to_status, reason=reason.strip() or None,
                       leakage_reason=leakage_reason or None)
    except DomainError as exc:
        session.expire(referral)
        detail = queries.referral_detail(session, referral_id)
        return _detail_page(request, viewer, detail, error=exc.message,
                            status_code=HTTP_STATUS.get(exc.code, 400))
    return RedirectResponse(f"/admin/referrals/{referral_id}?done=moved", status_code=303)


@router.get("/referrals/{referral_id}/status-letter.pdf")
def status_letter(referral_id: str, session: DbSession, viewer: Acting) -> Response:
    """The printable status letter, for a referring practice told by fax or by hand."""
    from referraldesk.loop.letters import status_letter_pdf
    from referraldesk.referrals.service import get_referral

    referral = get_referral(session, referral_id)
    trail.record(session, viewer.actor, "export", "referral", referral.id,
                 patient_id=referral.patient_id, reason="status letter")
    return Response(status_letter_pdf(session, referral), media_type="application/pdf",
                    headers={**NO_STORE, "Content-Disposition":
                             f'attachment; filename="status-letter-{referral.id}.pdf"'})
