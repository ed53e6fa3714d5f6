"""The practice's own FHIR R4 scheduling server as our calendar.

Free/busy lives there: slots come from its `Appointment/$find` when its
CapabilityStatement lists the operation, else from a Slot search. Our local
practice config still says who takes which plan and speaks which language, so
the search asks only for the Schedules of providers that pass those filters.

A booking is made there first ($book, or a create guarded by If-None-Exist) and
then mirrored in a local Appointment row whose `external_id` is the server's id,
so the dashboard, referrals and analytics work unchanged. The local row is
written only after the server said yes; if it cannot be written, the booking
there is cancelled again. Nothing is promised that the server did not confirm.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from fhir.resources.R4B.slot import Slot as FhirSlot
from pydantic import ValidationError
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from referraldesk.audit.trail import Actor
from referraldesk.clock import now
from referraldesk.db.base import new_id
from referraldesk.errors import DomainError, IllegalTransition, NotFound, Unavailable
from referraldesk.logging import get_logger
from referraldesk.models import BOOKED, Appointment, Location, Patient, Practice, Provider
from referraldesk.patients.service import primary_plan
from referraldesk.referrals.appointments import (
    on_appointment_booked,
    on_appointment_cancelled,
    on_appointment_rescheduled,
)
from referraldesk.scheduling import checks
from referraldesk.scheduling.backends import fhir_requests
from referraldesk.scheduling.backends.builtin import booked_here
from referraldesk.scheduling.backends.fhir_directory import (
    LocalDirectory,
    RemoteSchedule,
    entries,
    read_schedules,
)
from referraldesk.scheduling.backends.fhir_http import ConflictAnswer, FhirHttp
from referraldesk.scheduling.booking import BookingRequest, audit_appointment
from referraldesk.scheduling.checks import SlotTakenError
from referraldesk.scheduling.fhir.capability import FIND, operations
from referraldesk.scheduling.fhir.resources import BOOKING_REF_SYSTEM, instant
from referraldesk.scheduling.loading import ProviderFilter, load_providers, service_terms
from referraldesk.scheduling.locks import lock_appointment, lock_patient, lock_provider
from referraldesk.scheduling.policy import booking_rules
from referraldesk.scheduling.slots import Slot, SlotQuery, parse_slot_id, slot_id
from referraldesk.scheduling.windows import fits_any

log = get_logger(__name__)

Resource = dict[str, Any]
PAGE_SIZE = 100
MAX_PAGES = 20
# The server's Schedules change when the practice changes: rarely. Read them again
# after this long so a new provider shows up without a restart.
SCHEDULES_TTL = timedelta(minutes=5)


@dataclass(frozen=True)
class RemoteSlot:
    reference: str
    schedule: RemoteSchedule
    start: datetime
    end: datetime


@dataclass(frozen=True)
class _Prepared:
    provider: Provider
    patient: Patient
    location: Location
    remote: RemoteSlot
    service_id: str | None
    referral_id: str | None


class FhirCalendar:
    name = "fhir"

    def __init__(self, http: FhirHttp, *, use_find: bool | None = None):
        """`use_find` None: ask the server's CapabilityStatement once."""
        self.http = http
        self._use_find = use_find
        self._schedules: list[RemoteSchedule] = []
        self._schedules_read_at: datetime | None = None

    # -- slots -------------------------------------------------------------------------

    def find_slots(self, session: Session, query: SlotQuery) -> list[Slot]:
        session.flush()
        directory = LocalDirectory.load(session)
        wanted = self._candidates(session, query, directory)
        if not wanted:
            return []
        lower, upper = _bounds(session, query)
        found: list[Slot] = []
        for remote in self._open_slots(wanted, lower, upper):
            slot = _local_slot(remote, directory)
            if slot is None or not fits_any(query.windows, slot.local_start, slot.local_end):
                continue
            found.append(slot)
            if len(found) >= query.limit:
                break
        return found

    def _candidates(
        self, session: Session, query: SlotQuery, directory: LocalDirectory
    ) -> list[RemoteSchedule]:
        specialty = query.specialty_key
        if query.service_key is not None:
            _, specialty = service_terms(session, query.service_key)
        today = now().date()
        providers = load_providers(
            session,
            ProviderFilter(
                specialty_key=specialty,
                provider_id=query.provider_id,
                plan_id=query.plan_id,
                language=query.language,
                new_patient=query.new_patient,
            ),
            today,
            today,
        )
        ids = {p.id for p in providers}
        chosen = []
        for schedule in self.schedules():
            provider = directory.providers_by_npi.get(schedule.npi)
            site = directory.locations_by_key.get(schedule.location_key)
            if provider is None or site is None or provider.id not in ids:
                continue
            if query.location_id in (None, site.id):
                chosen.append(schedule)
        return chosen

    def schedules(self) -> list[RemoteSchedule]:
        fresh = self._schedules_read_at and now() - self._schedules_read_at < SCHEDULES_TTL
        if not fresh:
            self._schedules = read_schedules(self.http)
            self._schedules_read_at = now()
        return self._schedules

    def _open_slots(
        self, wanted: list[RemoteSchedule], lower: datetime, upper: datetime
    ) -> Iterator[RemoteSlot]:
        """Free slots of the wanted Schedules in [lower, upper], earliest first, page by page."""
        by_id = {schedule.id: schedule for schedule in wanted}
        for _ in range(MAX_PAGES):
            page = self._page(wanted, lower, upper)
            page.sort(key=lambda remote: remote.start)
            yield from (remote for remote in page if remote.schedule.id in by_id)
            if len(page) < PAGE_SIZE:
                return
            lower = page[-1].start + timedelta(seconds=1)

    def _page(
        self, wanted: list[RemoteSchedule], lower: datetime, upper: datetime
    ) -> list[RemoteSlot]:
        if self._find_supported():
            return self._page_by_find(wanted, lower, upper)
        bundle = self.http.get(
            "Slot",
            params=[
                ("schedule", ",".join(f"Schedule/{s.id}" for s in wanted)),
                ("status", "free"),
                ("start", f"ge{instant(lower)}"),
                ("start", f"le{instant(upper)}"),
                ("_sort", "start"),
                ("_count", str(PAGE_SIZE)),
            ],
        )
        by_id = {s.id: s for s in wanted}
        return [slot for r in entries(bundle, "Slot") if (slot := _remote_slot(r, by_id))]

    def _page_by_find(
        self, wanted: list[RemoteSchedule], lower: datetime, upper: datetime
    ) -> list[RemoteSlot]:
        practitioners = sorted(
            {s.practitioner_reference for s in wanted if s.practitioner_reference}
        )
        parameters: list[Resource] = [
            {"name": "start", "valueDateTime": instant(lower)},
            {"name": "end", "valueDateTime": instant(upper)},
            {"name": "_count", "valueInteger": PAGE_SIZE},
        ]
        parameters += [
            {"name": "practitioner", "valueReference": {"reference": ref}} for ref in practitioners
        ]
        bundle = self.http.post(
            "Appointment/$find", {"resourceType": "Parameters", "parameter": parameters}
        )
        by_key = {(s.npi, s.location_key): s for s in wanted}
        return [slot for r in entries(bundle, "Appointment") if (slot := _proposed_slot(r, by_key))]

    def _find_supported(self) -> bool:
        if self._use_find is None:
            try:
                statement = self.http.get("metadata")
            except (NotFound, DomainError) as exc:
                if isinstance(exc, Unavailable):
                    raise
                statement = {}
            self._use_find = FIND in operations(statement, "Appointment")
        return self._use_find

    def held_at(self, session: Session, provider_ids: list[str], start: datetime) -> bool:
        """Booked here (our copies, the SIU feed's), or a busy Slot in the EHR."""
        if booked_here(session, provider_ids, start):
            return True
        npis = set(session.scalars(select(Provider.npi).where(Provider.id.in_(provider_ids))))
        wanted = [schedule for schedule in self.schedules() if schedule.npi in npis]
        if not wanted:
            return False
        bundle = self.http.get(
            "Slot",
            params=[
                ("schedule", ",".join(f"Schedule/{s.id}" for s in wanted)),
                ("status", "busy"),
                ("start", f"ge{instant(start)}"),
                ("start", f"le{instant(start)}"),
            ],
        )
        return any(
            slot.get("status") == "busy" and _starts_at(slot, start)
            for slot in entries(bundle, "Slot")
        )

    # -- booking -----------------------------------------------------------------------

    def book(self, session: Session, actor: Actor, request: BookingRequest) -> Appointment:
        provider_id, location_id, start = _target(request)
        # Same lock order as scheduling.booking: provider, then patient.
        provider = lock_provider(session, provider_id)
        patient = lock_patient(session, request.patient_id)
        prepared = self._prepare(session, request, provider, patient, location_id, start)
        appointment = self._book_and_mirror(session, request, prepared)
        on_appointment_booked(session, actor, appointment)
        audit_appointment(session, actor, "book", appointment, request.conversation_id)
        log.info(
            "appointment_booked",
            appointment_id=appointment.id,
            provider_id=provider.id,
            calendar="fhir",
        )
        return appointment

    def cancel(
        self, session: Session, actor: Actor, appointment_id: str, reason: str
    ) -> Appointment:
        appointment = lock_appointment(session, appointment_id)
        _mark_cancelled(appointment, reason)
        session.flush()
        # Local first, so an illegal cancel never reaches the server; a server that
        # does not answer raises and the caller's transaction undoes the local change.
        if appointment.external_id:
            self._cancel_remote(appointment.external_id, reason)
        on_appointment_cancelled(session, actor, appointment)
        audit_appointment(
            session, actor, "cancel", appointment, appointment.conversation_id, reason=reason
        )
        log.info("appointment_cancelled", appointment_id=appointment.id, calendar="fhir")
        return appointment

    def reschedule(
        self,
        session: Session,
        actor: Actor,
        appointment_id: str,
        slot_id: str,
        *,
        reason: str = "rescheduled",
        channel: str | None = None,
        conversation_id: str | None = None,
    ) -> Appointment:
        current = session.get(Appointment, appointment_id)
        if current is None:
            raise NotFound(f"no appointment with id {appointment_id!r}", field="appointment_id")
        ref = parse_slot_id(slot_id)
        provider = lock_provider(session, ref.provider_id)
        patient = lock_patient(session, current.patient_id)
        old = lock_appointment(session, appointment_id)
        request = _follow_up(old, slot_id, channel, conversation_id, provider)
        # The old booking steps aside first (its time may overlap the new one); the
        # savepoint puts it back if anything after fails.
        with session.begin_nested():
            _mark_cancelled(old, reason)
            session.flush()
            prepared = self._prepare(
                session, request, provider, patient, ref.location_id, ref.start
            )
            new = self._book_and_mirror(session, request, prepared)
            if old.external_id:
                try:
                    self._cancel_remote(old.external_id, f"moved: {reason}")
                except DomainError:
                    self._undo_remote(new.external_id)
                    raise
            new.rescheduled_from_id = old.id
            session.flush()
        on_appointment_rescheduled(session, actor, old, new)
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
            calendar="fhir",
        )
        return new

    def _prepare(
        self,
        session: Session,
        request: BookingRequest,
        provider: Provider,
        patient: Patient,
        location_id: str | None,
        start: datetime,
    ) -> _Prepared:
        checks.check_patient(patient)
        checks.check_provider(provider, request.telehealth)
        service = checks.service_for(session, request.service_key, provider)
        checks.check_bookable_time(session, start)
        checks.check_network(session, patient, provider)
        location = _site(provider, location_id)
        remote = self._remote_slot_at(provider, location, start)
        if remote is None:
            raise self._taken(session, provider, patient, start)
        checks.check_patient_free(session, patient, remote.start, remote.end)
        referral = checks.referral_for(session, request.referral_id, patient)
        return _Prepared(
            provider,
            patient,
            location,
            remote,
            service.id if service else None,
            referral.id if referral else None,
        )

    def _remote_slot_at(
        self, provider: Provider, location: Location, start: datetime
    ) -> RemoteSlot | None:
        schedule = next(
            (
                s
                for s in self.schedules()
                if s.npi == provider.npi and s.location_key == location.key
            ),
            None,
        )
        if schedule is None:
            return None
        bundle = self.http.get(
            "Slot",
            params=[
                ("schedule", f"Schedule/{schedule.id}"),
                ("status", "free"),
                ("start", f"ge{instant(start)}"),
                ("start", f"le{instant(start)}"),
            ],
        )
        for resource in entries(bundle, "Slot"):
            remote = _remote_slot(resource, {schedule.id: schedule})
            if remote is not None and remote.start == start:
                return remote
        return None

    def _book_and_mirror(
        self, session: Session, request: BookingRequest, prepared: _Prepared
    ) -> Appointment:
        appointment_id = new_id()
        resource = fhir_requests.appointment_to_book(
            booking_ref=appointment_id,
            slot_reference=prepared.remote.reference,
            start=prepared.remote.start,
            end=prepared.remote.end,
            patient=prepared.patient,
            provider=prepared.provider,
            location=prepared.location,
            practitioner_reference=prepared.remote.schedule.practitioner_reference,
        )
        external_id = self._book_remote(session, resource, appointment_id, prepared)
        appointment = Appointment(
            id=appointment_id,
            patient_id=prepared.patient.id,
            provider_id=prepared.provider.id,
            service_id=prepared.service_id,
            location_id=prepared.location.id,
            start_at=prepared.remote.start,
            end_at=prepared.remote.end,
            timezone=prepared.location.timezone,
            status=BOOKED,
            telehealth=request.telehealth,
            channel=request.channel,
            referral_id=prepared.referral_id,
            conversation_id=request.conversation_id,
            notes=request.notes,
            booked_at=now(),
            external_id=external_id,
        )
        try:
            with session.begin_nested():
                session.add(appointment)
                session.flush()
        except IntegrityError:
            # Booked there but not recordable here (a local booking holds the time):
            # give the slot back rather than keep a booking nobody here knows of.
            self._undo_remote(external_id)
            raise self._taken(
                session, prepared.provider, prepared.patient, prepared.remote.start
            ) from None
        return appointment

    def _book_remote(
        self, session: Session, resource: Resource, booking_ref: str, prepared: _Prepared
    ) -> str:
        try:
            if self._find_supported():
                answer = self.http.post(
                    "Appointment/$book", fhir_requests.book_parameters(resource)
                )
            else:
                answer = self.http.post(
                    "Appointment",
                    resource,
                    headers={"If-None-Exist": f"identifier={BOOKING_REF_SYSTEM}|{booking_ref}"},
                )
        except ConflictAnswer:
            raise self._taken(
                session, prepared.provider, prepared.patient, prepared.remote.start
            ) from None
        except Unavailable:
            # Sent but unanswered: it may have landed. Look before saying it did not.
            landed = self._find_by_ref(booking_ref)
            if landed is None:
                raise
            answer = landed
        booked = _appointment_of(answer)
        if booked.get("status") not in ("booked", "pending", "arrived") or not booked.get("id"):
            raise Unavailable(
                f"the practice calendar answered a booking with status {booked.get('status')!r}"
            )
        return str(booked["id"])

    def _find_by_ref(self, booking_ref: str) -> Resource | None:
        try:
            bundle = self.http.get(
                "Appointment", params={"identifier": f"{BOOKING_REF_SYSTEM}|{booking_ref}"}
            )
        except DomainError:
            return None
        found = entries(bundle, "Appointment")
        return found[0] if found else None

    def _cancel_remote(self, external_id: str, reason: str) -> None:
        current = self.http.get(f"Appointment/{external_id}")
        if current.get("status") == "cancelled":
            return
        try:
            self.http.put(f"Appointment/{external_id}", fhir_requests.cancelled(current, reason))
        except ConflictAnswer as exc:
            raise Unavailable(
                f"the practice calendar would not cancel: {exc.diagnostics}"
            ) from None

    def _undo_remote(self, external_id: str | None) -> None:
        if external_id is None:
            return
        try:
            self._cancel_remote(external_id, "not recorded by the booking system")
        except DomainError:
            # Reported for staff: a booking there that we could not take back.
            log.error("fhir_booking_orphaned", external_id=external_id)

    def _taken(
        self, session: Session, provider: Provider, patient: Patient, start: datetime
    ) -> SlotTakenError:
        following = self._next_open(session, provider, patient, start)
        return SlotTakenError(
            f"{provider.display_name} was booked at {start.isoformat()} a moment ago",
            next_slot=following,
        )

    def _next_open(
        self, session: Session, provider: Provider, patient: Patient, start: datetime
    ) -> Slot | None:
        not_before = max(start + timedelta(minutes=1), booking_rules(session).earliest())
        plan = primary_plan(patient)
        try:
            own = self.find_slots(
                session, SlotQuery(provider_id=provider.id, not_before=not_before, limit=1)
            )
            if own:
                return own[0]
            others = self.find_slots(
                session,
                SlotQuery(
                    specialty_key=provider.specialty_key,
                    plan_id=plan.id if plan else None,
                    not_before=not_before,
                    limit=1,
                ),
            )
        except Unavailable:
            return None
        return others[0] if others else None


