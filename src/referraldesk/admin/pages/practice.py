"""Practice: providers, services, office hours, holidays, languages and coverage, and edits.

A provider's languages, sites, plans and whether they take new patients, and a
service's length, are edited on a page of their own; a refused edit shows that
page again with what was typed and every problem, worded for the form.
"""

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
NOTICES = {
    "saved": "Saved: the practice now works with this change.",
    "unchanged": "Nothing to save: it was already so.",
}
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
        # A refusal is rendered at the form's own URL; the browser is put back here.
        "address": "/admin/practice",
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


def _edit_page(request: Request, session: DbSession, viewer: Viewer, template: str,
               context: dict[str, Any], *, problems: list[str] | None = None,
               status_code: int = 200) -> Response:
    return render(request, template, {**context, "problems": problems or []}, viewer=viewer,
                  page="practice", status_code=status_code)


def _save(request: Request, session: DbSession, viewer: Viewer, kind: queries.Editable,
          key: str, values: dict[str, Any], refused: Callable[[list[str]], Response]) -> Response:
    try:
        with session.begin_nested():
            changed = queries.edit_item(session, viewer.actor, kind, key, values)
    except queries.ChangeRefused as exc:
        return refused(exc.problems)
    anchor = kind.section
    done = "saved" if changed else "unchanged"
    return RedirectResponse(f"/admin/practice?done={done}#{anchor}", status_code=303)


def _provider_context(session: DbSession, npi: str, chosen: dict[str, Any] | None = None
                      ) -> dict[str, Any]:
    provider = queries.config_item(session, queries.PROVIDERS, npi)
    config = current_config(session)
    return {
        "provider": provider,
        "chosen": chosen or provider,
        "sites": [(site.key, site.name) for site in config.locations],
        "plans": [(plan.key, plan.name) for plan in config.plans],
    }


@router.get("/practice/providers/{npi}")
def provider_page(npi: str, request: Request, session: DbSession, viewer: Acting) -> Response:
    return _edit_page(request, session, viewer, "practice_provider.html",
                      _provider_context(session, npi))


@router.post("/practice/providers/{npi}")
def edit_provider(npi: str, request: Request, session: DbSession, viewer: Acting,
                  values: FormValues) -> Response:
    current = queries.config_item(session, queries.PROVIDERS, npi)

    def ticked(prefix: str, options: list[str]) -> list[str]:
        return [option for option in options if values.get(f"{prefix}_{option}") == "on"]

    config = current_config(session)
    chosen = {
        # Any ISO 639 code, as in the file ("es, en, hmn"); the file's checks judge each.
        "languages": list(dict.fromkeys(
            code.strip() for code in values.get("languages", "").split(",") if code.strip())),
        "locations": queries.kept_order(current.get("locations", []),
                                        ticked("site", [site.key for site in config.locations])),
        "plans": queries.kept_order(current.get("plans", []),
                                    ticked("plan", [plan.key for plan in config.plans])),
        "accepting_new_patients": values.get("accepting_new_patients") == "on",
    }

    def refused(problems: list[str]) -> Response:
        context = _provider_context(session, npi, {**current, **chosen})
        return _edit_page(request, session, viewer, "practice_provider.html", context,
                          problems=problems, status_code=422)

    return _save(request, session, viewer, queries.PROVIDERS, npi, chosen, refused)


@router.get("/practice/services/{key}")
def service_page(key: str, request: Request, session: DbSession, viewer: Acting) -> Response:
    service = queries.config_item(session, queries.SERVICES, key)
    return _edit_page(request, session, viewer, "practice_service.html",
                      {"service": service, "minutes": service["duration_minutes"]})


@router.post("/practice/services/{key}")
def edit_service(key: str, request: Request, session: DbSession, viewer: Acting,
                 duration_minutes: Annotated[str, Form(max_length=20)] = "") -> Response:
    service = queries.config_item(session, queries.SERVICES, key)
    typed = duration_minutes.strip()
    # Whole minutes become a number; anything else goes to the file's checks as typed,
    # so the refusal is theirs, worded as it would be for the YAML file.
    minutes: int | str = int(typed) if typed.isascii() and typed.isdigit() else typed

    def refused(problems: list[str]) -> Response:
        return _edit_page(request, session, viewer, "practice_service.html",
                          {"service": service, "minutes": typed}, problems=problems,
                          status_code=422)

    return _save(request, session, viewer, queries.SERVICES, key,
                 {"duration_minutes": minutes}, refused)
