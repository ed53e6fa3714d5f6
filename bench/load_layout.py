"""Start referraldesk in one of its two layouts, for the load bench and tests/scale.

- `embedded`: one `referraldesk serve` on a SQLite file, jobs in-process (`make run`).
- `scale`: a fresh PostgreSQL database, huey on Redis under a queue name of its own,
  N stateless `referraldesk serve --no-worker` instances on their own ports and M
  `referraldesk worker` processes (`make run-scale`, the README's production layout).

Everything is made fresh and removed on `stop()`: the SQLite folder, the PostgreSQL
database `rd_load_<pid>_<n>`, the Redis keys of the queue.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import uuid
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from pathlib import Path

import httpx
from sqlalchemy import create_engine, text

BIN = Path(sys.executable).parent
PG_ADMIN_URL = os.environ.get(
    "REFERRALDESK_BENCH_PG_ADMIN_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/postgres"
)
REDIS_URL = os.environ.get("REFERRALDESK_BENCH_REDIS_URL", "redis://127.0.0.1:6379/0")
TWILIO_TOKEN = "0123456789abcdef0123456789abcdef"


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@dataclass
class Layout:
    """A running layout: its web base URLs, its processes, its database URL."""

    name: str
    database_url: str
    env: dict[str, str]
    workdir: Path
    web: list[subprocess.Popen[bytes]] = field(default_factory=list)
    workers: list[subprocess.Popen[bytes]] = field(default_factory=list)
    base_urls: list[str] = field(default_factory=list)
    public_url: str = ""
    now: str | None = None
    _pg_name: str | None = None
    _started: float = field(default_factory=time.monotonic)

    def clock_args(self) -> list[str]:
        """`--now` for a process starting now, on the clock the layout started with.

        Each process runs its own clock from its `--now`; one started a minute after
        the others with the same instant would run a minute behind them (and find,
        say, nothing ended "before now" that they ended).
        """
        if not self.now:
            return []
        elapsed = timedelta(seconds=time.monotonic() - self._started)
        return ["--now", (datetime.fromisoformat(self.now) + elapsed).isoformat()]

    def start_worker(self, threads: int = 2) -> subprocess.Popen[bytes]:
        """One more `referraldesk worker` on this layout's queue."""
        command = [str(BIN / "referraldesk"), "worker", "--workers", str(threads)]
        command += self.clock_args()
        worker = self.spawn("worker", command)
        self.workers.append(worker)
        return worker

    def kill_worker(self, worker: subprocess.Popen[bytes]) -> None:
        """SIGKILL: no chance to finish or hand back the job it holds."""
        worker.send_signal(signal.SIGKILL)
        worker.wait(timeout=10)
        self.workers.remove(worker)

    def stop(self) -> None:
        for process in [*self.web, *self.workers]:
            if process.poll() is None:
                process.terminate()
        for process in [*self.web, *self.workers]:
            try:
                process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                process.kill()
        if self.env.get("REFERRALDESK_REDIS_URL"):
            _drop_queue(self.env["REFERRALDESK_REDIS_URL"], self.env["REFERRALDESK_QUEUE_NAME"])
        if self._pg_name is not None:
            _drop_database(self._pg_name)
        # The processes' logs, the SQLite files and the development key go with it.
        shutil.rmtree(self.workdir, ignore_errors=True)

    def spawn(self, role: str, command: list[str]) -> subprocess.Popen[bytes]:
        """Start `command` with this layout's settings, its output in a log in the workdir."""
        log_path = self.workdir / f"{role}-{uuid.uuid4().hex[:6]}.log"
        with log_path.open("wb") as log:
            return subprocess.Popen(command, env=self.env, stdout=log, stderr=subprocess.STDOUT)


