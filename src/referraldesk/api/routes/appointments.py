"""Booking for integrations: a patient, a provider or a specialty, and a start.

The start is matched against the practice's configured calendar (the built-in one,
or its EHR's over FHIR), the same calendar the booking then goes into.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Annotated

from fastapi import APIRouter, Depends, Header
from fastapi.responses import JSONResponse
from pydantic import AwareDatetime, BaseModel, ConfigDict, Field, field_validator, model_validator
from sqlalchemy import select
from sqlalchemy.orm import Session

from referraldesk.api import access
from referraldesk.api.deps import DbSession, require_roles
from referraldesk.api.routes.tools import api_context, outcome_response
from referraldesk.audit.trail import Actor
from referraldesk.errors import NotFound, SlotTaken
from referraldesk.models import Patient, Provider
from referraldesk.patients.plans import primary_plan
from referraldesk.scheduling.backends import CalendarBackend, calendar_for
from referraldesk.scheduling.slots import Slot, SlotQuery
from referraldesk.tools import catalog
from referraldesk.tools.practice_queries import resolve_specialty

router = APIRouter(prefix="/api/appointments", tags=["appointments"])

# The same roles as the schedule_appointment tool (api/access.py).
Integration = Annotated[Actor, Depends(require_roles(*access.FRONT_DESK))]
# Enough for every provider of a specialty to have a slot starting at the same time.
_SAME_START_CANDIDATES = 100
# A provider's slots from the asked start on: the first few include it if it is open.
_PROVIDER_CANDIDATES = 8


class BookingIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    patient_id: str = Field(min_length=1, max_length=32)
    provider_id: str | None = Field(default=None, min_length=1, max_length=32)
    specialty: str | None = Field(default=None, min_length=1, max_length=100)
    start: AwareDatetime
    service: str | None = Field(default=None, max_length=64)
    referral_id: str | None = Field(default=None, max_length=32)
    notes: str | None = Field(default=None, max_length=2000)

    @field_validator("start")
    @classmethod
    def _plausible_start(cls, value: datetime) -> datetime:
        # Far-off years overflow date arithmetic; no clinic books outside this range.
        if not 2000 <= value.year <= 2100:
            raise ValueError(f"start {value.isoformat()} is not a date a visit can be booked on")
        return value

    @model_validator(mode="after")
    def _provider_or_specialty(self) -> BookingIn:
        if (self.provider_id is None) == (self.specialty is None):
            raise ValueError("give provider_id or specialty, not both and not neither")
        return self


@router.post("", status_code=201)
def book(
    body: BookingIn,
    actor: Integration,
    session: DbSession,
    idempotency_key: Annotated[str | None, Header(alias="Idempotency-Key")] = None,
) -> JSONResponse:
    """Book at `start`: with a provider, that provider's slot; with a specialty, the
    first provider (in the patient's plan) whose slot starts then."""
    slot_id = _slot_id_at(session, body)
    arguments = {
        "patient_id": body.patient_id,
        "slot_id": slot_id,
        "service": body.service,
        "referral_id": body.referral_id,
        "notes": body.notes,
    }
    outcome = catalog.call(
        session,
        api_context(actor),
        "schedule_appointment",
        arguments,
        idempotency_key=idempotency_key,
    )
    if not outcome.ok or outcome.data is None:
        return outcome_response(outcome)
    return JSONResponse(outcome.data["appointment"], status_code=201)


def _slot_id_at(session: Session, body: BookingIn) -> str:
    start = body.start.astimezone(UTC)
    calendar = calendar_for(session)
    if body.provider_id is not None:
        slot = _provider_slot_at(session, calendar, body.provider_id, start)
        if slot is None:
            raise _no_slot(session, calendar, [body.provider_id], body.start,
                           f"provider {body.provider_id}")
        return slot.id
    return _specialty_slot_id(session, calendar, body, body.specialty or "", start)


def _provider_slot_at(
    session: Session, calendar: CalendarBackend, provider_id: str, start: datetime
) -> Slot | None:
    query = SlotQuery(
        provider_id=provider_id,
        # A site's local date is within a day of the UTC date in any zone.
        start=(start - timedelta(days=1)).date(),
        end=(start + timedelta(days=1)).date(),
        not_before=start,
        limit=_PROVIDER_CANDIDATES,
    )
    return next((slot for slot in calendar.find_slots(session, query) if slot.start == start),
                None)


def _specialty_slot_id(
    session: Session, calendar: CalendarBackend, body: BookingIn, specialty: str, start: datetime
) -> str:
    patient = session.get(Patient, body.patient_id)
    if patient is None or patient.status != "active":
        raise NotFound(f"no patient with id {body.patient_id!r}", field="patient_id")
    plan = primary_plan(patient)
    query = SlotQuery(
        specialty_key=resolve_specialty(session, specialty).key,
        plan_id=plan.id if plan else None,
        service_key=body.service,
        # A site's local date is within a day of the UTC date in any zone.
        start=(start - timedelta(days=1)).date(),
        end=(start + timedelta(days=1)).date(),
        not_before=start,
        limit=_SAME_START_CANDIDATES,
    )
    for slot in calendar.find_slots(session, query):
        if slot.start == start:
            return slot.id
    providers = list(session.scalars(
        select(Provider.id).where(Provider.specialty_key == query.specialty_key)
    ))
    raise _no_slot(session, calendar, providers, body.start,
                   f"no {specialty} provider in the patient's plan")


def _no_slot(
    session: Session, calendar: CalendarBackend, provider_ids: list[str], start: datetime,
    who: str,
) -> SlotTaken | NotFound:
    """slot_taken only when someone holds that time; otherwise there is no such slot
    (a closed day, outside hours, or not a slot start), which a retry cannot change."""
    if calendar.held_at(session, provider_ids, start.astimezone(UTC)):
        return SlotTaken(
            f"the slot at {start.isoformat()} was just booked; search open slots and pick another",
            field="start",
        )
    return NotFound(
        f"{who} has no slot starting at {start.isoformat()}: the practice is closed then "
        "(a holiday, a closure, outside office hours) or no visit starts at that time; "
        "search open slots and pick one of their start times",
        field="start",
    )
