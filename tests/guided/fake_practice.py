"""An in-memory practice behind the tool names the guided brain calls.

It answers like the catalog (ok, data, error with a code, actions) so the brain's
dialogue can be tested fast and alone; the cases in test_cases.py drive the real
catalog on the demo practice instead.
"""

from __future__ import annotations

import unicodedata
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from referraldesk.referrals.lifecycle import TRANSITIONS

ZONE = ZoneInfo("America/Los_Angeles")
SITE = "Visalia Main"
PLANS = [
    "Anthem Blue Cross Medi-Cal",
    "Health Net Medi-Cal",
    "Medicare",
    "Blue Shield of California PPO",
    "Aetna PPO",
    "Self-pay",
]
WEEKDAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")


@dataclass
class Outcome:
    ok: bool
    data: dict[str, Any] | None = None
    error: dict[str, Any] | None = None
    actions: list[dict[str, Any]] = field(default_factory=list)


def fail(code: str, field_name: str | None = None) -> Outcome:
    return Outcome(ok=False, error={"code": code, "message": code, "field": field_name})


def fold(text: str) -> str:
    bare = unicodedata.normalize("NFKD", text)
    return (
        "".join(ch for ch in bare if not unicodedata.combining(ch))
        .lower()
        .replace("-", " ")
        .strip()
    )


def provider(
    pid: str,
    name: str,
    specialty: str,
    languages: list[str],
    hours: dict[int, tuple[str, str]],
    plans: list[str] | None = None,
    telehealth: bool = False,
) -> dict[str, Any]:
    return {
        "id": pid,
        "name": name,
        "specialty": specialty,
        "specialty_label": specialty.replace("_", " ").title(),
        "languages": languages,
        "plans": plans or PLANS,
        "locations": [SITE],
        "telehealth": telehealth,
        "hours": hours,
    }


WEEK = {d: ("09:00", "16:00") for d in range(5)}


def demo_providers() -> list[dict[str, Any]]:
    return [
        provider(
            "p-reyes",
            "Dra. Elena Reyes",
            "dermatology",
            ["es", "en"],
            {d: ("07:00", "15:00") for d in range(5)},
        ),
        provider(
            "p-chen",
            "Dr. Mark Chen",
            "dermatology",
            ["en"],
            WEEK,
            plans=[p for p in PLANS if p != "Anthem Blue Cross Medi-Cal"],
        ),
        provider(
            "p-ortiz",
            "Dr. Luis Ortiz",
            "orthopedics",
            ["es", "en"],
            {**{d: ("13:00", "19:30") for d in range(5)}, 5: ("08:00", "12:00")},
        ),
        provider("p-patel", "Dr. Karen Patel", "cardiology", ["en"], WEEK, telehealth=True),
        provider(
            "p-vargas",
            "Dra. Sofía Vargas",
            "pediatrics",
            ["es", "en"],
            {**WEEK, 5: ("08:00", "12:00")},
        ),
        provider(
            "p-kim",
            "Pat Kim, PT",
            "physical_therapy",
            ["en"],
            {**{d: ("07:00", "18:00") for d in range(5)}, 5: ("08:00", "12:00")},
        ),
    ]


