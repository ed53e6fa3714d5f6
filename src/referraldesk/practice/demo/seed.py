"""Seed the demo practice's patients, calendar and referrals around a given day.

Rows get ids derived from what they are (patient number, provider and start, referral
number), so a second run finds them and adds nothing. Rows go in with bulk inserts:
the caller cases load the demo once per case, and it has to take well under seconds.
"""

from __future__ import annotations

import random
import zlib
from collections import Counter
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from referraldesk.models import (
    BOOKED,
    Appointment,
    Consent,
    Coverage,
    Location,
    Patient,
    PatientPhone,
    Plan,
    Provider,
    Referral,
    ReferringPractice,
    Service,
)
from referraldesk.patients.names import name_key
from referraldesk.practice.demo.calendar import (
    DemoSlot,
    Occupancy,
    closed_days,
    days_between,
    provider_slots,
)
from referraldesk.practice.demo.patients import DemoPatient, demo_patients
from referraldesk.practice.demo.referrals import seed_referrals
from referraldesk.practice.demo.rows import demo_id, insert_rows
from referraldesk.practice.schema import PracticeConfig, ProviderConfig

PAST_DAYS = 14
AHEAD_DAYS = 21
# The first week keeps one provider of each specialty free at every start time, so
# a case (or a demo) can always book "in two days at 07:00" where anyone works then.
PROTECTED_DAYS = 7
PAST_BOOKED_SHARE = 0.3
# Weeks two and three fill up more than the protected first week; over the three
# weeks about 35% of slots end up booked.
PROTECTED_BOOKED_SHARE = 0.42
AHEAD_BOOKED_SHARE = 0.5


@dataclass
class Directory:
    """Database ids of what the config created, by natural key."""

    providers: dict[str, str]
    locations: dict[str, str]
    plans: dict[str, str]
    services: dict[str, list[tuple[str, int, bool]]]
    referring_practices: dict[str, str]

    @classmethod
    def read(cls, session: Session) -> Directory:
        services: dict[str, list[tuple[str, int, bool]]] = {}
        for row in session.scalars(select(Service).order_by(Service.key)):
            services.setdefault(row.specialty_key, []).append(
                (row.id, row.duration_minutes, row.new_patient)
            )
        return cls(
            providers=dict(session.execute(select(Provider.npi, Provider.id)).all()),
            locations=dict(session.execute(select(Location.key, Location.id)).all()),
            plans=dict(session.execute(select(Plan.key, Plan.id)).all()),
            services=services,
            referring_practices=dict(
                session.execute(select(ReferringPractice.name, ReferringPractice.id)).all()
            ),
        )


