"""The demo practice keeps every promise shared/cases/README.md makes about it."""

from __future__ import annotations

from collections import Counter, defaultdict
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import phonenumbers
import pytest
from sqlalchemy import Engine, func, select
from sqlalchemy.orm import Session
from tests.practice.conftest import DEMO_TODAY

from referraldesk.db.session import session_scope
from referraldesk.models import (
    Appointment,
    AvailabilityBlock,
    Closure,
    Consent,
    Coverage,
    Location,
    Patient,
    PatientPhone,
    Plan,
    Practice,
    Provider,
    Referral,
    ReferringPractice,
    Specialty,
)
from referraldesk.patients.names import fold
from referraldesk.practice.demo.calendar import days_between, provider_slots
from referraldesk.practice.loader import demo_config, load_demo
from referraldesk.referrals.lifecycle import check_transition

LA = ZoneInfo("America/Los_Angeles")
CASE_PHONES = {
    "+15595550102",
    "+15595550117",
    "+15595550124",
    "+15595550131",
    "+15595550143",
    "+15595550159",
    "+15595550166",
    "+15595550177",
    "+15595550188",
}
CASE_PATIENTS = {
    "maria elena lopez garcia",
    "daniel ortega",
    "angela soto",
    "robert castillo",
    "jennifer nguyen",
    "jose luis hernandez",
    "guadalupe morales vega",
    "mateo ramirez cruz",
}
NUCC = {
    "dermatology": "207N00000X",
    "orthopedics": "207X00000X",
    "cardiology": "207RC0000X",
    "pulmonology": "207RP1001X",
    "gastroenterology": "207RG0100X",
    "pediatrics": "208000000X",
    "physical_therapy": "225100000X",
    "occupational_medicine": "2083X0100X",
}
PLANS = {
    "Anthem Blue Cross Medi-Cal": "medi_cal",
    "Health Net Medi-Cal": "medi_cal",
    "Medicare": "medicare",
    "State Compensation Insurance Fund": "workers_comp",
    "Blue Shield of California PPO": "commercial",
    "Aetna PPO": "commercial",
    "Self-pay": "self_pay",
}


def providers_of(session: Session, specialty: str) -> list[Provider]:
    return list(session.scalars(select(Provider).where(Provider.specialty_key == specialty)))


def weekday_blocks(session: Session, specialty: str) -> list[AvailabilityBlock]:
    return list(
        session.scalars(
            select(AvailabilityBlock)
            .join(Provider)
            .where(Provider.specialty_key == specialty, AvailabilityBlock.weekday < 5)
        )
    )


def test_the_practice_is_in_visalia_on_pacific_time(demo_session: Session) -> None:
    practice = demo_session.scalars(select(Practice)).one()
    cities = {loc.city: loc.timezone for loc in demo_session.scalars(select(Location))}

    assert practice.timezone == "America/Los_Angeles"
    assert cities == {"Visalia": "America/Los_Angeles", "Tulare": "America/Los_Angeles"}
    assert practice.policy["auto_accept_referrals"] is True


def test_every_case_specialty_is_in_network_with_its_nucc_code(demo_session: Session) -> None:
    codes = {s.key: s.nucc_code for s in demo_session.scalars(select(Specialty))}
    staffed = {key: len(providers_of(demo_session, key)) for key in NUCC}

    assert codes == NUCC
    assert min(staffed.values()) >= 2


@pytest.mark.parametrize("specialty", ["dermatology", "orthopedics", "pediatrics"])
def test_a_spanish_speaking_provider_practices(demo_session: Session, specialty: str) -> None:
    speakers = [p.npi for p in providers_of(demo_session, specialty) if "es" in p.languages]

    assert speakers


