"""Apply a schedule event from the practice-management system to the built-in calendar.

The external system owns these appointments: its bookings are taken as they are (no
office-hours or network checks), but never on top of a booking we already hold: a
clash is a conflict, refused whole. Every event is keyed on the filler appointment
id, so a message sent twice changes nothing the second time. Referral states move
through the same hooks the booking service uses, so the referrer hears about it.

Bookings made here come back too: the PM system answers our SIU^S12 with its own
filler id in SCH-2 and our id in SCH-1 (`<id>^REFERRALDESK`). SCH-1 finds the
appointment (the current one of a reschedule chain, as SCH-1 names its first
booking), and the PM's filler id is kept on it, so a later message that names only
SCH-2 finds it as well.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from referraldesk.audit.trail import Actor, record
from referraldesk.clock import now
from referraldesk.errors import Conflict, InvalidArgument, NotFound
from referraldesk.intake.patients import patient_for
from referraldesk.intake.siu_read import (
    BOOK,
    CANCEL,
    KEPT,
    MODIFY,
    MOVE,
    ScheduleFacts,
    local_to_aware,
)
from referraldesk.logging import get_logger
from referraldesk.loop.outbox import queue_for_reschedule
from referraldesk.loop.visits import FULFILLED, MISSED
from referraldesk.models import BOOKED, Appointment, Location, Patient, Provider, Referral
from referraldesk.referrals.appointments import on_appointment_booked
from referraldesk.referrals.lifecycle import OPEN, SCHEDULED
from referraldesk.scheduling.backends.outside_changes import apply_cancel, apply_visit
from referraldesk.scheduling.locks import lock_appointment, lock_patient, lock_provider

log = get_logger(__name__)

CHANNEL = "hl7_siu"
OUR_APPLICATION = "REFERRALDESK"
SOURCE = "the practice's schedule feed"


@dataclass(frozen=True)
class ScheduleApplied:
    """What one event did: `done` is booked, moved, cancelled, kept, no_show or unchanged."""

    appointment: Appointment
    done: str
    referral: Referral | None

    def describe(self) -> str:
        return f"appointment {self.appointment.id} {self.done.replace('_', '-')}"


def apply_schedule(session: Session, actor: Actor, facts: ScheduleFacts) -> ScheduleApplied:
    """Apply one event; raises NotFound, Conflict or InvalidArgument naming the field."""
    existing = _existing(session, facts)
    if existing is None and facts.event == BOOK:
        return _book(session, actor, facts)
    if existing is None:
        raise NotFound(f"no appointment with filler id {facts.filler_id!r} is on the calendar; "
                       "send its SIU^S12 first", field="SCH-2")
    if facts.event in (BOOK, MOVE, MODIFY):
        _refuse_erased_patient(session, existing)
        applied = _move(session, actor, facts, existing)
    elif facts.event == CANCEL:
        applied = _cancel(session, actor, facts, existing)
    else:
        applied = _visit(session, actor, existing, kept=facts.event == KEPT)
    _remember_filler_id(applied.appointment, facts)
    return applied


def external_id(facts: ScheduleFacts) -> str:
    return f"siu:{facts.filler_namespace}:{facts.filler_id}"[:128]


def _existing(session: Session, facts: ScheduleFacts) -> Appointment | None:
    """Ours by SCH-2 or SCH-1 first, then the PM system's own booking, then its echo."""
    ours = _ours(session, facts)
    if ours is not None:
        return ours
    key = external_id(facts)
    for column in (Appointment.external_id, Appointment.filler_id):
        found = session.scalar(
            select(Appointment).where(column == key)
            .order_by(Appointment.booked_at.desc()).limit(1)
        )
        if found is not None:
            return current_of(session, found)
    return None


def _ours(session: Session, facts: ScheduleFacts) -> Appointment | None:
    if facts.filler_namespace.upper() == OUR_APPLICATION:
        # The PM system answers about a booking we made and sent it.
        booked = session.get(Appointment, facts.filler_id)
        return current_of(session, booked) if booked is not None else None
    if not facts.our_appointment_id:
        return None
    booked = session.get(Appointment, facts.our_appointment_id)
    if booked is None:
        # Booking it anew would put a second visit on the calendar for one of ours.
        raise NotFound(f"SCH-1 names our appointment {facts.our_appointment_id!r}, which is "
                       "not on our calendar; check the placer appointment id the interface "
                       "engine sends back", field="SCH-1")
    return current_of(session, booked)


def current_of(session: Session, appointment: Appointment) -> Appointment:
    """The latest booking of the reschedule chain `appointment` belongs to."""
    current, seen = appointment, {appointment.id}
    while True:
        later = session.scalar(
            select(Appointment).where(Appointment.rescheduled_from_id == current.id)
            .order_by(Appointment.booked_at.desc()).limit(1)
        )
        if later is None or later.id in seen:
            return current
        current = later
        seen.add(current.id)