def _target(request: BookingRequest) -> tuple[str, str | None, datetime]:
    if request.slot_id is not None:
        ref = parse_slot_id(request.slot_id)
        return ref.provider_id, request.location_id or ref.location_id, ref.start
    assert request.provider_id is not None and request.start is not None
    return request.provider_id, request.location_id, request.start.astimezone(UTC)


def _site(provider: Provider, location_id: str | None) -> Location:
    sites = [site for site in provider.locations if location_id in (None, site.id)]
    if len(sites) != 1:
        raise NotFound(
            f"{provider.display_name} does not see patients at site {location_id!r}"
            if location_id
            else f"{provider.display_name} works at several sites; name one",
            field="location_id",
        )
    return sites[0]


def _bounds(session: Session, query: SlotQuery) -> tuple[datetime, datetime]:
    rules = booking_rules(session)
    zone = ZoneInfo(session.scalar(select(Practice.timezone).limit(1)) or "America/Los_Angeles")
    lower = query.not_before or rules.earliest()
    if query.start is not None:
        lower = max(lower, datetime.combine(query.start, time(0), zone))
    upper = rules.latest()
    if query.end is not None:
        upper = min(upper, datetime.combine(query.end + timedelta(days=1), time(0), zone))
    return lower.astimezone(UTC), upper.astimezone(UTC)