def test_the_visalia_site_opens_early_late_and_on_saturday_mornings(demo_session: Session) -> None:
    visalia = demo_session.scalars(select(Location).where(Location.key == "visalia")).one()
    hours = {(h.weekday, h.opens, h.closes) for h in visalia.hours}

    assert {(day, time(6, 30), time(19, 30)) for day in range(5)} <= hours
    assert (5, time(7), time(12)) in hours


@pytest.mark.parametrize("specialty", ["dermatology", "orthopedics"])
def test_a_specialty_sees_patients_before_eight_on_weekdays(
    demo_session: Session, specialty: str
) -> None:
    early = [b for b in weekday_blocks(demo_session, specialty) if b.starts < time(8)]

    assert {b.weekday for b in early} == {0, 1, 2, 3, 4}


@pytest.mark.parametrize("specialty", ["orthopedics", "pulmonology"])
def test_a_specialty_sees_patients_after_five_pm(demo_session: Session, specialty: str) -> None:
    late = [b for b in weekday_blocks(demo_session, specialty) if b.ends >= time(19, 30)]

    assert len({b.weekday for b in late}) >= 3


def test_saturday_mornings_have_orthopedics_pediatrics_and_physical_therapy(
    demo_session: Session,
) -> None:
    saturday = demo_session.execute(
        select(Provider.specialty_key, Location.key)
        .join(AvailabilityBlock, AvailabilityBlock.provider_id == Provider.id)
        .join(Location, Location.id == AvailabilityBlock.location_id)
        .where(AvailabilityBlock.weekday == 5, AvailabilityBlock.ends <= time(12))
    ).all()

    assert {"orthopedics", "pediatrics", "physical_therapy"} <= {row[0] for row in saturday}
    assert {row[1] for row in saturday} == {"visalia"}


def test_the_plans_the_cases_name_are_there(demo_session: Session) -> None:
    plans = {p.name: p.kind for p in demo_session.scalars(select(Plan))}

    assert plans == PLANS


def test_every_provider_takes_self_pay(demo_session: Session) -> None:
    without = [
        p.npi
        for p in demo_session.scalars(select(Provider))
        if "self_pay" not in {x.key for x in p.plans}
    ]

    assert without == []


def test_a_dermatologist_does_not_take_a_medi_cal_plan(demo_session: Session) -> None:
    medi_cal = {"anthem_medi_cal", "health_net_medi_cal"}

    missing = [
        p.family_name
        for p in providers_of(demo_session, "dermatology")
        if medi_cal - {x.key for x in p.plans}
    ]

    assert missing == ["Brennan"]


def test_there_are_at_least_200_patients(demo_session: Session) -> None:
    count = demo_session.scalar(select(func.count()).select_from(Patient))

    assert count is not None and count >= 200


def test_patient_phones_are_valid_unique_and_not_the_cases(demo_session: Session) -> None:
    phones = demo_session.scalars(select(PatientPhone.e164)).all()

    invalid = [p for p in phones if not phonenumbers.is_valid_number(phonenumbers.parse(p))]
    assert invalid == []
    assert all(p.startswith("+1559") for p in phones)
    assert len(set(phones)) == len(phones)
    assert CASE_PHONES & set(phones) == set()


def test_no_patient_is_named_like_a_case_patient(demo_session: Session) -> None:
    names = {fold(p.full_name) for p in demo_session.scalars(select(Patient))}

    assert names & CASE_PATIENTS == set()


def test_patients_look_like_the_valley(demo_session: Session) -> None:
    patients = demo_session.scalars(select(Patient)).all()
    spanish = sum(p.preferred_language == "es" for p in patients) / len(patients)
    two_surnames = sum(len(p.surnames) == 2 for p in patients) / len(patients)
    accented = [p for p in patients if fold(p.full_name) != p.full_name.lower()]
    windows = Counter(
        "before" if any(w["before"] == "08:00" for w in p.contact_windows) else "other"
        for p in patients
    )

    assert 0.5 <= spanish <= 0.7
    assert two_surnames >= 0.3
    assert len(accented) >= 60
    assert windows["before"] >= 40


