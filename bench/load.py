"""Many simultaneous callers through the chat API and the voice webhooks, then a database audit.

    .venv/bin/python bench/load.py [--layouts embedded,scale] [--levels 1,10,50,200]
        [--conversations-per-level 0] [--voice-share 0.25] [--kill-worker]

For each layout (see bench/load_layout.py) it starts the processes on a fresh
database with the demo practice and the clock at a fixed instant, then per level
plays that many conversations at once. Each caller is a demo patient speaking with
the phrasing of one of the shared caller cases (../shared/cases: booking, hours,
emergency, a person, cancelling ...) and answers what the agent is `awaiting`; a
share of them call in through signed Twilio webhooks instead of the chat API. On
the scale layout every request goes to the next web instance in turn, so each
conversation hops between processes. `--kill-worker` SIGKILLs one worker halfway
through each level and starts a fresh one.

Reports per level: turns per second, turn latency median and p99, bookings per
second, errors, and the peak memory (RSS) of one web process. Afterwards it audits
the database: no lost turn (every caller message the client saw answered is stored,
with its answer), no double booking, and every ended conversation analysed exactly
once (it waits for the workers, up to --analysis-wait-seconds).
"""

from __future__ import annotations

import argparse
import asyncio
import itertools
import os
import random
import statistics
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlencode, urlsplit
from xml.etree import ElementTree

import httpx
import yaml
from sqlalchemy import create_engine, func, select, text
from sqlalchemy.orm import Session

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
from bench import load_layout  # noqa: E402

from referraldesk.db.crypto import generate_key  # noqa: E402

NOW = "2026-03-04T09:15:00-08:00"
CASES = Path(__file__).resolve().parent.parent.parent / "shared" / "cases"
MAX_TURNS = 18
DEFAULT_SAYS = {
    "specialty": "dermatology",
    "reason": "a rash on my arms",
    "time_preference": "any time is fine",
    "confirm": "yes",
    "anything_else": "no, thanks",
    "plan": "Medicare",
    "phone": "559 555 0100",
}


@dataclass
class Script:
    """One caller: a demo patient's identity with one caller case's phrasing."""

    case: str
    language: str
    voice: bool
    name: str
    dob: str
    says: dict[str, str]
    # Each caller is someone else: their own address (behind the balancer, as the
    # proxy's X-Forwarded-For says) and their own phone number.
    address: str = "10.0.0.1"
    phone: str = "+15595550199"

    def answer(self, awaiting: str, options: list[dict[str, Any]]) -> str:
        if awaiting == "name":
            return self.name
        if awaiting == "dob":
            return self.dob
        if awaiting == "slot_choice":
            return options[0]["label"] if options else "the first one"
        return str(
            self.says.get(awaiting) or self.says.get("other") or DEFAULT_SAYS.get(awaiting, "yes")
        )


@dataclass
class Level:
    concurrency: int
    latencies_ms: list[float] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)
    conversations: dict[str, int] = field(default_factory=dict)  # id -> caller turns answered
    seconds: float = 0.0
    bookings: int = 0
    peak_rss_mb: float = 0.0


class Client:
    """Round-robin over the layout's web instances: any request may land on any one."""

    def __init__(self, layout: load_layout.Layout, connections: int) -> None:
        limits = httpx.Limits(
            max_connections=connections + 5,
            max_keepalive_connections=connections,
            # Drop idle connections before uvicorn does (5 s): reusing one the server
            # is closing at that moment fails the request with a ReadError.
            keepalive_expiry=2.0,
        )
        self.clients = [
            httpx.AsyncClient(base_url=url, timeout=120, limits=limits) for url in layout.base_urls
        ]
        self.next = itertools.cycle(self.clients)
        self.public_url = layout.public_url

    async def post(self, path: str, **kwargs: Any) -> httpx.Response:
        return await next(self.next).post(path, **kwargs)

    async def close(self) -> None:
        for client in self.clients:
            await client.aclose()


async def timed(level: Level, request: Any) -> httpx.Response | None:
    started = time.perf_counter()
    try:
        response = await request
    except httpx.HTTPError as exc:
        level.errors.append(f"transport: {type(exc).__name__}")
        return None
    level.latencies_ms.append((time.perf_counter() - started) * 1000)
    if response.status_code >= 400:
        level.errors.append(f"{response.status_code}: {response.text[:160]}")
        return None
    return response


