"""Slot search latency over a synthetic practice, on SQLite and PostgreSQL.

    .venv/bin/python bench/bench_slots.py [--providers 500] [--days 90] [--queries 300]
                                          [--databases sqlite,postgres]

Builds a practice of N providers (20 specialties, 7 plans plus self-pay, 6 sites, two
zones) with weekly blocks, early-morning, evening and Saturday sessions, days off,
holidays and bookings for the next D days (fuller near today, as real calendars
are). Then runs specialty + plan + window searches (limit 10-20), each in its own
session as a request would, and prints the median and p99 per database. Two
baselines run in the same process on the same data: the first open slot with no
filters, and the same filtered searches generating every slot in the range with
all bookings read at once (no early stop). PostgreSQL gets its own database
`rd_bench_<pid>` on 127.0.0.1:5432, dropped at the end.
"""

from __future__ import annotations

import argparse
import os
import random
import statistics
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from datetime import time as clock_time
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import Engine, create_engine, insert, text
from sqlalchemy.orm import Session

import referraldesk.models  # noqa: F401 - registers every table
from referraldesk import clock
from referraldesk.db.base import Base, new_id
from referraldesk.db.session import make_engine, session_factory
from referraldesk.logging import configure_logging
from referraldesk.models import (
    Appointment,
    AvailabilityBlock,
    AvailabilityException,
    Closure,
    Location,
    OfficeHours,
    Patient,
    Plan,
    Practice,
    Provider,
    Specialty,
    provider_locations,
    provider_plans,
)
from referraldesk.scheduling import slots as slot_search
from referraldesk.scheduling.busy import BusyTimes
from referraldesk.scheduling.calendar import (
    Block,
    DayClock,
    ProviderWeek,
    Site,
    shifts_on,
    slot_starts,
)
from referraldesk.scheduling.slots import SlotQuery, find_slots
from referraldesk.scheduling.windows import parse_window

TODAY = date(2026, 3, 4)
NOW = datetime(2026, 3, 4, 17, 15, tzinfo=UTC)  # 09:15 in Visalia
PG_ADMIN_URL = os.environ.get(
    "REFERRALDESK_BENCH_PG_ADMIN_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/postgres"
)
SPECIALTIES = [
    "dermatology",
    "orthopedics",
    "cardiology",
    "pulmonology",
    "gastroenterology",
    "pediatrics",
    "physical_therapy",
    "occupational_medicine",
    "neurology",
    "endocrinology",
    "urology",
    "ophthalmology",
    "otolaryngology",
    "rheumatology",
    "nephrology",
    "oncology",
    "psychiatry",
    "podiatry",
    "allergy",
    "obstetrics",
]
PLANS = [
    ("Anthem Blue Cross Medi-Cal", "medi_cal"),
    ("Health Net Medi-Cal", "medi_cal"),
    ("Medicare", "medicare"),
    ("State Compensation Insurance Fund", "workers_comp"),
    ("Blue Shield of California PPO", "commercial"),
    ("Aetna PPO", "commercial"),
    ("Kaiser Permanente", "commercial"),
    ("Self pay", "self_pay"),
]
SITES = [
    ("visalia", "America/Los_Angeles"),
    ("tulare", "America/Los_Angeles"),
    ("hanford", "America/Los_Angeles"),
    ("porterville", "America/Los_Angeles"),
    ("fresno", "America/Los_Angeles"),
    ("st_george", "America/Denver"),
]
WINDOWS = [
    "weekdays 06:00-08:00",
    "after 17:00",
    "sat",
    "weekdays before 08:00; sat",
    "mornings",
    "",
]


@dataclass
class BenchPractice:
    """Ids of what the synthetic practice holds, for choosing search terms."""

    plan_ids: list[str] = field(default_factory=list)
    appointments: int = 0
    providers: int = 0


# ---------------------------------------------------------------- building


def build_practice(engine: Engine, providers: int, days: int, seed: int = 7) -> BenchPractice:
    """Fill an empty schema with a synthetic practice and its bookings."""
    rng = random.Random(seed)
    made = BenchPractice(providers=providers)
    with session_factory(engine)() as session:
        session.execute(insert(Practice), [{"id": new_id(), "name": "Bench Clinic", "policy": {}}])
        sites = _insert_sites(session)
        session.execute(
            insert(Specialty),
            [
                {
                    "key": key,
                    "nucc_code": "207N00000X",
                    "label_en": key.title(),
                    "label_es": key.title(),
                }
                for key in SPECIALTIES
            ],
        )
        made.plan_ids = _insert_plans(session)
        weeks = _insert_providers(session, rng, providers, sites, made.plan_ids[:-1])
        _insert_closures(session, sites)
        patients = _insert_patients(session, 2000)
        made.appointments = _insert_bookings(session, rng, weeks, sites, patients, days)
        session.commit()
    return made


