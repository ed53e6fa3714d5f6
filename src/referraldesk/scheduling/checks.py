"""The rules a booking must pass on the server, whatever the caller already checked.

Each check raises the error a caller can act on: the slot is gone (with the next
one), the plan is out of network (with who takes it), the time is not bookable.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from referraldesk.clock import now
from referraldesk.errors import (
    Duplicate,
    InvalidArgument,
    NotFound,
    OutOfNetwork,
    OutsideHours,
    SlotTaken,
)
from referraldesk.models import BOOKED, Appointment, Patient, Plan, Provider, Referral, Service
from referraldesk.patients.service import primary_plan
from referraldesk.scheduling.loading import SELF_PAY
from referraldesk.scheduling.policy import booking_rules
from referraldesk.scheduling.slots import Slot, SlotQuery, find_slots, next_available, slot_at


class SlotTakenError(SlotTaken):
    """The slot is no longer open; `next_slot` is the nearest open one, if any."""

    def __init__(self, message: str, *, next_slot: Slot | None, field: str = "slot_id"):
        super().__init__(message, field=field, hint=_next_slot_hint(next_slot))
        self.next_slot = next_slot
        self.next_slot_id = next_slot.id if next_slot else None


def check_patient(patient: Patient) -> None:
    if patient.status != "active":
        raise InvalidArgument(
            f"patient {patient.id} is {patient.status} and cannot be booked; "
            "register the patient again",
            field="patient_id",
        )


def check_provider(provider: Provider, telehealth: bool) -> None:
    if not provider.active:
        raise InvalidArgument(
            f"provider {provider.id} ({provider.display_name}) no longer takes appointments; "
            "search slots again for an active provider",
            field="provider_id",
        )
    if telehealth and not provider.telehealth:
        raise InvalidArgument(
            f"{provider.display_name} does not offer telehealth; book in person or pick "
            "a provider who does",
            field="telehealth",
        )


def service_for(session: Session, service_key: str | None, provider: Provider) -> Service | None:
    if service_key is None:
        return None
    service = session.scalar(select(Service).where(Service.key == service_key))
    if service is None:
        raise NotFound(f"no service with key {service_key!r}", field="service_key")
    if service.specialty_key != provider.specialty_key:
        raise InvalidArgument(
            f"service {service_key!r} is a {service.specialty_key} service and "
            f"{provider.display_name} practises {provider.specialty_key}; pick a matching one",
            field="service_key",
        )
    return service


def check_bookable_time(session: Session, start: datetime) -> None:
    """Refuse a start in the past, inside the minimum notice, or past the horizon."""
    rules = booking_rules(session)
    if start < now():
        raise InvalidArgument(
            f"{start.isoformat()} is in the past; pick a slot from a new search", field="start"
        )
    if start < rules.earliest():
        minutes = int(rules.min_notice.total_seconds() // 60)
        raise InvalidArgument(
            f"{start.isoformat()} is less than {minutes} minutes away, the practice's minimum "
            "notice; pick a later slot",
            field="start",
        )
    if start > rules.latest():
        raise InvalidArgument(
            f"{start.isoformat()} is past the booking horizon of {rules.horizon.days} days; "
            "pick an earlier slot",
            field="start",
        )


def check_network(session: Session, patient: Patient, provider: Provider) -> None:
    """The provider must take the patient's primary plan; no plan on file means self-pay."""
    plan = primary_plan(patient)
    if plan is None or plan.kind == SELF_PAY or plan in provider.plans:
        return
    others = _in_network_names(session, plan, provider)
    hint = (
        f"In network for {plan.name}: {', '.join(others)}."
        if others
        else f"No {provider.specialty_key} provider here takes {plan.name}; self-pay is possible."
    )
    raise OutOfNetwork(
        f"{provider.display_name} does not take {plan.name}", field="provider_id", hint=hint
    )


def check_slot_open(
    session: Session,
    provider: Provider,
    start: datetime,
    location_id: str | None,
    duration: int,
    plan_id: str | None,
) -> Slot:
    """Return the open slot at `start`, by the same computation the search uses."""
    slot = slot_at(session, provider.id, start, location_id=location_id, duration_minutes=duration)
    if slot is not None:
        return slot
    would_be = slot_at(
        session,
        provider.id,
        start,
        location_id=location_id,
        duration_minutes=duration,
        respect_bookings=False,
    )
    following = nearest_open(session, provider, start, duration, plan_id)
    if would_be is not None:
        raise SlotTakenError(
            f"{provider.display_name} is already booked at {would_be.label()}",
            next_slot=following,
        )
    raise OutsideHours(
        f"{provider.display_name} has no slot starting at {start.isoformat()}"
        + (f" at site {location_id}" if location_id else "")
        + "; book a time from a slot search",
        field="start",
        hint=_next_slot_hint(following),
    )


def check_patient_free(session: Session, patient: Patient, start: datetime, end: datetime) -> None:
    clash = session.scalar(
        select(Appointment).where(
            Appointment.patient_id == patient.id,
            Appointment.status == BOOKED,
            Appointment.start_at < end,
            Appointment.end_at > start,
        )
    )
    if clash is not None:
        raise Duplicate(
            f"the patient already has appointment {clash.id} at "
            f"{clash.start_at.isoformat()}, which overlaps this time; cancel or reschedule it",
            field="start",
        )


def referral_for(session: Session, referral_id: str | None, patient: Patient) -> Referral | None:
    if referral_id is None:
        return None
    referral = session.get(Referral, referral_id)
    if referral is None:
        raise NotFound(f"no referral with id {referral_id!r}", field="referral_id")
    if referral.patient_id != patient.id:
        raise InvalidArgument(
            f"referral {referral_id} belongs to another patient; book it for that patient",
            field="referral_id",
        )
    return referral


def nearest_open(
    session: Session, provider: Provider, after: datetime, duration: int, plan_id: str | None
) -> Slot | None:
    """The provider's next open slot from `after`, else the specialty's (in the plan)."""
    not_before = max(after, booking_rules(session).earliest())
    own = next_available(
        session,
        SlotQuery(provider_id=provider.id, not_before=not_before, duration_minutes=duration),
    )
    if own is not None:
        return own
    found = find_slots(
        session,
        SlotQuery(
            specialty_key=provider.specialty_key,
            plan_id=plan_id,
            not_before=not_before,
            duration_minutes=duration,
            limit=1,
        ),
    )
    return found[0] if found else None


def _next_slot_hint(slot: Slot | None) -> str:
    if slot is None:
        return "No open slot was found before the booking horizon; offer a callback."
    return f"Next open: {slot.label()} with {slot.provider_name} (slot_id {slot.id})."


def _in_network_names(session: Session, plan: Plan, provider: Provider) -> list[str]:
    others = session.scalars(
        select(Provider)
        .where(
            Provider.specialty_key == provider.specialty_key,
            Provider.active.is_(True),
            Provider.plans.any(Plan.id == plan.id),
        )
        .order_by(Provider.family_name, Provider.given_name)
    )
    return [other.display_name for other in others]
