"""Demo referrals, one in each state of the lifecycle, for the dashboard and the funnel.

Each follows a legal path through `referrals.lifecycle` with a transition row per
move; the scheduled and visited ones hold an appointment on the demo calendar.
Times are relative to the seeding day and all fall before it begins.
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import TYPE_CHECKING, Any

from sqlalchemy import select

from referraldesk.models import BOOKED, Referral, ReferralTransition
from referraldesk.practice.demo.calendar import DemoSlot, closed_days, days_between, provider_slots
from referraldesk.practice.demo.rows import demo_id, insert_rows
from referraldesk.referrals.lifecycle import LEAKING, check_leakage, check_transition
from referraldesk.referrals.targets import target_date_for

if TYPE_CHECKING:
    from referraldesk.practice.demo.seed import Seeder

COORDINATOR = "staff:coordinator@sequoiavalley.example"


@dataclass(frozen=True)
class Referrer:
    practice: str
    provider: str
    npi: str
    placer_prefix: str
    source: str


REFERRERS = {
    "vfm": Referrer("Valley Family Medicine", "Dr. Paul Heredia", "1805000118", "VFM", "hl7"),
    "mkfp": Referrer(
        "Mineral King Family Practice", "Dr. Susan Marsh", "1805000225", "MKFP", "pdf"
    ),
    "emg": Referrer("Exeter Medical Group", "Dr. Omar Haddad", "1805000332", "EMG", "hl7"),
    "tch": Referrer("Tulare Community Health", "Dra. Elena Quiroz", "1805000449", "TCH", "fhir"),
}


@dataclass(frozen=True)
class DemoReferral:
    number: int
    referrer: str
    specialty: str
    reason: str
    icd10: tuple[str, ...]
    urgency: str
    # The moves after `received`, in order.
    path: tuple[str, ...]
    days_ago: int
    # None, "ahead" (a booked visit), "kept" or "missed" (a past visit).
    visit: str | None = None
    leakage: str | None = None
    attempts: int = 0
    note: str | None = None


DEMO_REFERRALS = (
    DemoReferral(
        1,
        "vfm",
        "dermatology",
        "Lunar irregular en la espalda que ha crecido",
        ("D22.5",),
        "routine",
        (),
        0,
    ),
    DemoReferral(
        2,
        "mkfp",
        "orthopedics",
        "Right shoulder pain lifting crates at the packing house",
        ("M25.511",),
        "routine",
        ("needs_info",),
        3,
        note="insurance information missing",
    ),
    DemoReferral(
        3,
        "emg",
        "gastroenterology",
        "Chronic heartburn despite omeprazole",
        ("K21.9",),
        "routine",
        ("needs_info",),
        5,
        note="clinical notes missing",
    ),
    DemoReferral(
        4,
        "tch",
        "pulmonology",
        "Tos crónica; trabaja aplicando pesticidas",
        ("R05.3",),
        "routine",
        ("accepted",),
        1,
    ),
    DemoReferral(
        5,
        "vfm",
        "physical_therapy",
        "Low back strain lifting boxes at work",
        ("S39.012A",),
        "routine",
        ("accepted",),
        2,
    ),
    DemoReferral(
        6,
        "emg",
        "cardiology",
        "Chest tightness on exertion",
        ("R07.89",),
        "urgent",
        ("accepted", "contacting"),
        1,
        attempts=1,
    ),
    DemoReferral(
        7,
        "tch",
        "dermatology",
        "Dermatitis de contacto en las manos (trabajo en el campo)",
        ("L25.9",),
        "routine",
        ("accepted", "contacting"),
        6,
        attempts=2,
    ),
    DemoReferral(
        8,
        "mkfp",
        "occupational_medicine",
        "Numbness in both hands, poultry line worker",
        ("G56.03",),
        "routine",
        ("accepted", "contacting"),
        4,
        attempts=1,
    ),
    DemoReferral(
        9,
        "vfm",
        "orthopedics",
        "Dolor de tobillo después de torcedura en el trabajo",
        ("S93.401A",),
        "routine",
        ("accepted", "contacting", "scheduled"),
        7,
        visit="ahead",
        attempts=1,
    ),
    DemoReferral(
        10,
        "tch",
        "pediatrics",
        "Dolor abdominal recurrente",
        ("R10.84",),
        "routine",
        ("accepted", "scheduled"),
        5,
        visit="ahead",
    ),
    DemoReferral(
        11,
        "emg",
        "gastroenterology",
        "Blood in stool, two weeks",
        ("K92.1",),
        "urgent",
        ("accepted", "scheduled"),
        1,
        visit="ahead",
    ),
    DemoReferral(
        12,
        "vfm",
        "cardiology",
        "Palpitaciones al subir escaleras",
        ("R00.2",),
        "routine",
        ("accepted", "scheduled", "visit_kept"),
        24,
        visit="kept",
    ),
    DemoReferral(
        13,
        "mkfp",
        "physical_therapy",
        "Shoulder rehabilitation after work injury",
        ("S46.011D",),
        "routine",
        ("accepted", "scheduled", "visit_kept", "closed"),
        26,
        visit="kept",
    ),
    DemoReferral(
        14,
        "tch",
        "orthopedics",
        "Dolor de rodilla izquierda, trabajo en el campo",
        ("M25.562",),
        "routine",
        ("accepted", "scheduled", "no_show", "contacting"),
        20,
        visit="missed",
        attempts=1,
    ),
    DemoReferral(
        15,
        "vfm",
        "dermatology",
        "Psoriasis en codos y rodillas",
        ("L40.0",),
        "routine",
        ("accepted", "contacting", "declined"),
        16,
        leakage="patient_declined",
        attempts=2,
    ),
    DemoReferral(
        16,
        "emg",
        "pulmonology",
        "Shortness of breath at night",
        ("R06.02",),
        "routine",
        ("accepted", "contacting", "unreachable"),
        22,
        leakage="unreachable",
        attempts=3,
    ),
    DemoReferral(
        17,
        "mkfp",
        "occupational_medicine",
        "Back pain after tractor accident, follow-up",
        ("M54.50",),
        "routine",
        ("accepted", "contacting", "expired"),
        30,
        leakage="window_expired",
        attempts=3,
    ),
    DemoReferral(
        18,
        "vfm",
        "gastroenterology",
        "Dolor abdominal y pérdida de peso",
        ("R10.9", "R63.4"),
        "routine",
        ("accepted", "cancelled"),
        9,
        note="seen at another clinic",
    ),
    DemoReferral(
        19,
        "tch",
        "podiatry",
        "Callos dolorosos en ambos pies",
        ("L84",),
        "routine",
        ("rejected",),
        8,
        leakage="other",
        note="podiatry is not offered at this practice",
    ),
)


class ReferralSeeder:
    def __init__(self, seeder: Seeder):
        self.seeder = seeder
        self.rng = random.Random("demo-referrals")
        self.used_patients: set[int] = set()
        self.links: list[tuple[str, str]] = []

    def run(self) -> int:
        ids = {demo_id("referral", spec.number): spec for spec in DEMO_REFERRALS}
        existing = set(
            self.seeder.session.scalars(select(Referral.id).where(Referral.id.in_(list(ids))))
        )
        referrals, transitions = [], []
        for referral_id, spec in ids.items():
            if referral_id in existing:
                continue
            referral, moves = self._build(referral_id, spec)
            referrals.append(referral)
            transitions.extend(moves)
        if referrals:
            insert_rows(self.seeder.session, Referral, referrals)
            insert_rows(self.seeder.session, ReferralTransition, transitions)
        return len(referrals)

    def _build(
        self, referral_id: str, spec: DemoReferral
    ) -> tuple[dict[str, Any], list[dict[str, Any]]]:
        seeder = self.seeder
        referrer = REFERRERS[spec.referrer]
        received_at = seeder.booked_before - timedelta(
            days=spec.days_ago, hours=self.rng.randint(2, 9)
        )
        patient = self._patient(spec.specialty, seeder.today)
        appointment_id, visit_start = self._visit(spec, patient, referral_id, received_at)
        moments = self._moments(spec, received_at, visit_start)
        status = spec.path[-1] if spec.path else "received"
        referral = {
            "id": referral_id,
            "patient_id": seeder.patient_ids[patient],
            "status": status,
            "specialty_key": spec.specialty,
            "requested_provider_id": None,
            "reason": spec.reason,
            "icd10": list(spec.icd10),
            "urgency": spec.urgency,
            "target_date": self._target(spec, received_at),
            "referring_practice_id": seeder.directory.referring_practices.get(referrer.practice),
            "referring_provider": referrer.provider,
            "referring_npi": referrer.npi,
            "notes": spec.note,
            "attachments": [],
            "authorization_number": None,
            "authorization_from": None,
            "authorization_until": None,
            "placer_id": f"{referrer.placer_prefix}-{26000 + spec.number}",
            "source": referrer.source,
            "leakage_reason": spec.leakage,
            "appointment_id": None,
            "previous_referral_id": None,
            "outreach_attempts": spec.attempts,
            "received_at": received_at,
            "updated_at": moments[-1],
        }
        if appointment_id is not None:
            self.links.append((referral_id, appointment_id))
        return referral, self._transitions(referral_id, spec, moments)

    def _patient(self, specialty: str, day: date) -> int:
        children = specialty == "pediatrics"
        taken = {
            plan
            for p in self.seeder.config.providers
            if p.specialty == specialty
            for plan in p.plans
        }
        candidates = [
            p.index
            for p in self.seeder.patients
            if (p.age_on(day) < 18) == children
            and p.index not in self.used_patients
            and (not taken or p.plan_key in taken)
        ]
        index = self.rng.choice(candidates)
        self.used_patients.add(index)
        return index

    def _visit(
        self, spec: DemoReferral, patient: int, referral_id: str, received_at: datetime
    ) -> tuple[str | None, datetime | None]:
        if spec.visit is None:
            return None, None
        today = self.seeder.today
        if spec.visit == "ahead":
            first = today + timedelta(days=2 if spec.urgency == "urgent" else 8)
            last = first + timedelta(days=12)
        else:
            first = received_at.date() + timedelta(days=3)
            last = min(first + timedelta(days=10), today - timedelta(days=2))
        slot = self._free_slot(spec.specialty, patient, first, last)
        if slot is None:
            return None, None
        status = {"ahead": BOOKED, "kept": "fulfilled", "missed": "no_show"}[spec.visit]
        appointment_id = self.seeder.book(
            self.rng, slot, patient, status, referral_id=referral_id, new_patient=True
        )
        return appointment_id, slot.start

    def _free_slot(self, specialty: str, patient: int, first: date, last: date) -> DemoSlot | None:
        seeder = self.seeder
        plans = {c.plan_key for c in seeder.patients[patient].coverages}
        providers = [
            p
            for p in seeder.config.providers
            if p.specialty == specialty and p.active and plans & set(p.plans)
        ]
        for day in days_between(first, last):
            slots = [
                s for p in providers for s in provider_slots(seeder.config, p, day, seeder.closed)
            ]
            free = [s for s in slots if seeder.slot_free(s)]
            for slot in free:
                # Keep another provider free at the same time, as the calendar fill does.
                if (
                    any(o.start == slot.start and o is not slot for o in free)
                    or len(providers) == 1
                ):
                    return slot
            if free and (day - seeder.today).days > 7:
                return free[0]
        return None

    def _moments(
        self, spec: DemoReferral, received_at: datetime, visit: datetime | None
    ) -> list[datetime]:
        """When each move happened: received, then each step of the path, all before today."""
        latest = self.seeder.booked_before - timedelta(minutes=30)
        moments = [received_at]
        current = received_at
        for step in spec.path:
            if step in ("visit_kept", "no_show") and visit is not None:
                current = max(current, visit + timedelta(hours=1))
            elif step == "closed":
                current = current + timedelta(days=2)
            else:
                current = current + timedelta(hours=self.rng.randint(1, 20))
            current = min(current, latest)
            moments.append(current)
        return moments

    def _transitions(
        self, referral_id: str, spec: DemoReferral, moments: list[datetime]
    ) -> list[dict[str, Any]]:
        referrer = REFERRERS[spec.referrer]
        integration = "integration:" + referrer.practice.lower().replace(" ", "-")
        rows = [
            _move(
                demo_id("transition", referral_id, 1),
                referral_id,
                1,
                None,
                "received",
                moments[0],
                integration,
                "referral received",
            )
        ]
        previous = "received"
        for seq, (step, moment) in enumerate(zip(spec.path, moments[1:], strict=True), start=2):
            check_transition(previous, step)
            check_leakage(step, spec.leakage if step in LEAKING else None)
            actor, reason = _why(step, spec, integration)
            rows.append(
                _move(
                    demo_id("transition", referral_id, seq),
                    referral_id,
                    seq,
                    previous,
                    step,
                    moment,
                    actor,
                    reason,
                )
            )
            previous = step
        return rows

    def _target(self, spec: DemoReferral, received_at: datetime) -> date:
        config = self.seeder.config
        closed = closed_days(config, config.locations[0].key) if config.locations else set()
        policy = config.practice.policy.model_dump(mode="json")
        return target_date_for(
            received_at, spec.urgency, policy, config.practice.timezone, closed_days=closed
        )


def _move(
    row_id: str,
    referral_id: str,
    seq: int,
    frm: str | None,
    to: str,
    at: datetime,
    actor: str,
    reason: str,
) -> dict[str, Any]:
    return {
        "id": row_id,
        "referral_id": referral_id,
        "seq": seq,
        "from_status": frm,
        "to_status": to,
        "at": at,
        "actor": actor,
        "reason": reason,
        "source_message_id": None,
    }


def _why(step: str, spec: DemoReferral, integration: str) -> tuple[str, str]:
    reasons = {
        "accepted": (
            "system:intake",
            "complete referral for an in-network specialty; accepted by policy",
        ),
        "needs_info": ("system:intake", spec.note or "information missing"),
        "contacting": ("system:outreach", "calling the patient to book"),
        "scheduled": (COORDINATOR, "appointment booked"),
        "no_show": ("system:calendar", "patient did not come to the visit"),
        "visit_kept": ("system:calendar", "patient seen"),
        "closed": ("system:loop_closure", "consult note sent to the referring practice"),
        "declined": (COORDINATOR, "patient prefers to wait"),
        "unreachable": ("system:outreach", "no answer after the last outreach attempt"),
        "expired": ("system:outreach", "target date passed without a booking"),
        "cancelled": (integration, spec.note or "cancelled by the referring practice"),
        "rejected": (COORDINATOR, spec.note or "rejected"),
    }
    return reasons[step]


def seed_referrals(seeder: Seeder) -> tuple[int, list[tuple[str, str]]]:
    """Insert the demo referrals not there yet.

    Returns how many were new and the (referral id, appointment id) pairs to link
    once the appointments are in.
    """
    referral_seeder = ReferralSeeder(seeder)
    count = referral_seeder.run()
    return count, referral_seeder.links