def _insert_sites(session: Session) -> dict[str, Site]:
    sites: dict[str, Site] = {}
    rows, hours = [], []
    for key, zone in SITES:
        site_id = new_id()
        rows.append(
            {"id": site_id, "key": key, "name": key.replace("_", " ").title(), "timezone": zone}
        )
        spans = {day: (clock_time(6, 30), clock_time(19, 30)) for day in range(5)}
        if key in ("visalia", "fresno", "st_george"):
            spans[5] = (clock_time(7, 0), clock_time(12, 0))
        for weekday, (opens, closes) in spans.items():
            hours.append(
                {
                    "id": new_id(),
                    "location_id": site_id,
                    "weekday": weekday,
                    "opens": opens,
                    "closes": closes,
                }
            )
        site_hours = {
            day: [(opens.hour * 60 + opens.minute, closes.hour * 60 + closes.minute)]
            for day, (opens, closes) in spans.items()
        }
        sites[site_id] = Site(site_id, key, zone, ZoneInfo(zone), site_hours)
    session.execute(insert(Location), rows)
    session.execute(insert(OfficeHours), hours)
    return sites


def _insert_plans(session: Session) -> list[str]:
    rows = [
        {
            "id": new_id(),
            "key": f"plan_{index}",
            "name": name,
            "payer": name.split()[0],
            "kind": kind,
            "aliases": [],
        }
        for index, (name, kind) in enumerate(PLANS)
    ]
    session.execute(insert(Plan), rows)
    return [row["id"] for row in rows]


def _insert_providers(
    session: Session, rng: random.Random, count: int, sites: dict[str, Site], plan_ids: list[str]
) -> list[ProviderWeek]:
    site_ids = list(sites)
    providers, links, plans, blocks, exceptions = [], [], [], [], []
    weeks: list[ProviderWeek] = []
    for index in range(count):
        provider_id = new_id()
        slot_minutes = rng.choice([30, 30, 30, 20, 15])
        week = ProviderWeek(
            provider_id,
            f"Dr. P{index}",
            SPECIALTIES[index % len(SPECIALTIES)],
            ("en", "es") if rng.random() < 0.5 else ("en",),
            slot_minutes,
            rng.choice([0, 0, 5, 10]),
            (),
        )
        providers.append(
            {
                "id": provider_id,
                "npi": f"{1000000000 + index}",
                "title": "Dr.",
                "given_name": "P",
                "family_name": f"{index}",
                "specialty_key": week.specialty_key,
                "taxonomy_code": "207N00000X",
                "languages": list(week.languages),
                "accepting_new_patients": rng.random() < 0.9,
                "slot_minutes": slot_minutes,
                "buffer_minutes": week.buffer_minutes,
            }
        )
        home = rng.sample(site_ids, rng.choice([1, 1, 2]))
        week.location_ids = tuple(home)
        links += [{"provider_id": provider_id, "location_id": site_id} for site_id in home]
        plans += [
            {"provider_id": provider_id, "plan_id": plan_id}
            for plan_id in rng.sample(plan_ids, rng.randint(3, 6))
        ]
        for weekday, site_id, starts, ends in _week_of(rng, home, sites):
            blocks.append(
                {
                    "id": new_id(),
                    "provider_id": provider_id,
                    "location_id": site_id,
                    "weekday": weekday,
                    "starts": starts,
                    "ends": ends,
                }
            )
            span = (starts.hour * 60 + starts.minute, ends.hour * 60 + ends.minute)
            week.blocks.setdefault(weekday, []).append(Block(site_id, span, None, None))
        for _ in range(3):
            off_day = TODAY + timedelta(days=rng.randrange(90))
            exceptions.append(
                {"id": new_id(), "provider_id": provider_id, "on_date": off_day, "kind": "off"}
            )
            week.off.setdefault(off_day, []).append((0, 24 * 60))
        weeks.append(week)
    for table, rows in (
        (Provider, providers),
        (provider_locations, links),
        (provider_plans, plans),
        (AvailabilityBlock, blocks),
        (AvailabilityException, exceptions),
    ):
        session.execute(insert(table), rows)
    return weeks


