"""Booking throughput and latency under contention, on SQLite and PostgreSQL.

    .venv/bin/python bench/bench_booking.py [--threads 16] [--attempts 25]
                                            [--databases sqlite,postgres]

On a synthetic practice (bench_slots.py's builder: 60 providers, 30 days, its usual
bookings), K threads each with its own session book through `booking.book`, the
same path the tools and the API take (locks, re-checks, audit record, commit):

- contended: every attempt picks one of a few open slots, so most lose the race
  and get SlotTaken with the next slot;
- spread: every attempt picks from thousands of open slots, so few collide.

Reports attempts and bookings per second, median and p99 latency per attempt,
the outcomes, and the double bookings found afterwards (overlapping booked
appointments of one provider or one patient: must be 0), plus whether the audit
chain still verifies. PostgreSQL gets its own database `rd_bench_<pid>`.
"""

from __future__ import annotations

import argparse
import random
import statistics
import sys
import threading
import time
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import date, timedelta
from pathlib import Path

from sqlalchemy import Engine, insert, text

sys.path.insert(0, str(Path(__file__).resolve().parent))

from bench_slots import (  # noqa: E402
    ENGINES,
    NOW,
    TODAY,
    analyze,
    build_practice,
    calibration,
    percentile,
)

from referraldesk import clock  # noqa: E402
from referraldesk.audit import trail  # noqa: E402
from referraldesk.audit.trail import Actor  # noqa: E402
from referraldesk.db.base import new_id  # noqa: E402
from referraldesk.db.session import session_factory, session_scope  # noqa: E402
from referraldesk.errors import DomainError  # noqa: E402
from referraldesk.logging import configure_logging  # noqa: E402
from referraldesk.models import Patient  # noqa: E402
from referraldesk.scheduling.booking import BookingRequest, book  # noqa: E402
from referraldesk.scheduling.slots import Slot, SlotQuery, find_slots  # noqa: E402

DESK = Actor(name="system:bench", role="system")
OVERLAPS = {
    "provider": """
        SELECT COUNT(*) FROM appointments a JOIN appointments b
          ON a.provider_id = b.provider_id AND a.id < b.id
         WHERE a.status = 'booked' AND b.status = 'booked'
           AND a.start_at < b.end_at AND b.start_at < a.end_at""",
    "patient": """
        SELECT COUNT(*) FROM appointments a JOIN appointments b
          ON a.patient_id = b.patient_id AND a.id < b.id
         WHERE a.status = 'booked' AND b.status = 'booked'
           AND a.start_at < b.end_at AND b.start_at < a.end_at""",
}


@dataclass
class Run:
    label: str
    wall_seconds: float = 0.0
    millis: list[float] = field(default_factory=list)
    outcomes: Counter[str] = field(default_factory=Counter)

    def row(self, database: str, threads: int, double_bookings: int, chain_ok: bool) -> str:
        attempts = len(self.millis)
        booked = self.outcomes["booked"]
        others = ", ".join(f"{code} {count}" for code, count in sorted(self.outcomes.items())
                           if code != "booked")
        cells = [
            database, self.label, str(threads), str(attempts), str(booked),
            f"{attempts / self.wall_seconds:.0f}", f"{booked / self.wall_seconds:.1f}",
            f"{statistics.median(self.millis):.1f}", f"{percentile(self.millis, 0.99):.1f}",
            others or "-", str(double_bookings), "yes" if chain_ok else "NO",
        ]
        return "| " + " | ".join(cells) + " |"


HEADER = ("| database | race | threads | attempts | booked | attempts/s | bookings/s | "
          "median ms | p99 ms | refused | double bookings | audit chain ok |")
RULE = "| --- | --- | --: | --: | --: | --: | --: | --: | --: | --- | --: | --- |"


def open_slots(engine: Engine, count: int) -> list[Slot]:
    with session_factory(engine)() as session:
        return find_slots(session, SlotQuery(start=TODAY + timedelta(days=1),
                                             end=TODAY + timedelta(days=29), limit=count))


def new_patients(engine: Engine, count: int) -> list[str]:
    rows = [{"id": new_id(), "given_names": f"Racer{index}", "surnames": ["Bench"],
             "dob": date(1990, 1, 1), "name_key": f"racer{index}|bench"} for index in range(count)]
    with session_scope(engine) as session:
        session.execute(insert(Patient), rows)
    return [row["id"] for row in rows]


def race(engine: Engine, label: str, threads: int, attempts: int, slots: list[Slot],
         patients: list[str]) -> Run:
    """Each thread books `attempts` times, a random slot of `slots` for a new patient."""
    run = Run(label)
    lock = threading.Lock()
    barrier = threading.Barrier(threads)
    patient_pool = iter(patients)

    def worker(seed: int) -> None:
        rng = random.Random(seed)
        barrier.wait()
        for _ in range(attempts):
            with lock:
                patient_id = next(patient_pool)
            slot = rng.choice(slots)
            began = time.perf_counter()
            outcome = attempt(engine, BookingRequest(patient_id=patient_id, slot_id=slot.id))
            elapsed = (time.perf_counter() - began) * 1000
            with lock:
                run.millis.append(elapsed)
                run.outcomes[outcome] += 1

    began = time.perf_counter()
    with ThreadPoolExecutor(max_workers=threads) as pool:
        list(pool.map(worker, range(threads)))
    run.wall_seconds = time.perf_counter() - began
    return run


def attempt(engine: Engine, request: BookingRequest) -> str:
    try:
        with session_scope(engine) as session:
            book(session, DESK, request)
        return "booked"
    except DomainError as error:
        return error.code


def double_bookings(engine: Engine) -> int:
    with engine.connect() as connection:
        return sum(connection.execute(text(sql)).scalar_one() for sql in OVERLAPS.values())


def chain_verifies(engine: Engine) -> bool:
    with session_factory(engine)() as session:
        return not any(True for _ in trail.verify(session))


def run_database(name: str, args: argparse.Namespace) -> list[str]:
    rows = []
    with ENGINES[name]() as engine:
        build_practice(engine, providers=60, days=30)
        analyze(engine)
        total = args.threads * args.attempts
        patients = new_patients(engine, 2 * total)
        candidates = open_slots(engine, 500)
        random.Random(5).shuffle(candidates)
        hot, spread = candidates[: args.hot_slots], candidates[args.hot_slots:]
        for label, pool, people in (("contended", hot, patients[:total]),
                                    ("spread", spread, patients[total:])):
            label = f"{label} ({len(pool)} slots)"
            run = race(engine, label, args.threads, args.attempts, pool, people)
            found = double_bookings(engine)
            rows.append(run.row(name, args.threads, found, chain_verifies(engine)))
            print(f"{name}: {run.label} done", file=sys.stderr)
    return rows


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--threads", type=int, default=16)
    parser.add_argument("--attempts", type=int, default=25, help="per thread and race")
    parser.add_argument("--hot-slots", type=int, default=8)
    parser.add_argument("--databases", default="sqlite,postgres")
    args = parser.parse_args()
    configure_logging("WARNING")
    clock.set_now(NOW, frozen=True)
    rows = []
    for name in args.databases.split(","):
        rows += run_database(name.strip(), args)
    print(f"\nbooking, {args.threads} threads x {args.attempts} attempts; {calibration()}\n")
    print(HEADER)
    print(RULE)
    print("\n".join(rows))


if __name__ == "__main__":
    main()
