"""Book, cancel and reschedule appointments; every change is checked, locked and audited.

The server re-checks a booking by the same computation the slot search uses, so a
slot offered a minute ago and taken since is refused with the next open one. The
partial unique indexes on appointments are the last line of defence behind the
locks (see scheduling/locks.py); a collision there also becomes SlotTaken.
Services flush and never commit: the request, the command or the job owns the
transaction.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from pydantic import AwareDatetime, BaseModel, ConfigDict, Field, ValidationError, model_validator
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, selectinload

from referraldesk.audit.trail import Actor, record
from referraldesk.clock import now
from referraldesk.errors import Duplicate, IllegalTransition, InvalidArgument, NotFound
from referraldesk.logging import get_logger
from referraldesk.loop import schedule_feed
from referraldesk.loop.schedule_feed import queue_schedule_event
from referraldesk.models import BOOKED, Appointment, Patient, Provider
from referraldesk.patients.service import primary_plan
from referraldesk.referrals.appointments import (
    on_appointment_booked,
    on_appointment_cancelled,
    on_appointment_rescheduled,
)
from referraldesk.scheduling import checks
from referraldesk.scheduling.checks import SlotTakenError
from referraldesk.scheduling.locks import lock_appointment, lock_patient, lock_provider
from referraldesk.scheduling.slots import parse_slot_id

log = get_logger(__name__)

CANCELLED = "cancelled"


class BookingRequest(BaseModel):
    """A booking: `slot_id` from a search, or `provider_id` + `start` (aware) together.

    `location_id` narrows a provider + start booking to one site (otherwise the site
    whose slot starts then). `service_key` sets the visit's length (default: the
    provider's slot length). `channel` names who booked: voice, sms, chat, staff,
    integration ...
    """

    model_config = ConfigDict(extra="forbid", frozen=True, str_strip_whitespace=True)

    patient_id: str = Field(min_length=1, max_length=32)
    slot_id: str | None = Field(default=None, max_length=200)
    provider_id: str | None = Field(default=None, min_length=1, max_length=32)
    start: AwareDatetime | None = None
    location_id: str | None = Field(default=None, min_length=1, max_length=32)
    service_key: str | None = Field(default=None, min_length=1, max_length=64)
    referral_id: str | None = Field(default=None, min_length=1, max_length=32)
    channel: str = Field(default="staff", pattern=r"^[a-z_]{1,12}$")
    conversation_id: str | None = Field(default=None, max_length=32)
    telehealth: bool = False
    notes: str | None = Field(default=None, max_length=2000)

    @model_validator(mode="after")
    def _one_target(self) -> BookingRequest:
        by_slot = self.slot_id is not None
        by_time = self.provider_id is not None or self.start is not None
        if by_slot == by_time:
            raise ValueError("give either slot_id, or provider_id together with start")
        if by_time and (self.provider_id is None or self.start is None):
            raise ValueError("provider_id and start go together; give both")
        return self

    @classmethod
    def from_args(cls, args: Mapping[str, Any]) -> BookingRequest:
        """Build a request from loose input; every problem comes back in one InvalidArgument."""
        try:
            return cls.model_validate(dict(args))
        except ValidationError as exc:
            problems = [
                f"{'.'.join(str(part) for part in error['loc']) or 'request'}: {error['msg']}"
                for error in exc.errors()
            ]
            first = exc.errors()[0]["loc"]
            raise InvalidArgument(
                "booking request: " + "; ".join(problems),
                field=str(first[0]) if first else None,
            ) from None


@dataclass(frozen=True)
class _Target:
    provider_id: str
    location_id: str | None
    start: datetime


def book(session: Session, actor: Actor, request: BookingRequest) -> Appointment:
    """Book the request's slot for the patient after re-checking every rule.

    A referral given (or the patient's open referral for the specialty) is linked and
    moved to scheduled by the referrals hooks, in the same transaction.

    Raises SlotTaken (with `next_slot_id`), OutOfNetwork, OutsideHours, Duplicate
    (the patient is busy then), NotFound or InvalidArgument.
    """
    target = _target_of(request)
    provider = lock_provider(session, target.provider_id)
    patient = lock_patient(session, request.patient_id)
    appointment = _book_locked(session, request, target, provider, patient)
    on_appointment_booked(session, actor, appointment)
    queue_schedule_event(session, appointment, schedule_feed.BOOKED)
    audit_appointment(session, actor, "book", appointment, request.conversation_id)
    log.info("appointment_booked", appointment_id=appointment.id, provider_id=provider.id)
    return appointment


def cancel(session: Session, actor: Actor, appointment_id: str, reason: str) -> Appointment:
    """Cancel a booked appointment; cancelling twice is an IllegalTransition."""
    appointment = lock_appointment(session, appointment_id)
    _mark_cancelled(appointment, reason)
    session.flush()
    on_appointment_cancelled(session, actor, appointment)
    queue_schedule_event(session, appointment, schedule_feed.CANCELLED)
    audit_appointment(
        session, actor, "cancel", appointment, appointment.conversation_id, reason=reason
    )
    log.info(
        "appointment_cancelled", appointment_id=appointment.id, provider_id=appointment.provider_id
    )
    return appointment


def reschedule(
    session: Session,
    actor: Actor,
    appointment_id: str,
    slot_id: str,
    *,
    reason: str = "rescheduled",
    service_key: str | None = None,
    channel: str | None = None,
    conversation_id: str | None = None,
) -> Appointment:
    """Move a booked appointment to `slot_id` in one step; the new one points at the old.

    If the new booking fails, the old one stays booked (a savepoint undoes the cancel).
    The referral link, service, telehealth and notes carry over unless given.
    """
    current = session.get(Appointment, appointment_id)
    if current is None:
        raise NotFound(f"no appointment with id {appointment_id!r}", field="appointment_id")
    target = _target_of_slot(slot_id)
    # Same order as book(): provider, then patient, then the appointment itself.
    provider = lock_provider(session, target.provider_id)
    patient = lock_patient(session, current.patient_id)
    old = lock_appointment(session, appointment_id)
    request = _follow_up_request(old, provider, slot_id, service_key, channel, conversation_id)
    # The old booking must be out of the way first: the new time may overlap it
    # (or its buffer), which would otherwise refuse a move by 15 minutes.
    with session.begin_nested():
        _mark_cancelled(old, reason)
        session.flush()
        new = _book_locked(session, request, target, provider, patient)
        new.rescheduled_from_id = old.id
        session.flush()
    on_appointment_rescheduled(session, actor, old, new)
    queue_schedule_event(session, new, schedule_feed.MOVED)
    audit_appointment(
        session, actor, "cancel", old, request.conversation_id, reason=f"moved to {new.id}"
    )
    audit_appointment(
        session, actor, "reschedule", new, request.conversation_id, reason=f"from {old.id}"
    )
    log.info(
        "appointment_rescheduled",
        appointment_id=new.id,
        rescheduled_from_id=old.id,
        provider_id=provider.id,
    )
    return new


def get_appointment(
    session: Session, appointment_id: str, *, patient_id: str | None = None
) -> Appointment:
    """Return one appointment; with `patient_id`, only if it is that patient's."""
    appointment = session.scalar(
        _with_labels(select(Appointment)).where(Appointment.id == appointment_id)
    )
    if appointment is None or (patient_id is not None and appointment.patient_id != patient_id):
        raise NotFound(f"no appointment with id {appointment_id!r}", field="appointment_id")
    return appointment


def upcoming_appointments(
    session: Session, patient_id: str, *, include_past: bool = False
) -> list[Appointment]:
    """Return the patient's booked appointments that have not ended, earliest first.

    With `include_past`, every appointment of the patient in any status.
    """
    stmt = _with_labels(select(Appointment)).where(Appointment.patient_id == patient_id)
    if not include_past:
        stmt = stmt.where(Appointment.status == BOOKED, Appointment.end_at > now())
    return list(session.scalars(stmt.order_by(Appointment.start_at, Appointment.id)))


def _book_locked(
    session: Session,
    request: BookingRequest,
    target: _Target,
    provider: Provider,
    patient: Patient,
) -> Appointment:
    checks.check_patient(patient)
    checks.check_provider(provider, request.telehealth)
    service = checks.service_for(session, request.service_key, provider)
    duration = service.duration_minutes if service else provider.slot_minutes
    checks.check_bookable_time(session, target.start)
    checks.check_network(session, patient, provider)
    plan = primary_plan(patient)
    slot = checks.check_slot_open(
        session, provider, target.start, target.location_id, duration, plan.id if plan else None
    )
    checks.check_patient_free(session, patient, slot.start, slot.end)
    referral = checks.referral_for(session, request.referral_id, patient)
    appointment = Appointment(
        patient_id=patient.id,
        provider_id=provider.id,
        service_id=service.id if service else None,
        location_id=slot.location_id,
        start_at=slot.start,
        end_at=slot.end,
        timezone=slot.timezone,
        status=BOOKED,
        telehealth=request.telehealth,
        channel=request.channel,
        referral_id=referral.id if referral else None,
        conversation_id=request.conversation_id,
        notes=request.notes,
        booked_at=now(),
    )
    _insert(session, appointment, provider, duration, plan.id if plan else None)
    return appointment


def _insert(
    session: Session,
    appointment: Appointment,
    provider: Provider,
    duration: int,
    plan_id: str | None,
) -> None:
    # The savepoint keeps the caller's transaction usable when the unique index
    # refuses the row (a writer that slipped past the locks, e.g. another tool).
    try:
        with session.begin_nested():
            session.add(appointment)
            session.flush()
    except IntegrityError as exc:
        if "patient" in str(exc.orig):
            raise Duplicate(
                "the patient already has an appointment starting then; cancel or reschedule it",
                field="start",
            ) from None
        start = appointment.start_at
        following = checks.nearest_open(
            session, provider, start + timedelta(minutes=1), duration, plan_id
        )
        raise SlotTakenError(
            f"{provider.display_name} was booked at {start.isoformat()} a moment ago",
            next_slot=following,
        ) from None


def _mark_cancelled(appointment: Appointment, reason: str) -> None:
    if appointment.status != BOOKED:
        raise IllegalTransition(
            f"appointment {appointment.id} is {appointment.status}, not booked, so it cannot "
            "be cancelled or moved; look up the patient's current appointments",
            field="appointment_id",
        )
    appointment.status = CANCELLED
    appointment.cancelled_at = now()
    appointment.cancel_reason = (reason or "").strip()[:200] or None


def _follow_up_request(
    old: Appointment,
    provider: Provider,
    slot_id: str,
    service_key: str | None,
    channel: str | None,
    conversation_id: str | None,
) -> BookingRequest:
    keeps_service = old.service is not None and old.service.specialty_key == provider.specialty_key
    return BookingRequest(
        patient_id=old.patient_id,
        slot_id=slot_id,
        service_key=service_key or (old.service.key if keeps_service and old.service else None),
        referral_id=old.referral_id,
        channel=channel or old.channel,
        conversation_id=conversation_id or old.conversation_id,
        telehealth=old.telehealth and provider.telehealth,
        notes=old.notes,
    )


def _target_of(request: BookingRequest) -> _Target:
    if request.slot_id is not None:
        return _target_of_slot(request.slot_id, request.location_id)
    if request.provider_id is None or request.start is None:
        raise InvalidArgument("give either slot_id, or provider_id together with start")
    return _Target(request.provider_id, request.location_id, request.start)


def _target_of_slot(slot_id: str, location_id: str | None = None) -> _Target:
    ref = parse_slot_id(slot_id)
    if location_id is not None and location_id != ref.location_id:
        raise InvalidArgument(
            f"slot {slot_id} is at site {ref.location_id}, not {location_id}; drop location_id",
            field="location_id",
        )
    return _Target(ref.provider_id, ref.location_id, ref.start)


def audit_appointment(
    session: Session,
    actor: Actor,
    action: str,
    appointment: Appointment,
    conversation_id: str | None,
    *,
    reason: str | None = None,
) -> None:
    """One audit record for a booking change, whichever calendar holds the visit."""
    record(
        session,
        actor,
        action,
        "appointment",
        appointment.id,
        patient_id=appointment.patient_id,
        conversation_id=conversation_id,
        reason=reason,
    )


def _with_labels(stmt: Any) -> Any:
    return stmt.options(
        selectinload(Appointment.provider),
        selectinload(Appointment.location),
        selectinload(Appointment.service),
    )