async def chat(client: Client, script: Script, level: Level) -> None:
    headers = {"x-forwarded-for": script.address}
    started = await timed(
        level,
        client.post(
            "/api/conversations",
            json={"channel": "chat", "language": script.language},
            headers=headers,
        ),
    )
    if started is None:
        return
    conversation_id, turn = started.json()["id"], started.json()["turn"]
    level.conversations[conversation_id] = 0
    text_ = script.says.get("opening", "Hello")
    for _ in range(MAX_TURNS):
        response = await timed(
            level,
            client.post(
                f"/api/conversations/{conversation_id}/messages",
                json={"text": text_},
                headers=headers,
            ),
        )
        if response is None:
            return
        level.conversations[conversation_id] += 1
        turn = response.json()["turn"]
        if any(
            action.get("type") in ("end", "transfer", "emergency") for action in turn["actions"]
        ):
            break
        text_ = script.answer(turn["awaiting"], turn.get("options", []))
    await timed(level, client.post(f"/api/conversations/{conversation_id}/end", headers=headers))


async def voice(client: Client, script: Script, level: Level, database: Any) -> None:
    call_sid = "CA" + random.getrandbits(128).to_bytes(16, "big").hex()
    fields = {
        "AccountSid": "AC" + "0" * 32,
        "CallSid": call_sid,
        "From": script.phone,
        "To": "+15595550600",
        "CallStatus": "in-progress",
        "Direction": "inbound",
    }
    action = await _webhook(
        client, level, f"{client.public_url}/twilio/voice?transport=turn", fields
    )
    conversation_id = await asyncio.to_thread(database.conversation_of_call, call_sid)
    if conversation_id is not None:
        level.conversations[conversation_id] = 0
    words = script.says.get("opening", "Hello")
    for _ in range(MAX_TURNS):
        if action is None or conversation_id is None:
            break
        errors_before = len(level.errors)
        action = await _webhook(
            client, level, action, fields | {"SpeechResult": words, "Confidence": "0.93"}
        )
        if len(level.errors) > errors_before:
            break  # refused (nothing stored): the caller hangs up
        level.conversations[conversation_id] += 1
        # What the phone heard is speech; what the agent awaits is read as the
        # transcript stores it (a caller's ear, without a speech recognizer here).
        awaiting, options = await asyncio.to_thread(database.last_awaiting, conversation_id)
        words = script.answer(awaiting, options)
    await _webhook(
        client,
        level,
        f"{client.public_url}/twilio/voice/status",
        fields | {"CallStatus": "completed"},
    )


async def _webhook(client: Client, level: Level, url: str, fields: dict[str, str]) -> str | None:
    """POST a signed Twilio form; return the next <Gather> action URL, if any."""
    from referraldesk.channels.twilio_signature import sign

    form = list(fields.items())
    signature = sign(load_layout.TWILIO_TOKEN, url, form)
    parts = urlsplit(url)
    path = parts.path + (f"?{parts.query}" if parts.query else "")
    response = await timed(
        level,
        client.post(
            path,
            content=urlencode(form),
            headers={
                "content-type": "application/x-www-form-urlencoded",
                "x-twilio-signature": signature,
            },
        ),
    )
    if response is None or not response.content:
        return None
    gather = ElementTree.fromstring(response.text).find("Gather")
    return gather.get("action") if gather is not None else None


