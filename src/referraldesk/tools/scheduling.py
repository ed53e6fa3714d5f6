"""Scheduling tools: open slots, the patient's appointments, book, cancel, move.

Slots are not patient data, so searching works before verification; when the caller
is verified the search defaults to the patient's plan. Booking, cancelling and
moving act on the verified patient only, and the referral follows its appointment
through the referral hooks (idempotent, so a service that also calls them is fine).
All of it goes through the practice's calendar (scheduling/backends): the built-in
one, or its FHIR server, which answers `unavailable` (retryable) when it is down.
"""

from __future__ import annotations

from datetime import date, timedelta
from typing import Literal
from zoneinfo import ZoneInfo

from pydantic import BaseModel, Field
from sqlalchemy import select
from sqlalchemy.orm import Session

from referraldesk.errors import InvalidArgument, NotFound
from referraldesk.models import Patient, Plan, Practice
from referraldesk.patients.plans import primary_plan, resolve_plan
from referraldesk.referrals import appointments as referral_hooks
from referraldesk.scheduling import booking
from referraldesk.scheduling.backends import calendar_for
from referraldesk.scheduling.slots import Slot, SlotQuery
from referraldesk.tools import access, recording
from referraldesk.tools import practice_queries as queries
from referraldesk.tools.contract import PatientArgs, ToolArgs, ToolContext, ToolOutput
from referraldesk.tools.formatting import WEEKDAY_KEYS, AppointmentView, appointment_view
from referraldesk.tools.registry import tool
from referraldesk.tools.windows import WindowArg

DEFAULT_SEARCH_DAYS = 30
DEFAULT_LIMIT = 5
MAX_LIMIT = 20


class SlotSearchArgs(ToolArgs):
    specialty: str | None = Field(
        default=None,
        description="Specialty key (physical_therapy) or plain name, English or Spanish; "
        "null only when provider_id is given.",
    )
    provider_id: str | None = Field(default=None, description="Only this provider; null: any.")
    plan: str | None = Field(
        default=None,
        description="Insurance plan name; null: the verified patient's plan, or any plan "
        "before verification.",
    )
    language: str | None = Field(
        default=None, description="Provider speaks this language (en, es); null: any."
    )
    location: str | None = Field(default=None, description="Site key, name or id; null: any site.")
    service: str | None = Field(
        default=None,
        description="Service key from get_services, sets the visit length; null: standard visit.",
    )
    date_from: date | None = Field(
        default=None, description="First local date, YYYY-MM-DD; null: today."
    )
    date_to: date | None = Field(
        default=None,
        description="Last local date, YYYY-MM-DD, included; null: 30 days after date_from.",
    )
    windows: list[WindowArg] | None = Field(
        default=None, description="Times the patient can come (any one fits); null: any time."
    )
    urgency: Literal["routine", "urgent"] | None = Field(
        default=None, description="urgent: search only up to target_date; null: routine."
    )
    target_date: date | None = Field(
        default=None, description="Date an urgent referral must be seen by, YYYY-MM-DD; null: none."
    )
    limit: int | None = Field(
        default=None, ge=1, le=MAX_LIMIT, description="Most slots to return, 1-20; null: 5."
    )


class SlotView(BaseModel):
    slot_id: str
    start: str
    end: str
    weekday: str
    local_date: str
    local_time: str
    duration_minutes: int
    provider_id: str
    provider_name: str
    provider_languages: list[str]
    specialty: str
    location_id: str
    location_name: str


class SlotList(ToolOutput):
    slots: list[SlotView]
    date_from: str
    date_to: str
    plan: str | None


class NextSlot(ToolOutput):
    slot: SlotView


class AppointmentsArgs(PatientArgs):
    include_past: bool | None = Field(
        default=None,
        description="true: every appointment in any status; null: upcoming booked ones.",
    )


class AppointmentList(ToolOutput):
    appointments: list[AppointmentView]


class ScheduleArgs(PatientArgs):
    slot_id: str = Field(description="slot_id from get_available_slots or find_next_available.")
    service: str | None = Field(default=None, description="Service key; null: the standard visit.")
    referral_id: str | None = Field(
        default=None,
        description="The referral this visit fulfils (get_patient_referrals); null: none.",
    )
    notes: str | None = Field(
        default=None, max_length=2000, description="Note for the visit; null: none."
    )