def _week_of(
    rng: random.Random, home: list[str], sites: dict[str, Site]
) -> Iterator[tuple[int, str, clock_time, clock_time]]:
    early = rng.random() < 0.3
    evening = rng.random() < 0.2
    for weekday in range(5):
        site_id = home[weekday % len(home)]
        start = clock_time(6, 30) if early and weekday in (0, 2, 4) else clock_time(8, 0)
        end = clock_time(19, 30) if evening and weekday in (1, 3) else clock_time(17, 0)
        yield weekday, site_id, start, end
    saturday_sites = [site_id for site_id in home if 5 in (sites[site_id].hours or {})]
    if saturday_sites and rng.random() < 0.3:
        yield 5, saturday_sites[0], clock_time(7, 0), clock_time(12, 0)


def _insert_closures(session: Session, sites: dict[str, Site]) -> None:
    holidays = [
        (date(2026, 3, 31), None),
        (date(2026, 5, 25), None),
        (date(2026, 4, 10), next(iter(sites))),
    ]
    session.execute(
        insert(Closure),
        [
            {
                "id": new_id(),
                "location_id": site_id,
                "starts_on": day,
                "ends_on": day,
                "name": "Holiday",
            }
            for day, site_id in holidays
        ],
    )
    for day, site_id in holidays:
        for site in [sites[site_id]] if site_id else sites.values():
            site.closed_on.add(day)


def _insert_patients(session: Session, count: int) -> list[str]:
    rows = [
        {
            "id": new_id(),
            "given_names": f"Bench{index}",
            "surnames": ["Patient"],
            "dob": date(1980, 1, 1),
            "name_key": f"bench{index}|patient",
        }
        for index in range(count)
    ]
    session.execute(insert(Patient), rows)
    return [row["id"] for row in rows]


def _fill_rate(days_ahead: int) -> float:
    # Near-term calendars are nearly full; far ones mostly open.
    if days_ahead < 14:
        return 0.85
    if days_ahead < 45:
        return 0.5
    return 0.2


