"""Turn latency of the guided brain through the HTTP chat API, at several concurrencies.

    .venv/bin/python bench/bench_turns.py [--levels 1,10,50] [--conversations-per-level 50]

Sets up a fresh SQLite database with the demo practice (the same commands as
`make run`), starts `referraldesk serve` on a free port with the clock at a fixed
instant, then plays booking conversations for demo patients concurrently: each
answers what the agent is `awaiting`. Reports, per concurrency level, turn latency
(median, p99), turns per second, bookings and errors; and, as a baseline in the same
run, the latency of `GET /healthz` (the cost of HTTP and the framework alone).
Pass --database-url to run against PostgreSQL instead.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import os
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path

import httpx
from sqlalchemy import create_engine, select
from sqlalchemy.orm import Session

NOW = "2026-03-04T09:15:00-08:00"
ROOT = Path(__file__).resolve().parent.parent
BIN = Path(sys.executable).parent


@dataclass
class Caller:
    given: str
    surnames: list[str]
    dob: str

    def answer(self, awaiting: str, options: list[dict]) -> str:  # type: ignore[type-arg]
        answers = {
            "name": f"{self.given} {' '.join(self.surnames)}",
            "dob": self.dob,
            "specialty": "dermatology",
            "reason": "a rash on my arms",
            "time_preference": "any time is fine",
            "slot_choice": options[0]["label"] if options else "the first one",
            "confirm": "yes",
            "anything_else": "no, thanks",
            "plan": "Medicare",
        }
        return answers.get(awaiting, "yes")


def booked_by_chat(database_url: str) -> int:
    from sqlalchemy import func

    from referraldesk.models import Appointment

    engine = create_engine(database_url)
    with Session(engine) as session:
        count = session.scalar(
            select(func.count()).select_from(Appointment).where(Appointment.channel == "chat")
        )
    engine.dispose()
    return int(count or 0)


@dataclass
class Level:
    concurrency: int
    latencies_ms: list[float] = field(default_factory=list)
    errors: int = 0
    bookings: int = 0
    seconds: float = 0.0


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def prepare(env: dict[str, str]) -> None:
    for args in (["db", "upgrade"], ["practice", "load", "--demo", "--today", NOW[:10]]):
        subprocess.run([str(BIN / "referraldesk"), *args], env=env, check=True,
                       stdout=subprocess.DEVNULL)


def demo_callers(database_url: str, count: int) -> list[Caller]:
    from referraldesk.models import Patient

    engine = create_engine(database_url)
    with Session(engine) as session:
        patients = session.scalars(select(Patient).order_by(Patient.id).limit(count)).all()
        callers = [Caller(p.given_names, list(p.surnames), p.dob.isoformat()) for p in patients]
    engine.dispose()
    return callers


async def converse(client: httpx.AsyncClient, caller: Caller, level: Level, think: float) -> None:
    started = await client.post("/api/conversations", json={"channel": "chat", "language": "en"})
    if started.status_code not in (200, 201):
        level.errors += 1
        print(f"start failed: {started.status_code} {started.text[:200]}", file=sys.stderr)
        return
    conversation_id = started.json()["id"]
    turn = started.json()["turn"]
    await timed(client, f"/api/conversations/{conversation_id}/messages",
                {"text": "Hi, my doctor referred me to a skin doctor"}, level)
    for _ in range(16):
        if turn.get("awaiting", "none") == "none" and any(
            a.get("type") == "end" for a in turn.get("actions", [])
        ):
            break
        text = caller.answer(turn.get("awaiting", "none"), turn.get("options", []))
        if think:
            # A person reads or listens, then answers: seconds, not microseconds.
            await asyncio.sleep(think)
        response = await timed(client, f"/api/conversations/{conversation_id}/messages",
                               {"text": text}, level)
        if response is None:
            return
        turn = response.json()["turn"]
    await client.post(f"/api/conversations/{conversation_id}/end")


async def timed(client: httpx.AsyncClient, url: str, body: dict, level: Level) -> httpx.Response | None:  # type: ignore[type-arg]
    started = time.perf_counter()
    response = await client.post(url, json=body)
    level.latencies_ms.append((time.perf_counter() - started) * 1000)
    if response.status_code != 200:
        level.errors += 1
        print(f"turn failed: {response.status_code} {response.text[:200]}", file=sys.stderr)
        return None
    return response


async def run_level(
    base_url: str, callers: list[Caller], concurrency: int, total: int, think: float
) -> Level:
    level = Level(concurrency)
    limits = httpx.Limits(max_connections=concurrency + 5)
    async with httpx.AsyncClient(base_url=base_url, timeout=60, limits=limits) as client:
        gate = asyncio.Semaphore(concurrency)

        async def one(caller: Caller) -> None:
            async with gate:
                await converse(client, caller, level, think)

        started = time.perf_counter()
        await asyncio.gather(*(one(callers[i % len(callers)]) for i in range(total)))
        level.seconds = time.perf_counter() - started
    return level


async def healthz_baseline(base_url: str, samples: int = 200) -> list[float]:
    async with httpx.AsyncClient(base_url=base_url) as client:
        latencies = []
        for _ in range(samples):
            started = time.perf_counter()
            await client.get("/healthz")
            latencies.append((time.perf_counter() - started) * 1000)
    return latencies


def p99(values: list[float]) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(len(ordered) * 0.99))] if ordered else 0.0


def wait_until_up(base_url: str, server: subprocess.Popen[bytes]) -> None:
    for _ in range(300):
        if server.poll() is not None:
            raise SystemExit("the server exited before answering; run `referraldesk serve` to see why")
        # Not listening yet is the expected answer while the server starts.
        with contextlib.suppress(httpx.TransportError):
            if httpx.get(f"{base_url}/healthz", timeout=1).status_code == 200:
                return
        time.sleep(0.1)
    raise SystemExit("the server did not answer /healthz within 30 s")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--levels", default="1,10,50")
    parser.add_argument("--conversations-per-level", type=int, default=50)
    parser.add_argument("--database-url", default=None)
    parser.add_argument("--think-seconds", type=float, default=0.0,
                        help="pause between a reply and the caller's answer (0: back to back)")
    args = parser.parse_args()

    workdir = Path(tempfile.mkdtemp(prefix="rd-bench-"))
    database_url = args.database_url or f"sqlite:///{workdir / 'bench.db'}"
    env = os.environ | {"REFERRALDESK_DATABASE_URL": database_url,
                        "REFERRALDESK_QUEUE_PATH": str(workdir / "queue.db"),
                        "REFERRALDESK_LOG_LEVEL": "WARNING",
                        "REFERRALDESK_CHAT_STARTS_PER_10_MINUTES": "100000"}
    prepare(env)
    callers = demo_callers(database_url, 200)
    port = free_port()
    base_url = f"http://127.0.0.1:{port}"
    server = subprocess.Popen(
        [str(BIN / "referraldesk"), "serve", "--port", str(port), "--now", NOW],
        env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )
    try:
        wait_until_up(base_url, server)
        baseline = asyncio.run(healthz_baseline(base_url))
        print(f"database: {database_url.split(':')[0]}   clock: {NOW}   think: {args.think_seconds} s")
        print(f"baseline GET /healthz: median {statistics.median(baseline):.1f} ms, p99 {p99(baseline):.1f} ms")
        print(f"{'concurrent':>10} {'turns':>6} {'median ms':>10} {'p99 ms':>8} {'turns/s':>8} {'bookings':>9} {'errors':>7}")
        for concurrency in (int(x) for x in args.levels.split(",")):
            before = booked_by_chat(database_url)
            level = asyncio.run(run_level(base_url, callers, concurrency,
                                          max(concurrency, args.conversations_per_level),
                                          args.think_seconds))
            level.bookings = booked_by_chat(database_url) - before
            turns = len(level.latencies_ms)
            print(f"{concurrency:>10} {turns:>6} {statistics.median(level.latencies_ms):>10.1f} "
                  f"{p99(level.latencies_ms):>8.1f} {turns / level.seconds:>8.1f} {level.bookings:>9} {level.errors:>7}")
    finally:
        server.terminate()
        server.wait(timeout=10)


if __name__ == "__main__":
    main()
