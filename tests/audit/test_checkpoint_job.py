"""The periodic job keeps the checkpoint close behind the trail, and holds it where it was
when the trail is broken."""

from __future__ import annotations

import os
import subprocess
import sys
from datetime import datetime
from pathlib import Path

from sqlalchemy import Engine, text, update
from structlog.testing import capture_logs

from referraldesk.audit import checkpoint, trail
from referraldesk.db.session import session_scope
from referraldesk.jobs import huey
from referraldesk.jobs.audit_tasks import audit_checkpoint
from referraldesk.models import AuditEvent

STAFF = trail.Actor(name="staff:ana@example.org", role="staff")


def _write(engine: Engine, count: int) -> None:
    with session_scope(engine) as session:
        for n in range(count):
            trail.record(session, STAFF, "read", "patient", f"p{n}", patient_id=f"p{n}")


def test_a_worker_process_registers_it(tmp_path: Path) -> None:
    # A new process, as `referraldesk worker` is: only the package import registers it.
    script = ("from datetime import datetime; from referraldesk.jobs import huey; "
              "print(sorted(t.name for t in huey.read_periodic(datetime(2026, 3, 10, 16, 20))))")
    env = {**os.environ, "REFERRALDESK_QUEUE_PATH": str(tmp_path / "queue.db")}
    env.pop("REFERRALDESK_REDIS_URL", None)

    done = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True,
                          env=env, check=True)

    assert "'audit_checkpoint'" in done.stdout


def test_it_is_a_periodic_task_due_every_ten_minutes() -> None:
    due_at_20 = {task.name for task in huey.read_periodic(datetime(2026, 3, 10, 16, 20))}
    due_at_25 = {task.name for task in huey.read_periodic(datetime(2026, 3, 10, 16, 25))}

    assert "audit_checkpoint" in due_at_20
    assert "audit_checkpoint" not in due_at_25


def test_it_moves_the_checkpoint_to_the_newest_record(engine: Engine) -> None:
    _write(engine, 3)

    with capture_logs() as logs:
        audit_checkpoint()

    saved = checkpoint.load()
    assert saved is not None and saved.seq == 3
    assert [(e["event"], e["seq"], e["records_checked"]) for e in logs] == [
        ("audit_checkpoint_advanced", 3, 3)
    ]


def test_it_leaves_the_checkpoint_when_the_end_was_cut(engine: Engine) -> None:
    _write(engine, 3)
    audit_checkpoint()
    with engine.begin() as connection:
        connection.execute(text("DELETE FROM audit_events WHERE seq = 3"))

    with capture_logs() as logs:
        audit_checkpoint()

    saved = checkpoint.load()
    assert saved is not None and saved.seq == 3
    assert [(e["event"], e["problems"], e["first_seq"], e["log_level"]) for e in logs] == [
        ("audit_trail_broken", 1, 3, "error")
    ]


def test_it_writes_no_checkpoint_over_a_changed_record(engine: Engine) -> None:
    _write(engine, 2)
    with engine.begin() as connection:
        connection.execute(update(AuditEvent).where(AuditEvent.seq == 1).values(actor="x"))

    with capture_logs() as logs:
        audit_checkpoint()

    assert checkpoint.load() is None
    assert [(e["event"], e["first_seq"]) for e in logs] == [("audit_trail_broken", 1)]


def test_it_leaves_a_distrusted_checkpoint_for_a_person(engine: Engine, audit_files: Path) -> None:
    _write(engine, 2)
    audit_files.parent.mkdir(parents=True)
    audit_files.write_text('{"seq": 1, "hash": "0", "written_at": "2026-03-10", "seal": "0"}',
                           encoding="utf-8")

    with capture_logs() as logs:
        audit_checkpoint()

    assert audit_files.read_text(encoding="utf-8").startswith('{"seq": 1,')
    assert [(e["event"], e["log_level"]) for e in logs] == [
        ("audit_checkpoint_distrusted", "error")
    ]
