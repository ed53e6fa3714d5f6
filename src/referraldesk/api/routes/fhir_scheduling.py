"""FHIR R4 scheduling: our calendar for other systems (and another referraldesk) to book.

Reads: Practitioner, PractitionerRole, Location, Schedule, Slot (free or busy),
Appointment. Writes: `POST /fhir/Appointment/$book` (or a plain create, with
`If-None-Exist` honoured), cancel by `PUT`/`PATCH` of the Appointment's status.
`POST /fhir/Appointment/$find` proposes open times. Every route takes a bearer
token with role integration. Errors are OperationOutcomes with the HTTP status of
our error tree: 409 with code conflict when the slot was taken meanwhile.
The intake routes (POST /fhir, /fhir/ServiceRequest, /fhir/Task) live in fhir_intake.py.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Annotated, Any
from urllib.parse import urlencode

from fastapi import APIRouter, Depends, Request
from fastapi.responses import JSONResponse
from sqlalchemy.orm import Session

from referraldesk.api.deps import DbSession, require_roles
from referraldesk.audit import trail
from referraldesk.audit.trail import Actor
from referraldesk.errors import (
    HTTP_STATUS,
    DomainError,
    InvalidArgument,
    NotFound,
    retry_after_headers,
)
from referraldesk.logging import get_logger
from referraldesk.models import Location, Provider
from referraldesk.scheduling.fhir import bodies, serving
from referraldesk.scheduling.fhir import resources as views
from referraldesk.scheduling.fhir.capability import capability_statement
from referraldesk.scheduling.fhir.search import (
    MAX_OFFSET,
    SlotSearch,
    actor_references,
    count_of,
    offset_of,
    references,
    time_bounds,
    token,
)
from referraldesk.settings import get_settings

log = get_logger(__name__)
router = APIRouter(prefix="/fhir", tags=["fhir"])

Integration = Annotated[Actor, Depends(require_roles("integration"))]
FHIR_JSON = "application/fhir+json"
_ISSUE_CODES = {
    "slot_taken": "conflict",
    "conflict": "conflict",
    "duplicate": "duplicate",
    "not_found": "not-found",
    "illegal_transition": "business-rule",
    "out_of_network": "business-rule",
    "outside_hours": "business-rule",
}


@router.get("/metadata")
def metadata(actor: Integration) -> JSONResponse:
    return _fhir(capability_statement())


@router.get("/Practitioner")
def search_practitioners(actor: Integration, session: DbSession) -> JSONResponse:
    return _fhir(
        views.search_bundle([views.practitioner_view(p) for p in serving.providers(session)])
    )


@router.get("/Practitioner/{provider_id}")
def read_practitioner(provider_id: str, actor: Integration, session: DbSession) -> JSONResponse:
    return _answer(session, lambda: views.practitioner_view(_get(session, Provider, provider_id)))


@router.get("/Location")
def search_locations(actor: Integration, session: DbSession) -> JSONResponse:
    return _fhir(views.search_bundle([views.location_view(s) for s in serving.locations(session)]))


@router.get("/Location/{location_id}")
def read_location(location_id: str, actor: Integration, session: DbSession) -> JSONResponse:
    return _answer(session, lambda: views.location_view(_get(session, Location, location_id)))


@router.get("/PractitionerRole")
def search_roles(
    request: Request, actor: Integration, session: DbSession, specialty: str | None = None
) -> JSONResponse:
    def run() -> dict[str, Any]:
        given = request.query_params.getlist("practitioner")
        search = SlotSearch(
            practitioner_ids=references(given, "Practitioner", "practitioner"),
            specialty=token(specialty),
        )
        pairs = serving.schedule_pairs(session, search)
        return views.search_bundle([views.practitioner_role_view(p, s) for p, s in pairs])

    return _answer(session, run)


@router.get("/Schedule")
def search_schedules(
    request: Request, actor: Integration, session: DbSession, specialty: str | None = None
) -> JSONResponse:
    def run() -> dict[str, Any]:
        practitioner_ids, location_ids = _actors(request)
        search = SlotSearch(
            practitioner_ids=practitioner_ids,
            location_ids=location_ids,
            specialty=token(specialty or request.query_params.get("service-type")),
        )
        pairs = serving.schedule_pairs(session, search)
        return views.search_bundle([views.schedule_view(p, s) for p, s in pairs])

    return _answer(session, run)


@router.get("/Slot")
def search_slots(request: Request, actor: Integration, session: DbSession) -> JSONResponse:
    """Slots by schedule, schedule.actor, start (ge/gt/le/lt), status, specialty, _count."""

    def run() -> dict[str, Any]:
        search = _slot_search(session, request)
        return views.search_bundle(
            serving.search_slots(session, search),
            limit=search.count,
            next_url=_next_page(request, search),
            offset=search.offset,
        )

    return _answer(session, run)


@router.get("/Slot/{slot_id}")
def read_slot(slot_id: str, actor: Integration, session: DbSession) -> JSONResponse:
    return _answer(session, lambda: serving.read_slot(session, slot_id))


@router.post("/Appointment/$find")
async def find(request: Request, actor: Integration, session: DbSession) -> JSONResponse:
    """Open times as proposed Appointments; Parameters: start, end, specialty,
    practitioner, location, _count (or the same as query parameters)."""
    body = await request.body()

    def run() -> dict[str, Any]:
        search = _find_search(session, request, body)
        return views.search_bundle(serving.proposals(session, search), limit=search.count)

    return _answer(session, run)


@router.post("/Appointment/$book")
async def book(request: Request, actor: Integration, session: DbSession) -> JSONResponse:
    body = await request.body()
    return _book(session, actor, body)


@router.post("/Appointment")
async def create(request: Request, actor: Integration, session: DbSession) -> JSONResponse:
    """Create = book. `If-None-Exist: identifier=<system>|<value>` returns the match, if any."""
    body = await request.body()
    condition = request.headers.get("if-none-exist")
    if condition:
        found = _conditional_match(session, condition)
        if isinstance(found, JSONResponse):
            return found
    return _book(session, actor, body)


@router.get("/Appointment/{appointment_id}")
def read_appointment(appointment_id: str, actor: Integration, session: DbSession) -> JSONResponse:
    def run() -> dict[str, Any]:
        appointment = serving.booking.get_appointment(session, appointment_id)
        trail.record(
            session,
            actor,
            "read",
            "appointment",
            appointment.id,
            patient_id=appointment.patient_id,
            reason="FHIR Appointment read",
        )
        return views.appointment_view(appointment)

    return _answer(session, run)


@router.get("/Appointment")
def search_appointments(
    actor: Integration,
    session: DbSession,
    identifier: str | None = None,
    status: str | None = None,
    practitioner: str | None = None,
) -> JSONResponse:
    def run() -> dict[str, Any]:
        if not (identifier or practitioner):
            raise InvalidArgument(
                "search Appointment by identifier or practitioner", field="identifier"
            )
        found = serving.search_appointments(
            session, identifier=identifier, status=status, practitioner=practitioner
        )
        for row in found:
            trail.record(
                session,
                actor,
                "read",
                "appointment",
                row.id,
                patient_id=row.patient_id,
                reason="FHIR Appointment search",
            )
        return views.search_bundle(
            [views.appointment_view(row) for row in found], limit=serving.APPOINTMENT_SEARCH_LIMIT
        )

    return _answer(session, run)


@router.put("/Appointment/{appointment_id}")
async def update(
    appointment_id: str, request: Request, actor: Integration, session: DbSession
) -> JSONResponse:
    """Only a cancellation: the same Appointment with status cancelled."""
    raw = await request.body()

    def run() -> dict[str, Any]:
        change = bodies.status_change_of_put(raw)
        return _change_status(session, actor, appointment_id, change.status, change.reason)

    return _answer(session, run)


@router.patch("/Appointment/{appointment_id}")
async def patch(
    appointment_id: str, request: Request, actor: Integration, session: DbSession
) -> JSONResponse:
    """JSON Patch: `[{"op": "replace", "path": "/status", "value": "cancelled"}]`."""
    raw = await request.body()

    def run() -> dict[str, Any]:
        change = bodies.status_change_of_patch(raw)
        return _change_status(session, actor, appointment_id, change.status, None)

    return _answer(session, run)


def _change_status(
    session: Session, actor: Actor, appointment_id: str, status: str | None, reason: str | None
) -> dict[str, Any]:
    if status == "cancelled":
        return views.appointment_view(serving.cancel(session, actor, appointment_id, reason))
    current = serving.booking.get_appointment(session, appointment_id)
    if views.appointment_view(current)["status"] == status:
        return views.appointment_view(current)
    raise InvalidArgument(
        f"status {status!r}: only cancellation (status cancelled) is taken here; to move "
        "an appointment, $book the new slot and cancel this one",
        field="Appointment.status",
    )


def _book(session: Session, actor: Actor, raw: bytes) -> JSONResponse:
    try:
        appointment, created = serving.book(session, actor, serving.parse_json(raw))
    except DomainError as exc:
        return _error(session, exc)
    view = views.appointment_view(appointment)
    log.info(
        "fhir_appointment_booked" if created else "fhir_appointment_replayed",
        appointment_id=appointment.id,
    )
    headers = {"Location": f"/fhir/Appointment/{appointment.id}"}
    return _fhir(view, 201 if created else 200, headers)


def _conditional_match(session: Session, condition: str) -> JSONResponse | None:
    name, _, value = condition.partition("=")
    if name.strip() != "identifier" or not value:
        return _error(
            session,
            InvalidArgument(
                "If-None-Exist takes identifier=<system>|<value>", field="If-None-Exist"
            ),
        )
    found = serving.by_booking_ref(session, value.strip())
    return _fhir(views.appointment_view(found), 200) if found is not None else None


def _next_page(request: Request, search: SlotSearch) -> str | None:
    """The same search one page on, at the public URL; None past the deepest page."""
    after = search.offset + search.count
    if after > MAX_OFFSET:
        return None
    kept = [(k, v) for k, v in request.query_params.multi_items() if k != "_getpagesoffset"]
    query = urlencode([*kept, ("_getpagesoffset", str(after))])
    return f"{get_settings().public_url.rstrip('/')}{request.url.path}?{query}"


def _slot_search(session: Session, request: Request) -> SlotSearch:
    params = request.query_params
    practitioner_ids, location_ids = _actors(request)
    return SlotSearch(
        schedule_ids=references(params.getlist("schedule"), "Schedule", "schedule"),
        practitioner_ids=practitioner_ids,
        location_ids=location_ids,
        specialty=token(params.get("specialty") or params.get("service-type")),
        bounds=time_bounds(params.getlist("start"), serving.practice_zone(session)),
        status=params.get("status", "free"),
        count=count_of(params.get("_count")),
        offset=offset_of(params.get("_getpagesoffset")),
    )


def _find_search(session: Session, request: Request, raw: bytes) -> SlotSearch:
    values: dict[str, list[str]] = {}
    for key, value in request.query_params.multi_items():
        values.setdefault(key, []).append(value)
    if raw.strip():
        for name, given in bodies.find_parameters(raw).items():
            values.setdefault(name, []).extend(given)
    zone = serving.practice_zone(session)
    starts = [f"ge{v}" for v in values.get("start", [])] + [f"le{v}" for v in values.get("end", [])]
    return SlotSearch(
        practitioner_ids=references(values.get("practitioner", []), "Practitioner", "practitioner"),
        location_ids=references(values.get("location", []), "Location", "location"),
        specialty=token(_first(values, "specialty")),
        bounds=time_bounds(starts, zone),
        count=count_of(_first(values, "_count")),
    )


def _first(values: dict[str, list[str]], name: str) -> str | None:
    given = values.get(name)
    return given[0] if given else None


def _actors(request: Request) -> tuple[tuple[str, ...], tuple[str, ...]]:
    """Practitioner and Location ids of `schedule.actor` (Slot) or `actor` (Schedule)."""
    return actor_references([(name, value) for name in ("schedule.actor", "actor")
                             for value in request.query_params.getlist(name)])


def _get(session: Session, model: Any, row_id: str) -> Any:
    row = session.get(model, row_id)
    if row is None:
        raise NotFound(f"no {model.__name__} {row_id!r}", field="id")
    return row


def _answer(session: Session, run: Callable[[], dict[str, Any]]) -> JSONResponse:
    try:
        return _fhir(run())
    except DomainError as exc:
        return _error(session, exc)


def _error(session: Session, exc: DomainError) -> JSONResponse:
    # Nothing half-stored: a refused write leaves the transaction as it found it.
    session.rollback()
    body = views.outcome(_ISSUE_CODES.get(exc.code, "invalid"), exc.message, error_code=exc.code)
    status = HTTP_STATUS.get(exc.code, 422)
    return _fhir(body, status, retry_after_headers(status, exc))


def _fhir(
    body: dict[str, Any], status: int = 200, headers: dict[str, str] | None = None
) -> JSONResponse:
    return JSONResponse(body, status_code=status, headers=headers, media_type=FHIR_JSON)