def start(
    name: str,
    *,
    web: int = 2,
    workers: int = 2,
    now: str | None = None,
    extra_env: dict[str, str] | None = None,
) -> Layout:
    """Create the database, load the demo practice and start the processes of `name`."""
    workdir = Path(tempfile.mkdtemp(prefix=f"rd-{name}-"))
    port_of_public = free_port()
    # Each layout is its own deployment: its session secret (which also salts the rate
    # limits' keys in the shared Redis) comes from its own file, never from the caller's
    # environment, or one run's counts would still hold against the next within the window.
    inherited = {k: v for k, v in os.environ.items() if k != "REFERRALDESK_SESSION_SECRET"}
    env = (
        inherited
        | {
            "REFERRALDESK_LOG_LEVEL": "WARNING",
            "REFERRALDESK_CHAT_STARTS_PER_10_MINUTES": "1000000",
            # The bench is the balancer: each caller has its own forwarded address.
            "REFERRALDESK_TRUSTED_PROXIES": "127.0.0.1",
            "REFERRALDESK_TWILIO_AUTH_TOKEN": TWILIO_TOKEN,
            # Every instance signs and checks webhooks against one public URL, as behind
            # a load balancer; the bench posts to each instance with that URL's signature.
            "REFERRALDESK_PUBLIC_URL": f"http://127.0.0.1:{port_of_public}",
            "REFERRALDESK_QUEUE_PATH": str(workdir / "queue.db"),
            # One development key of each kind for every process of the layout (made by
            # the first), and one audit checkpoint, as on machines sharing storage.
            "REFERRALDESK_ENCRYPTION_KEY_FILE": str(workdir / "encryption.key"),
            "REFERRALDESK_AUDIT_KEY_FILE": str(workdir / "audit.key"),
            "REFERRALDESK_SESSION_SECRET_FILE": str(workdir / "session.secret"),
            "REFERRALDESK_AUDIT_CHECKPOINT_FILE": str(workdir / "audit.checkpoint"),
            "REFERRALDESK_QUEUE_NAME": f"rdload{os.getpid()}x{uuid.uuid4().hex[:6]}",
        }
        | (extra_env or {})
    )
    pg_name = None
    if name == "scale":
        pg_name = f"rd_load_{os.getpid()}_{uuid.uuid4().hex[:6]}"
        database_url = _create_database(pg_name)
        env |= {"REFERRALDESK_REDIS_URL": REDIS_URL}
    else:
        database_url = f"sqlite:///{workdir / 'referraldesk.db'}"
        web, workers = 1, 0
    env["REFERRALDESK_DATABASE_URL"] = database_url
    layout = Layout(
        name,
        database_url,
        env,
        workdir,
        now=now,
        _pg_name=pg_name,
        public_url=env["REFERRALDESK_PUBLIC_URL"],
    )
    try:
        _prepare(env, now)
        for _ in range(web):
            _start_web(layout, in_process_worker=(name != "scale"))
        for _ in range(workers):
            layout.start_worker()
        for base_url, process in zip(layout.base_urls, layout.web, strict=True):
            wait_until_up(base_url, process)
    except BaseException:
        layout.stop()
        raise
    return layout


def _prepare(env: dict[str, str], now: str | None) -> None:
    load = ["practice", "load", "--demo"] + (["--today", now[:10]] if now else [])
    for args in (["db", "upgrade"], load):
        subprocess.run(
            [str(BIN / "referraldesk"), *args], env=env, check=True, stdout=subprocess.DEVNULL
        )


def _start_web(layout: Layout, *, in_process_worker: bool) -> None:
    port = free_port()
    command = [
        str(BIN / "referraldesk"),
        "serve",
        "--port",
        str(port),
        "--worker" if in_process_worker else "--no-worker",
    ]
    command += layout.clock_args()
    layout.web.append(layout.spawn("web", command))
    layout.base_urls.append(f"http://127.0.0.1:{port}")


def wait_until_up(base_url: str, process: subprocess.Popen[bytes], seconds: float = 180) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"the server for {base_url} exited before answering")
        # Not listening yet is the expected answer while the server starts.
        with contextlib.suppress(httpx.TransportError):
            if httpx.get(f"{base_url}/healthz", timeout=1).status_code == 200:
                return
        time.sleep(0.1)
    raise RuntimeError(f"{base_url} did not answer /healthz within {seconds:g} s")


def _create_database(name: str) -> str:
    admin = create_engine(PG_ADMIN_URL, isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.execute(text(f'CREATE DATABASE "{name}"'))
    admin.dispose()
    return PG_ADMIN_URL.rsplit("/", 1)[0] + f"/{name}"


def _drop_database(name: str) -> None:
    admin = create_engine(PG_ADMIN_URL, isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    admin.dispose()


def _drop_queue(redis_url: str, queue_name: str) -> None:
    from redis import Redis

    client = Redis.from_url(redis_url)
    for key in client.scan_iter(f"huey*{queue_name}*"):
        client.delete(key)
    for key in client.scan_iter(f"{queue_name}:*"):
        client.delete(key)
    client.close()