def _insert_bookings(
    session: Session,
    rng: random.Random,
    weeks: list[ProviderWeek],
    sites: dict[str, Site],
    patients: list[str],
    days: int,
) -> int:
    rows: list[dict[str, Any]] = []
    total = 0
    for offset in range(days):
        day = TODAY + timedelta(days=offset)
        rate = _fill_rate(offset)
        for index, week in enumerate(weeks):
            for shift in shifts_on(week, sites, day):
                site = sites[shift.location_id]
                day_clock = DayClock(day, site.zone)
                for wall in slot_starts(shift, week.slot_minutes, week.slot_minutes):
                    if rng.random() >= rate:
                        continue
                    for start in day_clock.instants(wall)[:1]:
                        # Distinct providers at one instant get distinct patients.
                        minute_index = int(start.timestamp() // 300)
                        rows.append(
                            {
                                "id": new_id(),
                                "provider_id": week.id,
                                "location_id": site.id,
                                "patient_id": patients[
                                    (index + minute_index * len(weeks)) % len(patients)
                                ],
                                "start_at": start,
                                "end_at": start + timedelta(minutes=week.slot_minutes),
                                "timezone": site.timezone,
                                "status": "booked",
                                "channel": "staff",
                                "booked_at": NOW,
                            }
                        )
        if len(rows) > 20000:
            total += _flush_bookings(session, rows)
    return total + _flush_bookings(session, rows)


def _flush_bookings(session: Session, rows: list[dict[str, Any]]) -> int:
    count = len(rows)
    if rows:
        session.execute(insert(Appointment), rows)
        rows.clear()
    return count


# ---------------------------------------------------------------- databases


@contextmanager
def sqlite_engine() -> Iterator[Engine]:
    with tempfile.TemporaryDirectory() as folder:
        engine = make_engine(f"sqlite:///{Path(folder) / 'bench.db'}")
        Base.metadata.create_all(engine)
        try:
            yield engine
        finally:
            engine.dispose()


@contextmanager
def postgres_engine() -> Iterator[Engine]:
    name = f"rd_bench_{os.getpid()}"
    admin = create_engine(PG_ADMIN_URL, isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        connection.execute(text(f'CREATE DATABASE "{name}"'))
    engine = make_engine(PG_ADMIN_URL.rsplit("/", 1)[0] + f"/{name}")
    try:
        Base.metadata.create_all(engine)
        yield engine
    finally:
        engine.dispose()
        with admin.connect() as connection:
            connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


ENGINES: dict[str, Callable[[], Any]] = {"sqlite": sqlite_engine, "postgres": postgres_engine}


def analyze(engine: Engine) -> None:
    with engine.begin() as connection:
        connection.execute(text("ANALYZE"))


# ---------------------------------------------------------------- searching


def filtered_queries(rng: random.Random, made: BenchPractice, count: int) -> list[SlotQuery]:
    return [
        SlotQuery(
            specialty_key=rng.choice(SPECIALTIES),
            plan_id=rng.choice(made.plan_ids[:-1]),
            windows=parse_window(window) if (window := rng.choice(WINDOWS)) else [],
            limit=rng.randint(10, 20),
        )
        for _ in range(count)
    ]


@contextmanager
def full_generation() -> Iterator[None]:
    """The naive search: every day of the range, every booking read in one query."""
    complete, load = slot_search._Walk._complete, BusyTimes.load

    def never_complete(self: Any, found: list[Any], day: date) -> bool:
        return False

    def load_all_once(self: Any, provider_ids: Any, lower: datetime, upper: datetime) -> None:
        if not self.queries:
            load(self, list(self._buffers), lower, lower + timedelta(days=400))

    slot_search._Walk._complete = never_complete  # type: ignore[method-assign]
    BusyTimes.load = load_all_once  # type: ignore[method-assign]
    try:
        yield
    finally:
        slot_search._Walk._complete = complete  # type: ignore[method-assign]
        BusyTimes.load = load  # type: ignore[method-assign]


@dataclass
class Timing:
    """Wall time per search (what a caller waits) and this process's CPU time."""

    label: str
    millis: list[float] = field(default_factory=list)
    cpu_millis: list[float] = field(default_factory=list)
    found: list[int] = field(default_factory=list)

    def row(self, database: str) -> str:
        cells = [
            database,
            self.label,
            str(len(self.millis)),
            f"{statistics.median(self.millis):.2f}",
            f"{percentile(self.millis, 0.99):.2f}",
            f"{statistics.median(self.cpu_millis):.2f}",
            f"{statistics.mean(self.found):.1f}",
        ]
        return "| " + " | ".join(cells) + " |"


HEADER = "| database | search | n | median ms | p99 ms | median CPU ms | slots found |"
RULE = "| --- | --- | --: | --: | --: | --: | --: |"


def calibration() -> str:
    """A fixed pure-Python workload, to compare machines and loads between runs."""
    best = min(_timed(lambda: sum(range(10**6))) for _ in range(5))
    load = os.getloadavg()[0] if hasattr(os, "getloadavg") else float("nan")
    return f"calibration: sum(range(10**6)) best of 5 = {best:.1f} ms; load average {load:.1f}"


def _timed(work: Callable[[], object]) -> float:
    began = time.perf_counter()
    work()
    return (time.perf_counter() - began) * 1000


def percentile(values: list[float], fraction: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(fraction * (len(ordered) - 1)))]


def time_queries(engine: Engine, label: str, queries: list[SlotQuery]) -> Timing:
    factory = session_factory(engine)
    timing = Timing(label)
    for query in queries:
        began, cpu_began = time.perf_counter(), time.process_time()
        with factory() as session:
            found = find_slots(session, query)
        timing.millis.append((time.perf_counter() - began) * 1000)
        timing.cpu_millis.append((time.process_time() - cpu_began) * 1000)
        timing.found.append(len(found))
    return timing


def run_database(name: str, args: argparse.Namespace) -> list[Timing]:
    with ENGINES[name]() as engine:
        began = time.perf_counter()
        made = build_practice(engine, args.providers, args.days)
        analyze(engine)
        print(
            f"{name}: built {made.providers} providers, {made.appointments} bookings over "
            f"{args.days} days in {time.perf_counter() - began:.1f} s",
            file=sys.stderr,
        )
        rng = random.Random(11)
        searches = filtered_queries(rng, made, args.queries)
        time_queries(engine, "warm-up", searches[:20])
        timings = [time_queries(engine, "specialty + plan + window, limit 10-20", searches)]
        timings.append(
            time_queries(
                engine,
                "baseline: first open slot, no filters",
                [SlotQuery(limit=1)] * max(20, args.queries // 3),
            )
        )
        with full_generation():
            timings.append(
                time_queries(
                    engine,
                    "baseline: same searches, full generation",
                    searches[: max(20, args.queries // 5)],
                )
            )
        return timings


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--providers", type=int, default=500)
    parser.add_argument("--days", type=int, default=90)
    parser.add_argument("--queries", type=int, default=300)
    parser.add_argument("--databases", default="sqlite,postgres")
    args = parser.parse_args()
    configure_logging("WARNING")
    clock.set_now(NOW, frozen=True)
    rows = []
    for name in args.databases.split(","):
        rows += [timing.row(name) for timing in run_database(name.strip(), args)]
    print(f"\nslot search, {args.providers} providers x {args.days} days; {calibration()}\n")
    print(HEADER)
    print(RULE)
    print("\n".join(rows))


if __name__ == "__main__":
    main()