class Database:
    """The bench's own reads of the layout's database: voice peeks and the audit."""

    def __init__(self, url: str) -> None:
        self.engine = create_engine(url, pool_size=5, max_overflow=20)

    def conversation_of_call(self, call_sid: str) -> str | None:
        from referraldesk.models import Conversation

        with Session(self.engine) as session:
            return session.scalar(
                select(Conversation.id).where(Conversation.external_id == call_sid)
            )

    def last_awaiting(self, conversation_id: str) -> tuple[str, list[dict[str, Any]]]:
        from referraldesk.models import Turn

        with Session(self.engine) as session:
            row = session.execute(
                select(Turn.awaiting, Turn.options)
                .where(Turn.conversation_id == conversation_id)
                .where(Turn.speaker == "agent")
                .order_by(Turn.seq.desc())
                .limit(1)
            ).first()
        return (row[0] or "none", row[1] or []) if row else ("none", [])

    def bookings(self) -> int:
        from referraldesk.models import Appointment

        with Session(self.engine) as session:
            return int(
                session.scalar(
                    select(func.count())
                    .select_from(Appointment)
                    .where(Appointment.channel.in_(["chat", "voice"]))
                )
                or 0
            )

    def lost_turns(self, conversations: dict[str, int]) -> list[str]:
        """Conversations whose stored caller turns or answers fall short of what the client saw."""
        from referraldesk.models import Turn

        with Session(self.engine) as session:
            rows = session.execute(
                select(Turn.conversation_id, Turn.speaker, func.count())
                .where(Turn.conversation_id.in_(list(conversations)))
                .group_by(Turn.conversation_id, Turn.speaker)
            ).all()
        stored: dict[str, dict[str, int]] = {}
        for conversation_id, speaker, count in rows:
            stored.setdefault(conversation_id, {})[speaker] = count
        return [
            cid
            for cid, answered in conversations.items()
            if stored.get(cid, {}).get("caller", 0) < answered
            or stored.get(cid, {}).get("agent", 0) < answered + 1
        ]

    def double_bookings(self) -> int:
        with self.engine.connect() as connection:
            return int(
                connection.execute(
                    text(
                        "SELECT count(*) FROM (SELECT provider_id, start_at FROM appointments"
                        " WHERE status = 'booked' GROUP BY provider_id, start_at"
                        " HAVING count(*) > 1) d"
                    )
                ).scalar_one()
            )

    def analysis_gaps(self) -> tuple[int, int, int]:
        """(ended conversations, ended without a current analysis, with more than one analysis)."""
        with self.engine.connect() as connection:
            ended = connection.execute(
                text("SELECT count(*) FROM conversations WHERE status = 'ended'")
            ).scalar_one()
            missing = connection.execute(
                text(
                    "SELECT count(*) FROM conversations c WHERE c.status = 'ended' AND NOT EXISTS "
                    "(SELECT 1 FROM conversation_analyses a WHERE a.conversation_id = c.id "
                    "AND a.is_current)"
                )
            ).scalar_one()
            twice = connection.execute(
                text(
                    "SELECT count(*) FROM (SELECT conversation_id FROM conversation_analyses "
                    "GROUP BY conversation_id HAVING count(*) > 1) t"
                )
            ).scalar_one()
        return int(ended), int(missing), int(twice)


def scripts(database_url: str, count: int, voice_share: float, seed: int = 7) -> list[Script]:
    from referraldesk.models import Patient

    engine = create_engine(database_url)
    with Session(engine) as session:
        patients = session.scalars(select(Patient).order_by(Patient.id).limit(count)).all()
        people = [
            (f"{p.given_names} {' '.join(p.surnames)}", p.dob.strftime("%m/%d/%Y"))
            for p in patients
        ]
    engine.dispose()
    cases = [yaml.safe_load(path.read_text()) for path in sorted(CASES.glob("*.yaml"))]
    rng = random.Random(seed)
    made = []
    for index in range(count):
        case = cases[index % len(cases)]
        name, dob = people[index % len(people)]
        made.append(
            Script(
                case["id"],
                case["language"],
                rng.random() < voice_share,
                name,
                dob,
                {k: str(v) for k, v in case["says"].items()},
                address=f"10.{index // 65536 % 256}.{index // 256 % 256}.{index % 256 + 1}",
                phone=f"+1559555{index:04d}",
            )
        )
    return made


def rss_mb(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return 0.0


async def run_level(
    layout: load_layout.Layout,
    database: Database,
    people: list[Script],
    concurrency: int,
    total: int,
    kill_worker: bool,
) -> Level:
    level = Level(concurrency)
    client = Client(layout, concurrency)
    gate = asyncio.Semaphore(concurrency)
    done = 0

    async def one(script: Script) -> None:
        nonlocal done
        async with gate:
            if script.voice:
                await voice(client, script, level, database)
            else:
                await chat(client, script, level)
            done += 1

    async def watch_memory_and_kill() -> None:
        killed = not kill_worker
        while True:
            level.peak_rss_mb = max(level.peak_rss_mb, rss_mb(layout.web[0].pid))
            if not killed and layout.workers and done >= total // 2:
                # Halfway: a worker dies holding whatever job it had; a fresh one starts.
                layout.kill_worker(layout.workers[0])
                layout.start_worker()
                killed = True
            await asyncio.sleep(0.5)

    bookings_before = await asyncio.to_thread(database.bookings)
    watcher = asyncio.create_task(watch_memory_and_kill())
    started = time.perf_counter()
    await asyncio.gather(*(one(people[i % len(people)]) for i in range(total)))
    level.seconds = time.perf_counter() - started
    watcher.cancel()
    level.peak_rss_mb = max(level.peak_rss_mb, rss_mb(layout.web[0].pid))
    level.bookings = await asyncio.to_thread(database.bookings) - bookings_before
    await client.close()
    return level


def median(values: list[float]) -> float:
    return statistics.median(values) if values else 0.0


def p99(values: list[float]) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(len(ordered) * 0.99))] if ordered else 0.0


