"""A second referraldesk in its own process, acting as the practice's EHR, and a way
to play caller cases with the first one booking into it."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any

import httpx
import pytest
from sqlalchemy import Engine, select

import referraldesk.models  # noqa: F401 - registers every table
from referraldesk import clock
from referraldesk.auth.tokens import create_token
from referraldesk.db.base import Base
from referraldesk.db.session import make_engine, session_scope
from referraldesk.models import Practice
from referraldesk.practice.loader import load_demo
from referraldesk.simulation import player
from referraldesk.simulation.cases import CallerCase
from referraldesk.simulation.player import CaseResult, play_case

READY_WITHIN_SECONDS = 30
CLI = Path(sys.executable).with_name("referraldesk")


@dataclass
class EhrProcess:
    base_url: str
    token: str
    engine: Engine


def prepare_ehr_database(path: Path, case_now: Any, today: date) -> tuple[Engine, str]:
    """The EHR's own SQLite file: the demo practice around `today`, an integration token."""
    engine = make_engine(f"sqlite:///{path}")
    Base.metadata.create_all(engine)
    clock.set_now(case_now, frozen=True)
    with session_scope(engine) as session:
        load_demo(session, today=today)
        _, secret = create_token(session, name="referraldesk-front-desk", role="integration")
    return engine, secret


@contextmanager
def ehr_process(folder: Path, case_now: Any, today: date) -> Iterator[EhrProcess]:
    """`referraldesk serve` on a free port, its clock started at the case's now."""
    database = folder / "ehr.db"
    engine, token = prepare_ehr_database(database, case_now, today)
    port = _free_port()
    env = {**os.environ, "REFERRALDESK_DATABASE_URL": f"sqlite:///{database}"}
    log_path = folder / "ehr.log"
    # A file, not a pipe: a full pipe would stall the server mid-request.
    with log_path.open("wb") as log:
        process = subprocess.Popen(
            [str(CLI), "serve", "--port", str(port), "--now", case_now.isoformat(), "--no-worker"],
            env=env,
            stdout=log,
            stderr=log,
        )
    try:
        _wait_until_healthy(process, f"http://127.0.0.1:{port}/healthz", log_path)
        yield EhrProcess(f"http://127.0.0.1:{port}/fhir", token, engine)
    finally:
        process.terminate()
        process.wait(timeout=10)
        engine.dispose()


def play_booking_into(case: CallerCase, ehr: EhrProcess, token_env: str) -> CaseResult:
    """Play the case with the practice's calendar set to the EHR (after the usual seeding)."""
    seed = player.seed_case

    def seed_then_point_at_ehr(session: Any, played: CallerCase) -> Any:
        seeded = seed(session, played)
        practice = session.scalars(select(Practice)).one()
        practice.policy = {
            **(practice.policy or {}),
            "scheduling": {
                "backend": "fhir",
                "base_url": ehr.base_url,
                "auth": {"type": "bearer", "token_env": token_env},
            },
        }
        return seeded

    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(player, "seed_case", seed_then_point_at_ehr)
        patch.setenv(token_env, ehr.token)
        return play_case(case, brain="guided")


def _wait_until_healthy(process: subprocess.Popen[bytes], url: str, log_path: Path) -> None:
    deadline = time.monotonic() + READY_WITHIN_SECONDS
    while time.monotonic() < deadline:
        with suppress(httpx.TransportError):  # not listening yet
            if httpx.get(url, timeout=1).status_code == 200:
                return
        # Waiting on the process itself: it paces the polling and notices a crash.
        try:
            code = process.wait(timeout=0.1)
        except subprocess.TimeoutExpired:
            continue
        output = log_path.read_text(errors="replace")[-2000:]
        raise RuntimeError(f"the EHR process exited with {code}: {output}")
    raise RuntimeError(f"the EHR at {url} was not healthy within {READY_WITHIN_SECONDS} s")


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])
