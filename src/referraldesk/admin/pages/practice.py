"""Practice: providers, services, office hours, holidays, languages and coverage, and edits."""

from __future__ import annotations

from collections.abc import Callable
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Form, Request
from starlette.responses import RedirectResponse, Response

from referraldesk.admin.deps import DbSession, Viewer, form_values, require
from referraldesk.admin.queries import practice as queries
from referraldesk.admin.rendering import render
from referraldesk.errors import InvalidArgument, NotFound
from referraldesk.practice.exporter import current_config
from referraldesk.practice.fields import SUPPORTED_LANGUAGES, WEEKDAYS

router = APIRouter()

Viewing = Annotated[Viewer, Depends(require("practice"))]
Acting = Annotated[Viewer, Depends(require("practice", "act"))]
FormValues = Annotated[dict[str, str], Depends(form_values)]
NOTICES = {"saved": "Saved: the practice now works with this change."}
COVERAGE_MODES = ("full_day", "after_hours")


def _page(request: Request, session: DbSession, viewer: Viewer, *, flash: str | None = None,
          problems: list[str] | None = None, status_code: int = 200) -> Response:
    try:
        document: dict[str, Any] | None = current_config(session).model_dump(mode="json")
    except NotFound:
        document = None
    context = {
        "config": document, "flash": flash, "problems": problems or [],
        "weekdays": WEEKDAYS, "languages": SUPPORTED_LANGUAGES, "coverage_modes": COVERAGE_MODES,
        "hours_text": queries.hours_as_text,
    }
    return render(request, "practice.html", context, viewer=viewer, page="practice",
                  status_code=status_code)


@router.get("/practice")
def practice_page(request: Request, session: DbSession, viewer: Viewing,
                  done: str | None = None) -> Response:
    return _page(request, session, viewer, flash=NOTICES.get(done or ""))


def _apply(request: Request, session: DbSession, viewer: Viewer,
           change: Callable[[dict[str, Any]], None]) -> Response:
    try:
        with session.begin_nested():
            queries.apply_change(session, viewer.actor, change)
    except queries.ChangeRefused as exc:
        return _page(request, session, viewer, problems=exc.problems, status_code=422)
    except InvalidArgument as exc:
        return _page(request, session, viewer, problems=[exc.message], status_code=422)
    return RedirectResponse("/admin/practice?done=saved", status_code=303)


@router.post("/practice/locations/{key}/hours")
def edit_hours(key: str, request: Request, session: DbSession, viewer: Acting,
               values: FormValues) -> Response:
    hours = {day: values.get(f"hours_{day}", "") for day in WEEKDAYS}
    return _apply(request, session, viewer, queries.set_hours(key, hours))


@router.post("/practice/closures")
def add_closure(
    request: Request, session: DbSession, viewer: Acting,
    name: Annotated[str, Form(max_length=200)],
    first: Annotated[str, Form(alias="date", max_length=10)],
    until: Annotated[str, Form(max_length=10)] = "",
    location: Annotated[str, Form(max_length=64)] = "",
) -> Response:
    return _apply(request, session, viewer, queries.add_closure(name, first, until, location))


@router.post("/practice/closures/remove")
def remove_closure(
    request: Request, session: DbSession, viewer: Acting,
    name: Annotated[str, Form(max_length=200)],
    first: Annotated[str, Form(alias="date", max_length=10)],
) -> Response:
    return _apply(request, session, viewer, queries.remove_closure(name, first))


@router.post("/practice/service")
def edit_service_levels(request: Request, session: DbSession, viewer: Acting,
                        values: FormValues) -> Response:
    languages = [code for code in SUPPORTED_LANGUAGES if values.get(f"language_{code}") == "on"]
    mode = values.get("coverage_mode", "")
    return _apply(request, session, viewer, queries.set_service_levels(languages, mode))