def _remote_slot(resource: Resource, schedules: dict[str, RemoteSchedule]) -> RemoteSlot | None:
    try:
        FhirSlot.model_validate(resource)
    except ValidationError:
        raise Unavailable(
            f"the practice calendar sent an invalid Slot {resource.get('id')!r}"
        ) from None
    schedule_id = str((resource.get("schedule") or {}).get("reference", "")).removeprefix(
        "Schedule/"
    )
    schedule = schedules.get(schedule_id)
    if schedule is None or resource.get("status") != "free":
        return None
    return RemoteSlot(
        f"Slot/{resource['id']}", schedule, _moment(resource["start"]), _moment(resource["end"])
    )


def _proposed_slot(
    resource: Resource, schedules: dict[tuple[str, str], RemoteSchedule]
) -> RemoteSlot | None:
    """A $find proposal: an Appointment naming its Slot, practitioner and site."""
    npi = location_key = None
    for participant in resource.get("participant") or []:
        identifier = (participant.get("actor") or {}).get("identifier") or {}
        if identifier.get("system", "").endswith("us-npi"):
            npi = identifier.get("value")
        elif identifier.get("system") == "urn:referraldesk:location":
            location_key = identifier.get("value")
    slots = resource.get("slot") or []
    schedule = schedules.get((str(npi), str(location_key)))
    if schedule is None or not slots or not resource.get("start") or not resource.get("end"):
        return None
    return RemoteSlot(
        str(slots[0].get("reference")),
        schedule,
        _moment(resource["start"]),
        _moment(resource["end"]),
    )