class Seeder:
    """One demo seeding: the patients, then referrals with their visits, then the rest."""

    def __init__(self, session: Session, config: PracticeConfig, today: date):
        self.session = session
        self.config = config
        self.today = today
        self.zone = ZoneInfo(config.practice.timezone)
        self.directory = Directory.read(session)
        self.patients = demo_patients()
        self.patient_ids = [demo_id("patient", p.index) for p in self.patients]
        self.occupancy = Occupancy()
        self.closed = {loc.key: closed_days(config, loc.key) for loc in config.locations}
        self.appointments: list[dict[str, Any]] = []
        self.known_appointments: set[str] = set()
        # Before the day begins: a demo's bookings were all made before "today".
        self.booked_before = datetime.combine(today, time(0), self.zone).astimezone(UTC)

    def run(self) -> Counter[str]:
        created: Counter[str] = Counter()
        created["patients"] = self._insert_patients()
        self._read_calendar()
        created["referrals"], links = seed_referrals(self)
        self._fill_calendar()
        created["appointments"] = self._insert_appointments()
        # Referrals went in first (appointments point at them); now they point back.
        for referral_id, appointment_id in links:
            self.link_referral(referral_id, appointment_id)
        return created

    # -- patients

    def _insert_patients(self) -> int:
        existing = set(
            self.session.scalars(select(Patient.id).where(Patient.id.in_(self.patient_ids)))
        )
        fresh = [
            (pid, p)
            for pid, p in zip(self.patient_ids, self.patients, strict=True)
            if pid not in existing
        ]
        if not fresh:
            return 0
        patients, phones, coverages, consents = [], [], [], []
        for pid, patient in fresh:
            created_at = self.booked_before - timedelta(
                days=40 + patient.index % 400, hours=patient.index % 9
            )
            patients.append(self._patient_row(pid, patient, created_at))
            phones += [
                {
                    "id": demo_id("phone", pid, n),
                    "patient_id": pid,
                    "e164": number,
                    "kind": "mobile" if n == 0 else "home",
                    "is_primary": n == 0,
                }
                for n, number in enumerate(patient.phones)
            ]
            coverages += [
                {
                    "id": demo_id("coverage", pid, n),
                    "patient_id": pid,
                    "plan_id": self.directory.plans[c.plan_key],
                    "member_id": c.member_id,
                    "is_primary": c.is_primary,
                    "valid_from": None,
                    "valid_until": None,
                }
                for n, c in enumerate(patient.coverages)
            ]
            consents += [
                {
                    "id": demo_id("consent", pid, kind),
                    "patient_id": pid,
                    "kind": kind,
                    "granted": granted,
                    "source": "intake",
                    "conversation_id": None,
                    "recorded_at": created_at,
                }
                for kind, granted in patient.consents.items()
            ]
        for model, rows in (
            (Patient, patients),
            (PatientPhone, phones),
            (Coverage, coverages),
            (Consent, consents),
        ):
            insert_rows(self.session, model, rows)
        return len(fresh)

    @staticmethod
    def _patient_row(pid: str, patient: DemoPatient, created_at: datetime) -> dict[str, Any]:
        return {
            "id": pid,
            "given_names": patient.given_names,
            "surnames": list(patient.surnames),
            "dob": patient.dob,
            "name_key": name_key(patient.given_names, list(patient.surnames)),
            "preferred_language": patient.preferred_language,
            "contact_windows": patient.contact_windows,
            "address": patient.address,
            "city": patient.city,
            "state": "CA",
            "postal_code": patient.postal_code,
            "identity_confirmed": True,
            "status": "active",
            "created_at": created_at,
        }

    # -- the calendar

    def window(self) -> tuple[date, date]:
        return self.today - timedelta(days=PAST_DAYS), self.today + timedelta(days=AHEAD_DAYS)

    def _read_calendar(self) -> None:
        first, last = self.window()
        low = datetime.combine(first, time(0), self.zone).astimezone(UTC)
        high = datetime.combine(last + timedelta(days=2), time(0), self.zone).astimezone(UTC)
        rows = self.session.execute(
            select(
                Appointment.id,
                Appointment.provider_id,
                Appointment.patient_id,
                Appointment.start_at,
                Appointment.end_at,
                Appointment.status,
            ).where(Appointment.start_at >= low, Appointment.start_at < high)
        )
        for appointment_id, provider_id, patient_id, start, end, status in rows:
            self.known_appointments.add(appointment_id)
            if status == BOOKED:
                self.occupancy.take(provider_id, patient_id, start, end)

    def slot_free(self, slot: DemoSlot) -> bool:
        provider_id = self.directory.providers[slot.npi]
        return demo_id(
            "appointment", slot.key
        ) not in self.known_appointments and self.occupancy.provider_free(
            provider_id, slot.start, slot.end
        )

    def book(
        self,
        rng: random.Random,
        slot: DemoSlot,
        patient_index: int,
        status: str,
        *,
        referral_id: str | None = None,
        new_patient: bool | None = None,
    ) -> str:
        """Add one appointment on `slot` (checked free by the caller); returns its id."""
        provider_id = self.directory.providers[slot.npi]
        patient_id = self.patient_ids[patient_index]
        appointment_id = demo_id("appointment", slot.key)
        minutes = int((slot.end - slot.start).total_seconds() // 60)
        booked_at = min(
            slot.start - timedelta(days=rng.randint(2, 30)),
            self.booked_before - timedelta(hours=rng.randint(1, 48)),
        )
        self.appointments.append(
            {
                "id": appointment_id,
                "patient_id": patient_id,
                "provider_id": provider_id,
                "service_id": self._service(rng, slot.specialty, minutes, new_patient),
                "location_id": self.directory.locations[slot.location_key],
                "start_at": slot.start,
                "end_at": slot.end,
                "timezone": slot.timezone,
                "status": status,
                "telehealth": False,
                "channel": rng.choices(("staff", "voice", "sms", "chat"), weights=(50, 25, 15, 10))[
                    0
                ],
                "referral_id": referral_id,
                "booked_at": booked_at,
                "cancelled_at": slot.start - timedelta(days=1) if status == "cancelled" else None,
                "cancel_reason": "patient asked to cancel by phone"
                if status == "cancelled"
                else None,
            }
        )
        self.known_appointments.add(appointment_id)
        if status == BOOKED:
            self.occupancy.take(provider_id, patient_id, slot.start, slot.end)
        else:
            self.occupancy.patient_starts.add((patient_id, slot.start))
        return appointment_id

    def _service(
        self, rng: random.Random, specialty: str, minutes: int, new_patient: bool | None
    ) -> str | None:
        fitting = [s for s in self.directory.services.get(specialty, []) if s[1] == minutes]
        if new_patient is not None:
            fitting = [s for s in fitting if s[2] == new_patient] or fitting
        else:
            wanted = rng.random() < 0.35
            fitting = [s for s in fitting if s[2] == wanted] or fitting
        return fitting[0][0] if fitting else None

    def eligible(self, provider: ProviderConfig, day: date) -> list[int]:
        """Patients this provider would see: the right age, and a plan the provider takes."""
        accepted = set(provider.plans)
        children = provider.specialty == "pediatrics"
        return [
            p.index
            for p in self.patients
            if (p.age_on(day) < 18) == children and any(c.plan_key in accepted for c in p.coverages)
        ]

    def _fill_calendar(self) -> None:
        first, last = self.window()
        providers = [
            p for p in self.config.providers if p.active and p.npi in self.directory.providers
        ]
        pools = {p.npi: self.eligible(p, self.today) for p in providers}
        for day in days_between(first, last):
            groups: dict[tuple[str, datetime], list[DemoSlot]] = {}
            for provider in providers:
                for slot in provider_slots(self.config, provider, day, self.closed):
                    groups.setdefault((slot.specialty, slot.start), []).append(slot)
            for key in sorted(groups):
                self._fill_group(day, sorted(groups[key], key=lambda slot: slot.npi), pools)

    def _fill_group(self, day: date, slots: list[DemoSlot], pools: dict[str, list[int]]) -> None:
        """Book some of the slots that start together in one specialty.

        Each slot's fate comes from its own seed (day, provider, start), not from the
        order of a shared random stream, so a second run makes the same choices and
        finds each of them already there.
        """
        past = day < self.today
        protected = not past and (day - self.today).days <= PROTECTED_DAYS
        share = PAST_BOOKED_SHARE if past else AHEAD_BOOKED_SHARE
        if protected:
            share = PROTECTED_BOOKED_SHARE
            slots = slots[:-1]
        for slot in slots:
            seed = f"{self.today.isoformat()}|{slot.key}"
            if zlib.crc32(seed.encode()) / 2**32 >= share or not self.slot_free(slot):
                continue
            rng = random.Random(seed)
            patient = self._pick_patient(rng, pools[slot.npi], slot.start)
            if patient is not None:
                self.book(rng, slot, patient, self._past_status(rng) if past else BOOKED)

    def _pick_patient(self, rng: random.Random, pool: list[int], start: datetime) -> int | None:
        for _ in range(6):
            index = rng.choice(pool)
            if self.occupancy.patient_free(self.patient_ids[index], start):
                return index
        return None

    @staticmethod
    def _past_status(rng: random.Random) -> str:
        return rng.choices(("fulfilled", "no_show", "cancelled"), weights=(84, 10, 6))[0]

    def _insert_appointments(self) -> int:
        if not self.appointments:
            return 0
        insert_rows(self.session, Appointment, self.appointments)
        return len(self.appointments)

    def link_referral(self, referral_id: str, appointment_id: str) -> None:
        self.session.execute(
            update(Referral).where(Referral.id == referral_id).values(appointment_id=appointment_id)
        )


def seed_demo(session: Session, config: PracticeConfig, today: date) -> Counter[str]:
    """Add the demo's patients, appointments and referrals; returns how many of each were new."""
    return Seeder(session, config, today).run()