@dataclass
class FakePractice:
    """Providers, patients, referrals and appointments, and the tools over them."""

    now: datetime
    providers: list[dict[str, Any]] = field(default_factory=demo_providers)
    patients: list[dict[str, Any]] = field(default_factory=list)
    referrals: list[dict[str, Any]] = field(default_factory=list)
    appointments: list[dict[str, Any]] = field(default_factory=list)
    calls: list[tuple[str, dict[str, Any]]] = field(default_factory=list)
    verified: str | None = None
    # The number the tools see as the caller's (the catalog's ctx.caller_phone).
    caller_phone: str | None = None

    # Set-up -------------------------------------------------------------------------
    def add_patient(
        self,
        given: str,
        surnames: list[str],
        dob: str,
        plan: str = "Medicare",
        phone: str = "+15595550100",
        language: str = "en",
    ) -> str:
        pid = f"pat-{len(self.patients) + 1}"
        self.patients.append(
            {
                "id": pid,
                "given": given,
                "surnames": surnames,
                "dob": dob,
                "plan": plan,
                "phone": phone,
                "language": language,
            }
        )
        return pid

    def add_referral(
        self,
        patient_id: str,
        specialty: str,
        urgency: str = "routine",
        referrer: str = "Dra. Ana Ruiz",
        target_days: int = 4,
    ) -> str:
        rid = f"ref-{len(self.referrals) + 1}"
        target = (self.now.astimezone(ZONE).date() + timedelta(days=target_days)).isoformat()
        self.referrals.append(
            {
                "id": rid,
                "patient_id": patient_id,
                "status": "accepted",
                "specialty": specialty,
                "urgency": urgency,
                "target_date": target,
                "referring_provider": referrer,
            }
        )
        return rid

    def add_appointment(self, patient_id: str, provider_id: str, start: datetime) -> str:
        aid = f"apt-{len(self.appointments) + 1}"
        self.appointments.append(
            {
                "id": aid,
                "patient_id": patient_id,
                "provider_id": provider_id,
                "start": start.astimezone(ZONE).isoformat(),
                "status": "booked",
            }
        )
        return aid

    # The tool seam --------------------------------------------------------------------
    def call(self, name: str, /, **arguments: Any) -> Outcome:
        self.calls.append((name, arguments))
        return getattr(self, f"_{name}")(**arguments)

    def called(self, name: str) -> list[dict[str, Any]]:
        return [arguments for called, arguments in self.calls if called == name]

    def _get_providers(
        self,
        specialty: str | None = None,
        language: str | None = None,
        plan: str | None = None,
        **_: Any,
    ) -> Outcome:
        found = [
            p
            for p in self.providers
            if (specialty is None or p["specialty"] == specialty)
            and (language is None or language in p["languages"])
            and (plan is None or plan in p["plans"])
        ]
        return Outcome(
            ok=True,
            data={"providers": [{k: v for k, v in p.items() if k != "hours"} for p in found]},
        )

    def _get_office_hours(self, **_: Any) -> Outcome:
        hours = [{"weekday": WEEKDAYS[d], "opens": "06:30", "closes": "19:30"} for d in range(5)]
        hours.append({"weekday": "sat", "opens": "08:00", "closes": "12:00"})
        return Outcome(
            ok=True,
            data={
                "sites": [
                    {
                        "name": SITE,
                        "address": "400 W Main St",
                        "city": "Visalia",
                        "phone": "+15596250100",
                        "hours": hours,
                        "closures": [
                            {
                                "name": "Christmas",
                                "starts_on": "2026-12-24",
                                "ends_on": "2026-12-25",
                            }
                        ],
                    }
                ]
            },
        )

    def _lookup_patient_by_phone(self, phone: str | None = None) -> Outcome:
        phone = phone or self.caller_phone
        found = [p for p in self.patients if p["phone"] == phone] if phone else []
        language = found[0]["language"] if len(found) == 1 else None
        return Outcome(
            ok=True,
            data={
                "on_file": bool(found),
                "count": len(found),
                "patients": None,
                "preferred_language": language,
            },
        )

    def _lookup_patient(self, given_names: str, surnames: list[str], dob: str) -> Outcome:
        found = [
            p
            for p in self.patients
            if fold(p["given"]) == fold(given_names)
            and [fold(s) for s in p["surnames"]] == [fold(s) for s in surnames]
            and p["dob"] == dob
        ]
        if len(found) != 1:
            return fail("not_found")
        self.verified = found[0]["id"]
        return Outcome(
            ok=True,
            data={
                "patient_id": found[0]["id"],
                "plan": found[0]["plan"],
                "first_name": found[0]["given"].split()[0],
            },
        )

    def _create_new_patient(
        self,
        given_names: str,
        surnames: list[str],
        dob: str,
        plan: str,
        phone: str | None = None,
        preferred_language: str | None = None,
    ) -> Outcome:
        if any(fold(p["given"]) == fold(given_names) and p["dob"] == dob for p in self.patients):
            return fail("duplicate")
        pid = self.add_patient(
            given_names, surnames, dob, plan, phone or "", preferred_language or "en"
        )
        return Outcome(ok=True, data={"patient_id": pid, "verified": False})

    def _get_patient_referrals(self) -> Outcome:
        if self.verified is None:
            return fail("not_verified")
        return Outcome(
            ok=True,
            data={"referrals": [r for r in self.referrals if r["patient_id"] == self.verified]},
        )

    def _update_referral_status(
        self,
        referral_id: str,
        status: str,
        reason: str | None = None,
        leakage_reason: str | None = None,
    ) -> Outcome:
        # Like the catalog: the verified patient's own referral, a legal move only.
        if self.verified is None:
            return fail("not_verified")
        referral = next(
            (
                r
                for r in self.referrals
                if r["id"] == referral_id and r["patient_id"] == self.verified
            ),
            None,
        )
        if referral is None:
            return fail("not_found", "referral_id")
        if status not in TRANSITIONS[referral["status"]]:
            return fail("illegal_transition", "status")
        from_status = referral["status"]
        referral.update(status=status, reason=reason, leakage_reason=leakage_reason)
        return Outcome(ok=True, data={"referral": dict(referral), "from_status": from_status})

    def _get_patient_appointments(self) -> Outcome:
        if self.verified is None:
            return fail("not_verified")
        mine = [self._view(a) for a in self.appointments if a["patient_id"] == self.verified]
        return Outcome(ok=True, data={"appointments": mine})

    def _view(self, appointment: dict[str, Any]) -> dict[str, Any]:
        who = self._provider(appointment["provider_id"])
        return {
            "id": appointment["id"],
            "status": appointment["status"],
            "start": appointment["start"],
            "provider": {"id": who["id"], "name": who["name"], "specialty": who["specialty"]},
            "location": SITE,
        }

    def _provider(self, provider_id: str) -> dict[str, Any]:
        return next(p for p in self.providers if p["id"] == provider_id)

    def _get_available_slots(
        self,
        specialty: str,
        limit: int = 5,
        plan: str | None = None,
        language: str | None = None,
        windows: list[dict[str, Any]] | None = None,
        date_from: str | None = None,
        date_to: str | None = None,
        **_: Any,
    ) -> Outcome:
        local_now = self.now.astimezone(ZONE)
        first = (
            max(date.fromisoformat(date_from), local_now.date()) if date_from else local_now.date()
        )
        last = date.fromisoformat(date_to) if date_to else first + timedelta(days=42)
        found: list[dict[str, Any]] = []
        day = first
        while day <= last and len(found) < limit:
            for who in self.providers:
                if (
                    who["specialty"] != specialty
                    or (plan and plan not in who["plans"])
                    or (language and language not in who["languages"])
                ):
                    continue
                found += [
                    s
                    for s in self._slots_on(who, day)
                    if s["start"] > local_now.isoformat() and _fits(s, windows)
                ]
            day += timedelta(days=1)
        found.sort(key=lambda s: s["start"])
        return Outcome(ok=True, data={"slots": found[:limit]})

    def _slots_on(self, who: dict[str, Any], day: date) -> list[dict[str, Any]]:
        span = who["hours"].get(day.weekday())
        if span is None:
            return []
        start = datetime.combine(day, time.fromisoformat(span[0]), ZONE)
        end = datetime.combine(day, time.fromisoformat(span[1]), ZONE)
        taken = {
            a["start"]
            for a in self.appointments
            if a["provider_id"] == who["id"] and a["status"] == "booked"
        }
        slots = []
        while start < end:
            iso = start.isoformat()
            if iso not in taken:
                slots.append(
                    {
                        "slot_id": f"{who['id']}|{iso}",
                        "start": iso,
                        "provider": {
                            "id": who["id"],
                            "name": who["name"],
                            "specialty": who["specialty"],
                        },
                        "location": SITE,
                        "specialty": who["specialty"],
                    }
                )
            start += timedelta(minutes=30)
        return slots

    def _schedule_appointment(self, slot_id: str, referral_id: str | None = None) -> Outcome:
        if self.verified is None:
            return fail("not_verified")
        provider_id, start = slot_id.split("|")
        if any(
            a["provider_id"] == provider_id and a["start"] == start and a["status"] == "booked"
            for a in self.appointments
        ):
            return fail("slot_taken")
        aid = self.add_appointment(self.verified, provider_id, datetime.fromisoformat(start))
        for referral in self.referrals:
            if referral["id"] == referral_id:
                referral["status"] = "scheduled"
        return Outcome(
            ok=True, data={"appointment": self._view(self.appointments[-1]) | {"id": aid}}
        )

    def _reschedule_appointment(self, appointment_id: str, slot_id: str) -> Outcome:
        old = next(a for a in self.appointments if a["id"] == appointment_id)
        booked = self._schedule_appointment(slot_id)
        if booked.ok:
            old["status"] = "cancelled"
        return booked

    def _cancel_appointment(self, appointment_id: str, reason: str) -> Outcome:
        found = next(
            (
                a
                for a in self.appointments
                if a["id"] == appointment_id and a["patient_id"] == self.verified
            ),
            None,
        )
        if found is None:
            return fail("not_found")
        found["status"] = "cancelled"
        return Outcome(ok=True, data={"appointment": self._view(found)})

    def _send_confirmation(self, appointment_id: str) -> Outcome:
        return Outcome(
            ok=True,
            data={"to": "+15595550100", "body": "confirmed"},
            actions=[{"type": "send_sms", "to": "+15595550100", "body": "confirmed"}],
        )

    def _transfer_to_staff(
        self, reason: str, urgency: str, summary: str, callback_phone: str | None = None
    ) -> Outcome:
        return Outcome(
            ok=True,
            data={"task_id": "task-1"},
            actions=[
                {
                    "type": "transfer",
                    "reason": "staff_requested",
                    "task_id": "task-1",
                    "to": "+15595550000",
                }
            ],
        )

    def _record_consent(self, kinds: list[str], granted: bool) -> Outcome:
        if self.verified is None:
            return fail("not_verified")
        return Outcome(ok=True, data={"kinds": kinds, "granted": granted})


def _fits(slot: dict[str, Any], windows: list[dict[str, Any]] | None) -> bool:
    if not windows:
        return True
    start = datetime.fromisoformat(slot["start"])
    for window in windows:
        days = window.get("weekdays") or []
        if days and WEEKDAYS[start.weekday()] not in days:
            continue
        clock = start.strftime("%H:%M")
        if window.get("after") and clock < window["after"]:
            continue
        if window.get("before") and clock >= window["before"]:
            continue
        return True
    return False