def _remember_filler_id(appointment: Appointment, facts: ScheduleFacts) -> None:
    """Keep the PM system's id on a booking made here (its own bookings carry it already)."""
    key = external_id(facts)
    if facts.filler_namespace.upper() == OUR_APPLICATION or appointment.external_id == key:
        return
    if appointment.filler_id != key:
        appointment.filler_id = key
        log.info("siu_filler_id_learnt", appointment_id=appointment.id)


def _book(session: Session, actor: Actor, facts: ScheduleFacts) -> ScheduleApplied:
    if facts.patient is None:
        raise InvalidArgument("a new booking needs its patient", field="PID")
    found = _provider(session, facts)
    location = _location(session, found, facts)
    start, end = _times(facts, found, location)
    _refuse_past_start(start)
    patient_id = patient_for(session, actor, facts.patient).patient.id
    # Same lock order as the booking service: provider, then patient.
    provider = lock_provider(session, found.id)
    patient = lock_patient(session, patient_id)
    _check_free(session, provider, patient, start, end, None)
    referral = _referral(session, facts, patient)
    appointment = Appointment(
        patient_id=patient.id, provider_id=provider.id, location_id=location.id,
        start_at=start, end_at=end, timezone=location.timezone, status=BOOKED,
        channel=CHANNEL, external_id=external_id(facts),
        referral_id=referral.id if referral else None, booked_at=now(),
    )
    session.add(appointment)
    session.flush()
    linked = on_appointment_booked(session, actor, appointment)
    _audit(session, actor, "book", appointment, "booked from the practice's schedule feed")
    log.info("siu_booked", appointment_id=appointment.id, provider_id=provider.id)
    return ScheduleApplied(appointment, "booked", linked)


def _move(
    session: Session, actor: Actor, facts: ScheduleFacts, existing: Appointment
) -> ScheduleApplied:
    found = _provider(session, facts) if facts.provider_ids else existing.provider
    location = (_location(session, found, facts) if facts.location_names or
                found.id != existing.provider_id else existing.location)
    start, end = _times(facts, found, location, default_minutes=_length(existing))
    provider = lock_provider(session, found.id)
    patient = lock_patient(session, existing.patient_id)
    appointment = lock_appointment(session, existing.id)
    same = (appointment.provider_id, appointment.location_id, appointment.start_at,
            appointment.end_at) == (provider.id, location.id, start, end)
    if appointment.status != BOOKED:
        if same:
            return ScheduleApplied(appointment, "unchanged", _referral_of(session, appointment))
        raise Conflict(f"appointment {appointment.id} is {appointment.status}, so it cannot be "
                       "moved; book the new time with a new filler id", field="SCH-2")
    if same:
        return ScheduleApplied(appointment, "unchanged", _referral_of(session, appointment))
    if facts.event in (BOOK, MOVE):
        _refuse_past_start(start)
    _check_free(session, provider, patient, start, end, appointment.id)
    was = appointment.start_at
    appointment.provider_id, appointment.location_id = provider.id, location.id
    appointment.start_at, appointment.end_at = start, end
    appointment.timezone = location.timezone
    session.flush()
    session.refresh(appointment)
    referral = _referral_of(session, appointment)
    if referral is not None and referral.status == SCHEDULED \
            and referral.appointment_id == appointment.id:
        queue_for_reschedule(session, referral)
    _audit(session, actor, "reschedule", appointment,
           f"moved by the practice's schedule feed from {was.isoformat()}")
    log.info("siu_moved", appointment_id=appointment.id, provider_id=provider.id)
    return ScheduleApplied(appointment, "moved", referral)


def _cancel(
    session: Session, actor: Actor, facts: ScheduleFacts, existing: Appointment
) -> ScheduleApplied:
    lock_provider(session, existing.provider_id)
    appointment = lock_appointment(session, existing.id)
    if appointment.status == "cancelled":
        return ScheduleApplied(appointment, "unchanged", _referral_of(session, appointment))
    if appointment.status != BOOKED:
        raise Conflict(f"appointment {appointment.id} is {appointment.status}; only a booked "
                       "appointment can be cancelled", field="SCH-25")
    referral = apply_cancel(session, actor, appointment,
                            facts.reason or "cancelled in the practice's schedule", source=SOURCE)
    log.info("siu_cancelled", appointment_id=appointment.id)
    return ScheduleApplied(appointment, "cancelled", referral)


def _visit(
    session: Session, actor: Actor, existing: Appointment, *, kept: bool
) -> ScheduleApplied:
    appointment = lock_appointment(session, existing.id)
    wanted = FULFILLED if kept else MISSED
    done = "kept" if kept else "no_show"
    if appointment.status == wanted:
        return ScheduleApplied(appointment, "unchanged", _referral_of(session, appointment))
    if appointment.status != BOOKED:
        raise Conflict(f"appointment {appointment.id} is {appointment.status}; a visit can be "
                       "recorded only for a booked appointment", field="SCH-25")
    referral = apply_visit(session, actor, appointment, kept=kept, source=SOURCE)
    log.info("siu_visit", appointment_id=appointment.id, kept=kept)
    return ScheduleApplied(appointment, done, referral)