def test_every_patient_has_coverage_and_consents(demo_session: Session) -> None:
    coverages = demo_session.execute(select(Coverage.member_id, Plan.kind).join(Plan)).all()
    consents = Counter(demo_session.scalars(select(Consent.kind)))
    patients = demo_session.scalar(select(func.count()).select_from(Patient))

    assert all(member_id for member_id, kind in coverages if kind != "self_pay")
    assert {kind for _, kind in coverages} == set(PLANS.values())
    assert consents == {
        kind: patients for kind in ("recording", "automated_calls", "texts", "non_care_use")
    }


def test_2026_holidays_are_closed_and_unbooked(demo_session: Session) -> None:
    closures = {c.starts_on: c.name for c in demo_session.scalars(select(Closure))}

    assert closures[date(2026, 3, 31)] == "César Chávez Day"
    assert {
        date(2026, 1, 1),
        date(2026, 5, 25),
        date(2026, 7, 3),
        date(2026, 9, 7),
        date(2026, 11, 26),
    } <= set(closures)
    assert all(c.location_id is None for c in demo_session.scalars(select(Closure)))


def test_a_third_of_the_next_three_weeks_is_booked(demo_session: Session) -> None:
    config = demo_config()
    last = DEMO_TODAY + timedelta(days=20)
    slots = sum(
        len(provider_slots(config, p, day))
        for p in config.providers
        for day in days_between(DEMO_TODAY, last)
    )
    booked = [
        a for a in demo_session.scalars(select(Appointment).where(Appointment.status == "booked"))
    ]
    ahead = [a for a in booked if DEMO_TODAY <= a.start_at.astimezone(LA).date() <= last]

    assert 0.3 <= len(ahead) / slots <= 0.4
    assert all(a.start_at.astimezone(LA).date() >= DEMO_TODAY for a in booked)


def test_past_visits_were_kept_or_missed(demo_session: Session) -> None:
    statuses = Counter(
        demo_session.scalars(
            select(Appointment.status).where(
                Appointment.start_at < datetime(2026, 3, 4, 8, tzinfo=UTC)
            )
        )
    )

    assert statuses["fulfilled"] > 300
    assert statuses["no_show"] > 20
    assert statuses["booked"] == 0


def test_bookings_sit_on_the_slot_grid_and_never_overlap(demo_session: Session) -> None:
    config = demo_config()
    grid = {
        (slot.npi, slot.start, slot.end)
        for p in config.providers
        for day in days_between(DEMO_TODAY - timedelta(days=40), DEMO_TODAY + timedelta(days=21))
        for slot in provider_slots(config, p, day)
    }
    rows = demo_session.execute(
        select(Provider.npi, Appointment.start_at, Appointment.end_at, Appointment.status).join(
            Provider, Provider.id == Appointment.provider_id
        )
    ).all()
    off_grid = [row for row in rows if (row[0], row[1], row[2]) not in grid]
    booked = defaultdict(list)
    for npi, start, end, status in rows:
        if status == "booked":
            booked[npi].append((start, end))
    overlaps = [
        npi
        for npi, spans in booked.items()
        for a, b in zip(sorted(spans), sorted(spans)[1:], strict=False)
        if b[0] < a[1]
    ]

    assert off_grid == []
    assert overlaps == []


def test_the_first_week_keeps_someone_free_at_every_start(demo_session: Session) -> None:
    config = demo_config()
    taken = set(
        demo_session.execute(
            select(Provider.npi, Appointment.start_at)
            .join(Provider, Provider.id == Appointment.provider_id)
            .where(Appointment.status == "booked")
        )
    )
    starts: dict[tuple[str, datetime], list[bool]] = defaultdict(list)
    for provider in config.providers:
        for day in days_between(DEMO_TODAY, DEMO_TODAY + timedelta(days=7)):
            for slot in provider_slots(config, provider, day):
                starts[(slot.specialty, slot.start)].append((slot.npi, slot.start) in taken)

    full = [key for key, flags in starts.items() if all(flags)]

    assert full == []