def wait_for_analyses(database: Database, seconds: float) -> tuple[int, int, int]:
    deadline = time.monotonic() + seconds
    while True:
        ended, missing, twice = database.analysis_gaps()
        if missing == 0 or time.monotonic() > deadline:
            return ended, missing, twice
        time.sleep(1)


def run_layout(name: str, args: argparse.Namespace) -> bool:
    # With workers killed on purpose, the replacement's start-up sweep should queue
    # again at once everything unanalysed (duplicates are harmless: jobs are idempotent).
    sweep = {"REFERRALDESK_ANALYSIS_SWEEP_AFTER_MINUTES": "0"} if args.kill_worker else {}
    layout = load_layout.start(name, web=args.web, workers=args.workers, now=NOW, extra_env=sweep)
    database = Database(layout.database_url)
    clean = True
    try:
        people = scripts(layout.database_url, 200, args.voice_share)
        at_rest = rss_mb(layout.web[0].pid)
        print(
            f"\n## {name}: {len(layout.web)} web, {len(layout.workers)} workers, "
            f"{layout.database_url.split(':')[0]}; one web process at rest: {at_rest:.0f} MB"
        )
        print(
            "| concurrent | conversations | turns | turns/s | median ms | p99 ms | bookings/s "
            "| errors | lost turns | web RSS peak MB |"
        )
        print("| --: | --: | --: | --: | --: | --: | --: | --: | --: | --: |")
        for concurrency in (int(x) for x in args.levels.split(",")):
            total = max(concurrency, args.conversations_per_level)
            level = asyncio.run(
                run_level(
                    layout,
                    database,
                    people,
                    concurrency,
                    total,
                    args.kill_worker and name == "scale",
                )
            )
            lost = database.lost_turns(level.conversations)
            turns = len(level.latencies_ms)
            print(
                f"| {concurrency} | {len(level.conversations)} | {turns} | "
                f"{turns / level.seconds:.1f} | {median(level.latencies_ms):.0f} | "
                f"{p99(level.latencies_ms):.0f} | {level.bookings / level.seconds:.2f} | "
                f"{len(level.errors)} | {len(lost)} | {level.peak_rss_mb:.0f} |",
                flush=True,
            )
            for error in sorted(set(level.errors))[:5]:
                print(f"    error: {error}", file=sys.stderr)
            clean &= not level.errors and not lost
        doubles = database.double_bookings()
        ended, missing, twice = wait_for_analyses(database, args.analysis_wait_seconds)
        print(
            f"\naudit: double bookings {doubles}; ended conversations {ended}, "
            f"without analysis {missing}, analysed more than once {twice}"
        )
        clean &= doubles == 0 and missing == 0 and twice == 0
    finally:
        database.engine.dispose()
        layout.stop()
    return clean


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--layouts", default="embedded,scale")
    parser.add_argument("--levels", default="1,10,50,200")
    parser.add_argument(
        "--conversations-per-level",
        type=int,
        default=0,
        help="conversations per level (at least the concurrency)",
    )
    parser.add_argument("--voice-share", type=float, default=0.25)
    parser.add_argument("--web", type=int, default=2, help="web instances (scale layout)")
    parser.add_argument("--workers", type=int, default=2, help="worker processes (scale layout)")
    parser.add_argument(
        "--kill-worker",
        action="store_true",
        help="SIGKILL a worker halfway through each level, start another",
    )
    parser.add_argument("--analysis-wait-seconds", type=float, default=900)
    args = parser.parse_args()
    # One throwaway key for the layouts and for this process, which reads their patients.
    os.environ.setdefault("REFERRALDESK_ENCRYPTION_KEY", generate_key())
    results = {name: run_layout(name, args) for name in args.layouts.split(",")}
    print(
        "\n"
        + ", ".join(f"{name}: {'clean' if ok else 'NOT CLEAN'}" for name, ok in results.items())
    )
    sys.exit(0 if all(results.values()) else 1)


if __name__ == "__main__":
    main()