def _provider(session: Session, facts: ScheduleFacts) -> Provider:
    for identifier in facts.provider_ids:
        provider = session.scalar(
            select(Provider).where((Provider.npi == identifier) | (Provider.id == identifier))
        )
        if provider is not None:
            return provider
    if not facts.provider_ids:
        raise InvalidArgument("the booking names no provider; send the provider's NPI in AIP-3 "
                              "(or AIG-3)", field="AIP-3")
    raise NotFound(f"no provider here has NPI or id {', '.join(facts.provider_ids)}; add the "
                   "provider to the practice file or fix AIP-3", field="AIP-3")


def _location(session: Session, provider: Provider, facts: ScheduleFacts) -> Location:
    sites = provider.locations
    wanted = {name.strip().lower() for name in facts.location_names}
    named = [site for site in sites if {site.key.lower(), site.name.lower(), site.id} & wanted]
    if named:
        return named[0]
    if not wanted and len(sites) == 1:
        return sites[0]
    known = ", ".join(site.key for site in sites) or "none"
    raise NotFound(f"the booking's site ({', '.join(facts.location_names) or 'not given'}) is "
                   f"not one of {provider.display_name}'s sites ({known}); send its key in "
                   "AIL-3", field="AIL-3")


def _times(
    facts: ScheduleFacts, provider: Provider, location: Location, default_minutes: int | None = None
) -> tuple[datetime, datetime]:
    if facts.start is None:
        raise InvalidArgument("the appointment's start is missing", field="TQ1-7")
    start = local_to_aware(facts.start, location.timezone).astimezone(UTC)
    if facts.end is not None:
        end = local_to_aware(facts.end, location.timezone).astimezone(UTC)
    else:
        minutes = facts.minutes or default_minutes or provider.slot_minutes
        end = start + timedelta(minutes=minutes)
    if end <= start:
        raise InvalidArgument("the appointment ends before it starts; check TQ1-8 and AIS-7",
                              field="TQ1-8")
    return start, end


def _refuse_erased_patient(session: Session, appointment: Appointment) -> None:
    patient = session.get(Patient, appointment.patient_id)
    if patient is not None and patient.status == "erased":
        # Erasure keeps the appointment as an empty stub for the counts; moving it would
        # put the erased patient back on the provider's calendar.
        raise Conflict(f"patient erased: appointment {appointment.id} is kept only as an "
                       "empty record, so nothing was changed; book the visit anew if it is "
                       "still wanted", field="PID-3")


def _refuse_past_start(start: datetime) -> None:
    # A visit already held is recorded by S14 (kept) or S26 (no-show), not booked now.
    if start < now():
        raise InvalidArgument(f"the appointment starts in the past ({start.isoformat()}); "
                              "book or move only to a time still ahead, and record a visit "
                              "already held with SIU^S14 or SIU^S26", field="TQ1-7")


def _length(appointment: Appointment) -> int:
    return int((appointment.end_at - appointment.start_at).total_seconds() // 60)


def _check_free(
    session: Session, provider: Provider, patient: Patient, start: datetime, end: datetime,
    moving_id: str | None,
) -> None:
    for column, owner, field in ((Appointment.provider_id, provider.id, "AIP-3"),
                                 (Appointment.patient_id, patient.id, "PID-3")):
        stmt = select(Appointment.id).where(
            column == owner, Appointment.status == BOOKED,
            Appointment.start_at < end, Appointment.end_at > start,
        )
        if moving_id is not None:
            stmt = stmt.where(Appointment.id != moving_id)
        clash = session.scalar(stmt.limit(1))
        if clash is not None:
            whose = "the provider" if field == "AIP-3" else "the patient"
            raise Conflict(f"{whose} already has appointment {clash} on our calendar at that "
                           f"time ({start.isoformat()}); the slot is taken here, so nothing was "
                           "changed: move one of the two", field=field)


def _referral(session: Session, facts: ScheduleFacts, patient: Patient) -> Referral | None:
    if facts.our_referral_id:
        referral = session.get(Referral, facts.our_referral_id)
        if referral is not None and referral.patient_id == patient.id:
            return referral
    if not facts.placer_referral_id:
        return None
    return session.scalar(
        select(Referral).where(
            Referral.placer_id == facts.placer_referral_id,
            Referral.patient_id == patient.id,
            Referral.status.in_(OPEN),
        ).order_by(Referral.received_at.desc()).limit(1)
    )


def _referral_of(session: Session, appointment: Appointment) -> Referral | None:
    return session.get(Referral, appointment.referral_id) if appointment.referral_id else None


def _audit(session: Session, actor: Actor, action: str, appointment: Appointment,
           reason: str) -> None:
    record(session, actor, action, "appointment", appointment.id,
           patient_id=appointment.patient_id, reason=reason)
