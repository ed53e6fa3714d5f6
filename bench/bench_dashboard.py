"""Dashboard page loads at 100,000 conversations and 50,000 referrals, on SQLite and PostgreSQL.

    .venv/bin/python bench/bench_dashboard.py [--conversations 100000] [--referrals 50000]
                                              [--runs 20] [--databases sqlite,postgres]

Loads the demo practice, then bulk-inserts a year of conversations (two turns, a
tool call and a current analysis each; some escalated, some left for staff),
referrals in every lifecycle state with their histories, the appointments of the
booked ones, failed intake messages and an audit trail with its hash chain. Then
signs in as an administrator and requests each dashboard page through the ASGI
app (the whole stack: session check, queries, templates), `--runs` times each
(fewer for a page that takes seconds, about a minute per page),
and prints the median and p99 wall time per page and database, and the median CPU
time of this process (with SQLite the database work is in it too; it moves less
than wall time on a busy machine). PostgreSQL gets its own
database `rd_bench_dash_<pid>` on 127.0.0.1:5432, dropped at the end.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import random
import statistics
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

from fastapi.testclient import TestClient
from sqlalchemy import Engine, create_engine, delete, insert, select, text
from sqlalchemy.orm import Session

import referraldesk.models  # noqa: F401 - registers every table
from referraldesk import clock
from referraldesk.admin.deps import SESSION_COOKIE
from referraldesk.api.app import create_app
from referraldesk.audit.trail import GENESIS_HASH
from referraldesk.auth.sessions import start_session
from referraldesk.auth.users import create_user
from referraldesk.db.base import Base, new_id
from referraldesk.db.session import make_engine, session_scope, use_engine
from referraldesk.logging import configure_logging
from referraldesk.models import (
    Appointment,
    AuditEvent,
    Conversation,
    ConversationAnalysis,
    DailyFigure,
    IntakeMessage,
    Location,
    Patient,
    PatientPhone,
    Provider,
    Referral,
    ReferralTransition,
    ReferringPractice,
    RollupDay,
    StaffTask,
    ToolCall,
    Turn,
)
from referraldesk.patients.names import name_key
from referraldesk.practice.loader import load_demo

TODAY = date(2026, 3, 10)
NOW = datetime(2026, 3, 10, 16, 0, tzinfo=UTC)  # 09:00 in Visalia
PG_ADMIN_URL = os.environ.get(
    "REFERRALDESK_BENCH_PG_ADMIN_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/postgres"
)
CHUNK = 5000
CHANNELS = ("voice", "voice", "sms", "chat")
OUTCOMES = ("booked", "booked", "answered", "answered", "rescheduled", "cancelled",
            "transferred", "abandoned")
INTENTS = ("book_referral_visit", "book_appointment", "reschedule", "cancel",
           "office_info", "speak_to_staff", "prescription_question")
# The path a referral took, ending in its current state.
PATHS = (
    ("received",), ("received", "needs_info"), ("received", "accepted"),
    ("received", "accepted", "contacting"),
    ("received", "accepted", "contacting", "scheduled"),
    ("received", "accepted", "scheduled", "visit_kept"),
    ("received", "accepted", "scheduled", "visit_kept", "closed"),
    ("received", "accepted", "contacting", "scheduled", "no_show"),
    ("received", "accepted", "contacting", "unreachable"),
    ("received", "rejected"), ("received", "accepted", "contacting", "declined"),
)
GIVEN = ("María", "José", "Guadalupe", "Juan", "Ana", "Luis", "Rosa", "Carlos", "Emily", "James")
SURNAMES = ("García", "López", "Hernández", "Martínez", "González", "Pérez", "Smith", "Nguyen",
            "Ramírez", "Torres", "Flores", "Rivera")


@dataclass(frozen=True)
class Page:
    name: str
    path: str
    # Empty the Numbers roll-up before every request: what each read cost before the
    # roll-up existed (every figure computed from the source tables), the baseline.
    cold: bool = False


def _rows(session: Session, model: Any, rows: list[dict[str, Any]]) -> None:
    for start in range(0, len(rows), CHUNK):
        session.execute(insert(model), rows[start:start + CHUNK])


def _spread(rng: random.Random, days: int) -> datetime:
    """An instant in the last `days` days, more of them in the day than at night."""
    day = rng.randrange(days)
    hour = rng.choice((6, 7, 8, 9, 9, 10, 10, 11, 12, 13, 14, 15, 16, 17, 18, 19, 20))
    return NOW - timedelta(days=day, hours=NOW.hour - hour + 7, minutes=rng.randrange(60))


def fill(engine: Engine, conversations: int, referrals: int, seed: int = 11) -> dict[str, str]:
    """Bulk-insert the volumes; return ids the pages are asked for."""
    rng = random.Random(seed)
    with session_scope(engine) as session:
        load_demo(session, TODAY)
    with session_scope(engine) as session:
        patients = _patients(session, rng, max(referrals // 2, 1000))
        conversation_ids = _conversations(session, rng, conversations, patients)
        referral_ids = _referrals(session, rng, referrals, patients)
        _intake(session, rng, 300)
        _audit(session, rng, 50_000, patients)
        create_user(session, email="bench@valle.example.org", role="admin",
                    password="bench password long")
    return {"conversation": conversation_ids[0], "referral": referral_ids[0],
            "patient": patients[0]}


def _patients(session: Session, rng: random.Random, count: int) -> list[str]:
    rows, phones = [], []
    for number in range(count):
        given, surnames = rng.choice(GIVEN), [rng.choice(SURNAMES), rng.choice(SURNAMES)]
        patient_id = new_id()
        rows.append({"id": patient_id, "given_names": given, "surnames": surnames,
                     "dob": date(1940, 1, 1) + timedelta(days=rng.randrange(25_000)),
                     "name_key": name_key(given, surnames), "preferred_language": "es",
                     "created_at": NOW})
        phones.append({"id": new_id(), "patient_id": patient_id, "e164": f"+1559{number:07d}",
                       "kind": "mobile", "is_primary": True})
    _rows(session, Patient, rows)
    _rows(session, PatientPhone, phones)
    return [row["id"] for row in rows]


def _conversations(session: Session, rng: random.Random, count: int,
                   patients: list[str]) -> list[str]:
    conversations, turns, calls, analyses, tasks = [], [], [], [], []
    for _ in range(count):
        started = _spread(rng, 365)
        outcome = rng.choice(OUTCOMES)
        conversation_id = new_id()
        patient = rng.choice(patients) if rng.random() < 0.7 else None
        conversations.append({
            "id": conversation_id, "channel": rng.choice(CHANNELS),
            "language": "es" if rng.random() < 0.55 else "en", "languages": [],
            "patient_id": patient, "status": "ended", "outcome": outcome, "brain": "guided",
            "state": {}, "failed_verifications": 0, "recording_disclosed": False,
            "started_at": started, "last_activity_at": started + timedelta(minutes=3),
            "ended_at": started + timedelta(minutes=3)})
        for seq, speaker in ((1, "agent"), (2, "caller")):
            turns.append({"id": new_id(), "conversation_id": conversation_id, "seq": seq,
                          "speaker": speaker, "text": "Hola, necesito una cita", "at": started,
                          "options": [], "actions": [], "interrupted": False})
        calls.append({"id": new_id(), "conversation_id": conversation_id, "name": "find_slots",
                      "arguments": {"specialty": "cardiology"}, "result": {"slots": 3},
                      "latency_ms": 14.0, "actor": "agent", "at": started})
        escalated = outcome == "transferred"
        analyses.append({
            "id": new_id(), "conversation_id": conversation_id, "is_current": True,
            "sentiment": round(rng.uniform(-1, 1), 2), "lead_score": rng.randrange(100),
            "intent": rng.choice(INTENTS), "topics": [], "satisfaction": rng.randint(1, 5),
            "escalation_flag": escalated,
            "escalation_reason": "transferred to staff: asked" if escalated else None,
            "summary": "A caller asked for a visit.", "analyzer": "embedded",
            "analyzer_version": "1", "analyzed_at": started})
        if escalated:
            tasks.append({"id": new_id(), "kind": "transfer", "conversation_id": conversation_id,
                          "patient_id": patient, "reason": "asked for a person",
                          "urgency": "routine", "status": "done" if rng.random() < 0.97 else "open",
                          "created_at": started})
    for model, rows in ((Conversation, conversations), (Turn, turns), (ToolCall, calls),
                        (ConversationAnalysis, analyses), (StaffTask, tasks)):
        _rows(session, model, rows)
    return [row["id"] for row in conversations]


def _referrals(session: Session, rng: random.Random, count: int,
               patients: list[str]) -> list[str]:
    practices = list(session.scalars(select(ReferringPractice.id)))
    providers = list(session.execute(select(Provider.id, Provider.specialty_key)))
    location = session.scalars(select(Location.id)).first()
    referrals, steps, appointments = [], [], []
    for number in range(count):
        received = _spread(rng, 365)
        path = rng.choice(PATHS)
        provider_id, specialty = rng.choice(providers)
        referral_id = new_id()
        row: dict[str, Any] = {
            "id": referral_id, "patient_id": rng.choice(patients), "status": path[-1],
            "specialty_key": specialty, "reason": "Evaluate and treat", "icd10": ["M54.50"],
            "urgency": "urgent" if rng.random() < 0.1 else "routine",
            "target_date": (received + timedelta(days=21)).date(),
            "referring_practice_id": rng.choice(practices), "placer_id": f"B-{number}",
            "source": "hl7", "attachments": [], "outreach_attempts": 0,
            "received_at": received, "updated_at": received}
        if path[-1] in ("unreachable", "rejected", "declined"):
            row["leakage_reason"] = "unreachable" if path[-1] == "unreachable" else "other"
        if "scheduled" in path:
            # A distinct minute per referral keeps the provider's booked starts unique.
            start = datetime(2025, 1, 1, 8, 7, tzinfo=UTC) + timedelta(minutes=30 * number)
            appointment_id = new_id()
            appointments.append({
                "id": appointment_id, "patient_id": row["patient_id"], "provider_id": provider_id,
                "location_id": location, "start_at": start, "end_at": start + timedelta(minutes=30),
                "timezone": "America/Los_Angeles",
                "status": "booked" if path[-1] == "scheduled" else "fulfilled",
                "telehealth": False, "channel": "voice", "referral_id": referral_id,
                "booked_at": received + timedelta(days=2)})
            row["appointment_id"] = appointment_id
        referrals.append(row)
        previous = None
        for seq, state in enumerate(path, start=1):
            actor = "agent:bench" if state == "scheduled" else "system:bench"
            steps.append({"id": new_id(), "referral_id": referral_id, "seq": seq,
                          "from_status": previous, "to_status": state,
                          "at": received + timedelta(days=seq - 1, hours=1), "actor": actor})
            previous = state
    _rows(session, Referral, referrals)
    _rows(session, ReferralTransition, steps)
    _rows(session, Appointment, appointments)
    return [row["id"] for row in referrals]


def _intake(session: Session, rng: random.Random, count: int) -> None:
    _rows(session, IntakeMessage, [
        {"id": new_id(), "channel": "hl7_mllp", "body": "MSH|^~\\&|BENCH", "content_type":
         "x-application/hl7-v2+er7", "received_at": _spread(rng, 60), "status": "failed",
         "error": "PID-7: missing date of birth", "updated_at": NOW} for _ in range(count)])


def _audit(session: Session, rng: random.Random, count: int, patients: list[str]) -> None:
    previous = session.scalar(select(AuditEvent.hash).order_by(AuditEvent.seq.desc()).limit(1))
    rows, chain = [], previous or GENESIS_HASH
    for number in range(count):
        at = NOW - timedelta(seconds=count - number)
        row = {"at": at, "actor": "staff:bench@valle.example.org", "role": "staff",
               "action": "read", "resource_type": "patient", "resource_id": None,
               "patient_id": rng.choice(patients), "conversation_id": None,
               "source_address": None, "reason": "bench", "prev_hash": chain}
        payload = {**row, "at": at.isoformat()}
        row["hash"] = chain = hashlib.sha256(
            json.dumps(payload, sort_keys=True, separators=(",", ":")).encode()).hexdigest()
        rows.append(row)
    _rows(session, AuditEvent, rows)


def pages(ids: dict[str, str]) -> list[Page]:
    return [
        Page("today", "/admin/today"),
        Page("conversations (7 days)", "/admin/conversations"),
        Page("conversations filtered", "/admin/conversations?from=2025-03-11&to=2026-03-10"
             "&intent=speak_to_staff&sentiment=negative&channel=voice"),
        Page("conversation", f"/admin/conversations/{ids['conversation']}"),
        Page("referral board", "/admin/referrals"),
        Page("referrals in a state", "/admin/referrals/state/contacting?page=20"),
        Page("referral", f"/admin/referrals/{ids['referral']}"),
        Page("nudge list", "/admin/referrals/nudges"),
        Page("intake queue", "/admin/intake"),
        Page("numbers (30 days)", "/admin/numbers"),
        Page("numbers (a year)", "/admin/numbers?from=2025-03-11&to=2026-03-10"),
        Page("numbers (30 days), roll-up empty", "/admin/numbers", cold=True),
        Page("numbers (a year), roll-up empty", "/admin/numbers?from=2025-03-11&to=2026-03-10",
             cold=True),
        Page("schedule (week)", "/admin/schedule"),
        Page("practice", "/admin/practice"),
        Page("patient search", "/admin/patients?name=maria%20garcia"),
        Page("patient", f"/admin/patients/{ids['patient']}"),
        Page("audit", "/admin/audit"),
    ]


def percentile(values: list[float], fraction: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(fraction * (len(ordered) - 1)))]


def _empty_rollup(engine: Engine) -> None:
    with session_scope(engine) as session:
        session.execute(delete(DailyFigure))
        session.execute(delete(RollupDay))


def _runs_for(page: Page, client: TestClient, runs: int, engine: Engine) -> int:
    """`runs`, or fewer for a page that takes seconds: about a minute per page at most."""
    if page.cold:
        _empty_rollup(engine)
    started = time.perf_counter()
    client.get(page.path)
    seconds = time.perf_counter() - started
    return max(3, min(runs, int(60 / max(seconds, 0.001))))


def time_pages(
    engine: Engine, ids: dict[str, str], runs: int, only: list[str] | None = None
) -> list[tuple[str, int, float, float, float]]:
    with session_scope(engine) as session:
        user = session.scalars(select(referraldesk.models.User)).one()
        secret = start_session(session, user, source_address="bench")
    client = TestClient(create_app(engine), follow_redirects=False)
    client.cookies.set(SESSION_COOKIE, secret, path="/admin")
    results = []
    for page in pages(ids):
        if only and not any(word in page.name for word in only):
            continue
        first = client.get(page.path)
        if first.status_code != 200:
            sys.exit(f"{page.path} answered {first.status_code}: {first.text[-400:]}")
        samples, cpu = [], []
        for _ in range(_runs_for(page, client, runs, engine)):
            if page.cold:
                _empty_rollup(engine)
            started, started_cpu = time.perf_counter(), time.process_time()
            client.get(page.path)
            samples.append((time.perf_counter() - started) * 1000)
            cpu.append((time.process_time() - started_cpu) * 1000)
        results.append((page.name, len(samples), statistics.median(samples),
                        percentile(samples, 0.99), statistics.median(cpu)))
    client.close()
    return results


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
    name = f"rd_bench_dash_{os.getpid()}"
    admin = create_engine(PG_ADMIN_URL, isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        connection.execute(text(f'CREATE DATABASE "{name}"'))
    engine = make_engine(PG_ADMIN_URL.rsplit("/", 1)[0] + f"/{name}")
    Base.metadata.create_all(engine)
    try:
        yield engine
    finally:
        engine.dispose()
        with admin.connect() as connection:
            connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


def analyze(engine: Engine) -> None:
    # Fresh bulk loads have no planner statistics, and on PostgreSQL no visibility map
    # either (an index-only scan would still visit every row); a real database's
    # autovacuum keeps both.
    statement = "VACUUM ANALYZE" if engine.dialect.name == "postgresql" else "ANALYZE"
    with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as connection:
        connection.execute(text(statement))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--conversations", type=int, default=100_000)
    parser.add_argument("--referrals", type=int, default=50_000)
    parser.add_argument("--runs", type=int, default=20)
    parser.add_argument("--databases", default="sqlite,postgres")
    parser.add_argument("--pages", default="",
                        help="comma-separated words; time only pages whose name has one")
    args = parser.parse_args()
    configure_logging("WARNING", json=True)
    clock.set_now(NOW, frozen=True)
    openers = {"sqlite": sqlite_engine, "postgres": postgres_engine}
    print(f"{args.conversations:,} conversations, {args.referrals:,} referrals, "
          f"{args.runs} runs per page (ms)\n")
    print("| database | page | runs | median | p99 | median CPU of this process |")
    print("| --- | --- | ---: | ---: | ---: | ---: |")
    for name in args.databases.split(","):
        with openers[name.strip()]() as engine:
            use_engine(engine)
            started = time.perf_counter()
            ids = fill(engine, args.conversations, args.referrals)
            analyze(engine)
            print(f"<!-- {name}: filled in {time.perf_counter() - started:.0f} s -->",
                  file=sys.stderr)
            only = [word.strip() for word in args.pages.split(",") if word.strip()]
            for page, count, median, p99, cpu in time_pages(engine, ids, args.runs, only):
                print(f"| {name} | {page} | {count} | {median:.0f} | {p99:.0f} | {cpu:.0f} |",
                      flush=True)
            use_engine(None)


if __name__ == "__main__":
    main()