class Booked(ToolOutput):
    appointment: AppointmentView


class CancelArgs(PatientArgs):
    appointment_id: str = Field(description="Id from get_patient_appointments.")
    reason: str | None = Field(
        default=None, max_length=200, description="Why, in a few words; null: not said."
    )


class RescheduleArgs(PatientArgs):
    appointment_id: str = Field(description="Id of the booked appointment to move.")
    slot_id: str = Field(description="slot_id of the new time, from get_available_slots.")
    reason: str | None = Field(default=None, max_length=200, description="Why; null: not said.")


class Rescheduled(ToolOutput):
    appointment: AppointmentView
    previous_appointment_id: str


@tool()
def get_available_slots(session: Session, ctx: ToolContext, args: SlotSearchArgs) -> SlotList:
    """Open appointment times, earliest first, for a specialty or provider, in the
    patient's plan, within dates (default today to 30 days ahead) and time windows.
    Each slot has slot_id (to book), start (ISO 8601 with the site's offset), weekday,
    local_date, local_time (HH:MM), provider, specialty and site. An empty list means
    nothing fits: widen the dates or windows, or drop a filter."""
    query, plan_name = _slot_query(session, ctx, args, args.limit or DEFAULT_LIMIT)
    found = calendar_for(session).find_slots(session, query)
    return SlotList(
        slots=[slot_view(s) for s in found],
        date_from=str(query.start),
        date_to=str(query.end),
        plan=plan_name,
    )


@tool()
def find_next_available(session: Session, ctx: ToolContext, args: SlotSearchArgs) -> NextSlot:
    """The single earliest open time for the same filters as get_available_slots
    (limit is ignored). not_found when nothing fits in the dates searched."""
    query, _ = _slot_query(session, ctx, args, 1)
    found = calendar_for(session).find_slots(session, query)
    if not found:
        raise NotFound(
            f"no open time from {query.start} to {query.end} fits this search",
            hint="Widen date_to or the time windows, try another site, or offer transfer_to_staff.",
        )
    return NextSlot(slot=slot_view(found[0]))


@tool()
def get_patient_appointments(
    session: Session, ctx: ToolContext, args: AppointmentsArgs
) -> AppointmentList:
    """The verified patient's upcoming booked appointments, earliest first (with
    include_past, all of them in any status). Times are ISO 8601 with the site's offset."""
    patient = access.subject_patient(session, ctx, args)
    found = booking.upcoming_appointments(session, patient.id, include_past=bool(args.include_past))
    recording.audit(session, ctx, "read", "appointment", None, patient_id=patient.id)
    return AppointmentList(appointments=[appointment_view(a, ctx.language) for a in found])


@tool(writes=True)
def schedule_appointment(session: Session, ctx: ToolContext, args: ScheduleArgs) -> Booked:
    """Book a slot for the verified patient after reading it back and hearing yes.
    slot_taken: the time went meanwhile (the hint names the next one);
    out_of_network: the provider does not take the patient's plan."""
    patient = access.subject_patient(session, ctx, args)
    referral_id = (
        access.owned_referral(session, patient, args.referral_id).id if args.referral_id else None
    )
    request = booking.BookingRequest.from_args(
        {
            "patient_id": patient.id,
            "slot_id": args.slot_id,
            "service_key": args.service,
            "referral_id": referral_id,
            "channel": _booking_channel(ctx),
            "conversation_id": ctx.conversation_id,
            "notes": args.notes,
        }
    )
    appointment = calendar_for(session).book(session, ctx.actor, request)
    referral_hooks.on_appointment_booked(session, ctx.actor, appointment)
    return Booked(appointment=appointment_view(appointment, ctx.language))