@pytest.mark.parametrize("plan", ["anthem_medi_cal", "health_net_medi_cal"])
def test_every_specialty_has_an_open_slot_within_a_week_for_medi_cal(
    demo_session: Session, plan: str
) -> None:
    open_soon = _open_slots(
        demo_session, DEMO_TODAY + timedelta(days=1), DEMO_TODAY + timedelta(days=7), plan
    )

    assert {slot[0] for slot in open_soon} == set(NUCC)


def test_referring_practices_and_referrals_in_every_state(demo_session: Session) -> None:
    practices = set(demo_session.scalars(select(ReferringPractice.name)))
    referrals = demo_session.scalars(select(Referral)).all()

    assert practices == {
        "Valley Family Medicine",
        "Mineral King Family Practice",
        "Exeter Medical Group",
        "Tulare Community Health",
    }
    assert {r.status for r in referrals} == {
        "received",
        "needs_info",
        "accepted",
        "contacting",
        "scheduled",
        "visit_kept",
        "closed",
        "declined",
        "unreachable",
        "expired",
        "cancelled",
        "rejected",
    }
    for referral in referrals:
        steps = [t.to_status for t in referral.history]
        assert steps[0] == "received" and steps[-1] == referral.status
        for frm, to in zip(steps, steps[1:], strict=False):
            check_transition(frm, to)


def test_scheduled_referrals_hold_a_booked_visit_of_their_specialty(demo_session: Session) -> None:
    scheduled = demo_session.scalars(select(Referral).where(Referral.status == "scheduled")).all()

    for referral in scheduled:
        appointment = demo_session.get(Appointment, referral.appointment_id)
        assert appointment is not None
        assert appointment.status == "booked" and appointment.referral_id == referral.id
        assert appointment.provider.specialty_key == referral.specialty_key
        assert appointment.patient_id == referral.patient_id


def test_loading_the_demo_twice_adds_nothing(engine: Engine) -> None:
    with session_scope(engine) as session:
        first = load_demo(session, DEMO_TODAY)

    with session_scope(engine) as session:
        second = load_demo(session, DEMO_TODAY)

    assert second.changes == 0
    assert second.totals == first.totals


def test_the_demo_loads_on_both_databases(any_engine: Engine) -> None:
    with session_scope(any_engine) as session:
        report = load_demo(session, date(2026, 5, 11))

    with Session(any_engine) as session:
        patients = session.scalar(select(func.count()).select_from(Patient))
        booked = session.scalar(
            select(func.count()).select_from(Appointment).where(Appointment.status == "booked")
        )
    assert patients == report.totals["patients"] >= 200
    assert booked is not None and booked > 900


def test_the_calendar_follows_todays_date(engine: Engine, frozen_now: object) -> None:
    clock_today = date(2026, 6, 2)
    frozen_now("2026-06-02T08:20:00-07:00")  # type: ignore[operator]

    with session_scope(engine) as session:
        load_demo(session)
        first_booked = session.scalar(
            select(func.min(Appointment.start_at)).where(Appointment.status == "booked")
        )

    assert first_booked is not None and first_booked.astimezone(LA).date() >= clock_today


def _open_slots(
    session: Session, first: date, last: date, plan_key: str
) -> list[tuple[str, datetime]]:
    config = demo_config()
    taken = set(
        session.execute(
            select(Provider.npi, Appointment.start_at)
            .join(Provider, Provider.id == Appointment.provider_id)
            .where(Appointment.status == "booked")
        )
    )
    return [
        (slot.specialty, slot.start)
        for provider in config.providers
        if plan_key in provider.plans
        for day in days_between(first, last)
        for slot in provider_slots(config, provider, day)
        if (slot.npi, slot.start) not in taken
    ]