def _local_slot(remote: RemoteSlot, directory: LocalDirectory) -> Slot | None:
    provider = directory.providers_by_npi.get(remote.schedule.npi)
    site = directory.locations_by_key.get(remote.schedule.location_key)
    if provider is None or site is None:
        return None
    zone = ZoneInfo(site.timezone)
    return Slot(
        id=slot_id(provider.id, site.id, remote.start),
        provider_id=provider.id,
        location_id=site.id,
        start=remote.start,
        end=remote.end,
        timezone=site.timezone,
        local_start=remote.start.astimezone(zone),
        provider_name=provider.display_name,
        specialty_key=provider.specialty_key,
        location_name=site.name,
        languages=tuple(provider.languages),
    )


def _starts_at(slot: Resource, start: datetime) -> bool:
    try:
        return _moment(str(slot.get("start"))) == start
    except ValueError:
        return False


def _moment(text: str) -> datetime:
    value = datetime.fromisoformat(str(text).replace("Z", "+00:00"))
    if value.tzinfo is None:
        raise Unavailable(f"the practice calendar sent a time without an offset: {text!r}")
    return value.astimezone(UTC)


def _appointment_of(answer: Resource) -> Resource:
    if answer.get("resourceType") == "Bundle":
        found = entries(answer, "Appointment")
        return found[0] if found else {}
    return answer


def _mark_cancelled(appointment: Appointment, reason: str) -> None:
    if appointment.status != BOOKED:
        raise IllegalTransition(
            f"appointment {appointment.id} is {appointment.status}, not booked, so it cannot "
            "be cancelled or moved; look up the patient's current appointments",
            field="appointment_id",
        )
    appointment.status = "cancelled"
    appointment.cancelled_at = now()
    appointment.cancel_reason = (reason or "").strip()[:200] or None


def _follow_up(
    old: Appointment,
    slot_id: str,
    channel: str | None,
    conversation_id: str | None,
    provider: Provider,
) -> BookingRequest:
    keeps_service = old.service is not None and old.service.specialty_key == provider.specialty_key
    return BookingRequest(
        patient_id=old.patient_id,
        slot_id=slot_id,
        service_key=old.service.key if keeps_service and old.service else None,
        referral_id=old.referral_id,
        channel=channel or old.channel,
        conversation_id=conversation_id or old.conversation_id,
        telehealth=old.telehealth and provider.telehealth,
        notes=old.notes,
    )