@tool(writes=True)
def cancel_appointment(session: Session, ctx: ToolContext, args: CancelArgs) -> Booked:
    """Cancel one of the verified patient's booked appointments. illegal_transition
    when it is already cancelled or past."""
    patient = access.subject_patient(session, ctx, args)
    access.owned_appointment(session, patient, args.appointment_id)
    appointment = calendar_for(session).cancel(
        session, ctx.actor, args.appointment_id, args.reason or "cancelled by the patient"
    )
    referral_hooks.on_appointment_cancelled(session, ctx.actor, appointment)
    return Booked(appointment=appointment_view(appointment, ctx.language))


@tool(writes=True)
def reschedule_appointment(session: Session, ctx: ToolContext, args: RescheduleArgs) -> Rescheduled:
    """Move one of the verified patient's booked appointments to a new slot in one
    step; if the new time cannot be booked the old one stays as it was."""
    patient = access.subject_patient(session, ctx, args)
    old = access.owned_appointment(session, patient, args.appointment_id)
    new = calendar_for(session).reschedule(
        session,
        ctx.actor,
        old.id,
        args.slot_id,
        reason=args.reason or "rescheduled",
        channel=_booking_channel(ctx),
        conversation_id=ctx.conversation_id,
    )
    referral_hooks.on_appointment_rescheduled(session, ctx.actor, old, new)
    return Rescheduled(
        appointment=appointment_view(new, ctx.language), previous_appointment_id=old.id
    )


def slot_view(slot: Slot) -> SlotView:
    start = slot.local_start
    return SlotView(
        slot_id=slot.id,
        start=start.isoformat(),
        end=slot.local_end.isoformat(),
        weekday=WEEKDAY_KEYS[start.weekday()],
        local_date=start.date().isoformat(),
        local_time=start.strftime("%H:%M"),
        duration_minutes=slot.duration_minutes,
        provider_id=slot.provider_id,
        provider_name=slot.provider_name,
        provider_languages=list(slot.languages),
        specialty=slot.specialty_key,
        location_id=slot.location_id,
        location_name=slot.location_name,
    )


def _slot_query(
    session: Session, ctx: ToolContext, args: SlotSearchArgs, limit: int
) -> tuple[SlotQuery, str | None]:
    if args.specialty is None and args.provider_id is None:
        raise InvalidArgument("name a specialty or a provider_id to search", field="specialty")
    start = args.date_from or _practice_today(session, ctx)
    end = _search_end(start, args)
    plan = resolve_plan(session, args.plan) if args.plan else _verified_plan(session, ctx)
    query = SlotQuery(
        specialty_key=queries.resolve_specialty(session, args.specialty).key
        if args.specialty
        else None,
        provider_id=args.provider_id,
        plan_id=plan.id if plan else None,
        language=args.language.lower() if args.language else None,
        location_id=queries.resolve_location(session, args.location).id if args.location else None,
        start=start,
        end=end,
        windows=[w for arg in args.windows or [] for w in arg.to_windows()],
        service_key=args.service,
        limit=limit,
    )
    return query, plan.name if plan else None


def _search_end(start: date, args: SlotSearchArgs) -> date:
    end = args.date_to or start + timedelta(days=DEFAULT_SEARCH_DAYS)
    if args.urgency == "urgent" and args.target_date is not None:
        if args.target_date < start:
            raise InvalidArgument(
                f"target_date {args.target_date} is before date_from {start}: the urgent "
                "window has passed; transfer_to_staff so a person can arrange it",
                field="target_date",
            )
        end = min(end, args.target_date)
    if end < start:
        raise InvalidArgument(
            f"date_to {end} is before date_from {start}; swap them", field="date_to"
        )
    return end


def _practice_today(session: Session, ctx: ToolContext) -> date:
    zone = session.scalar(select(Practice.timezone).limit(1)) or "America/Los_Angeles"
    return ctx.now().astimezone(ZoneInfo(zone)).date()


def _verified_plan(session: Session, ctx: ToolContext) -> Plan | None:
    if ctx.verified_patient_id is None:
        return None
    patient = session.get(Patient, ctx.verified_patient_id)
    return primary_plan(patient) if patient is not None else None


def _booking_channel(ctx: ToolContext) -> str:
    return (
        "integration"
        if ctx.actor.role == "integration"
        else ctx.channel
        if ctx.is_agent
        else "staff"
    )
