"""`referraldesk audit verify`: names every broken record, catches records cut off the end
with the checkpoint, and says plainly what it checked and what it wrote."""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Iterator
from datetime import datetime
from pathlib import Path

import pytest
from sqlalchemy import Engine, select, text, update
from sqlalchemy.orm import Session
from typer.testing import CliRunner, Result

from referraldesk.audit import trail
from referraldesk.cli import app
from referraldesk.db.session import session_scope
from referraldesk.models import AuditEvent
from referraldesk.settings import reset_settings_cache

STAFF = trail.Actor(name="staff:ana@example.org", role="staff")
NOW = "2026-03-10T16:00:00+00:00"


@pytest.fixture
def checkpoint_file(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                    frozen_now: Callable[[str], datetime]) -> Iterator[Path]:
    monkeypatch.setattr("referraldesk.cli.common.configure_logging", lambda *a, **k: None)
    path = tmp_path / "audit.checkpoint"
    monkeypatch.setenv("REFERRALDESK_AUDIT_KEY", "command-test-audit-key-0123456789abcdef")
    monkeypatch.setenv("REFERRALDESK_AUDIT_CHECKPOINT_FILE", str(path))
    reset_settings_cache()
    frozen_now(NOW)
    yield path
    monkeypatch.undo()
    reset_settings_cache()


def _write(engine: Engine, count: int) -> None:
    with session_scope(engine) as session:
        for n in range(1, count + 1):
            trail.record(session, STAFF, "read", "patient", f"p{n}", patient_id=f"p{n}")


def _verify(*options: str) -> Result:
    return CliRunner().invoke(app, ["audit", "verify", *options])


def _hash(engine: Engine, seq: int) -> str:
    with Session(engine) as session:
        return session.scalars(select(AuditEvent.hash).where(AuditEvent.seq == seq)).one()


def test_audit_verify_passes_an_intact_trail_and_names_a_changed_record(
    engine: Engine, checkpoint_file: Path
) -> None:
    _write(engine, 3)

    intact = _verify()
    with engine.begin() as connection:
        connection.execute(update(AuditEvent).where(AuditEvent.seq == 2).values(actor="staff:x"))
    broken = _verify()

    assert intact.exit_code == 0
    assert "3 records" in intact.output
    assert broken.exit_code == 1
    assert broken.stdout == "record 2: its content was changed after it was written\n"
    assert broken.stderr == (
        "error: 1 problem(s) in 3 audit records; the checkpoint stays at record 3\n"
    )


def test_the_first_run_writes_the_checkpoint_and_says_where(
    engine: Engine, checkpoint_file: Path
) -> None:
    _write(engine, 3)

    result = _verify()

    assert result.exit_code == 0
    assert result.stdout == (
        "the audit trail holds: 3 records, each chained to the one before with the audit key\n"
        f"no checkpoint existed: wrote the first one, at record 3 ({checkpoint_file}); if there "
        "was one before, find out who removed it\n"
        f"newest record: 3, hash {_hash(engine, 3)[:16]}  (note it somewhere apart from this "
        "server, to compare with later)\n"
    )
    assert json.loads(checkpoint_file.read_text())["seq"] == 3


def test_a_later_run_compares_with_the_checkpoint_and_moves_it(
    engine: Engine, checkpoint_file: Path
) -> None:
    _write(engine, 2)
    _verify()
    _write(engine, 2)

    result = _verify()

    assert result.exit_code == 0
    assert result.stdout.splitlines()[1:3] == [
        "nothing cut off the end: the trail still reaches record 2, where the checkpoint of "
        "2026-03-10 16:00 UTC saw it end",
        "checkpoint moved to record 4",
    ]


def test_it_catches_the_newest_records_deleted(engine: Engine, checkpoint_file: Path) -> None:
    _write(engine, 5)
    _verify()
    with engine.begin() as connection:
        connection.execute(text("DELETE FROM audit_events WHERE seq > 3"))

    result = _verify()

    assert result.exit_code == 1
    assert result.stdout == (
        "record 5: is missing: the checkpoint of 2026-03-10 16:00 UTC saw the trail reach it, "
        "and the trail now ends at record 3 (the newest records were removed)\n"
    )
    assert result.stderr == (
        "error: 1 problem(s) in 3 audit records; the checkpoint stays at record 5\n"
    )
    assert json.loads(checkpoint_file.read_text())["seq"] == 5


def test_a_reset_after_a_restore_is_audited_and_starts_again(
    engine: Engine, checkpoint_file: Path
) -> None:
    _write(engine, 5)
    _verify()
    with engine.begin() as connection:  # the database restored from an older backup
        connection.execute(text("DELETE FROM audit_events WHERE seq > 3"))

    reset = _verify("--reset-checkpoint")
    after = _verify()

    with Session(engine) as session:
        event = session.scalars(select(AuditEvent).where(AuditEvent.seq == 4)).one()
    assert reset.exit_code == 0
    assert reset.stdout.splitlines()[0] == (
        "the chain holds: 3 records. The checkpoint was record 5 (2026-03-10 16:00 UTC); it "
        "starts again at record 4, the audit record of this reset"
    )
    assert (event.actor, event.action, event.reason) == (
        "staff:cli", "checkpoint_reset",
        "audit checkpoint started again at the trail's end, record 3; it was record 5 "
        "(2026-03-10 16:00 UTC)",
    )
    assert after.exit_code == 0
    assert "the trail still reaches record 4" in after.stdout


def test_a_reset_is_refused_over_a_broken_chain(engine: Engine, checkpoint_file: Path) -> None:
    _write(engine, 3)
    with engine.begin() as connection:
        connection.execute(update(AuditEvent).where(AuditEvent.seq == 1).values(action="x"))

    result = _verify("--reset-checkpoint")

    assert result.exit_code == 1
    assert result.stdout == "record 1: its content was changed after it was written\n"
    assert result.stderr == "error: the checkpoint is only started again over a chain that holds\n"
    assert not checkpoint_file.exists()


def test_a_checkpoint_edited_by_hand_is_reported_and_left(
    engine: Engine, checkpoint_file: Path
) -> None:
    _write(engine, 3)
    _verify()
    edited = {**json.loads(checkpoint_file.read_text()), "seq": 1}
    checkpoint_file.write_text(json.dumps(edited))

    result = _verify()

    assert result.exit_code == 1
    assert result.stdout == (
        f"checkpoint: the checkpoint file {checkpoint_file} fails its seal: it was edited by "
        "hand, or written under another REFERRALDESK_AUDIT_KEY than this machine's\n"
    )
    assert "`audit verify --reset-checkpoint` starts a new one" in result.stderr
    assert json.loads(checkpoint_file.read_text())["seq"] == 1


def test_another_key_is_named_as_the_likely_cause(
    engine: Engine, checkpoint_file: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    _write(engine, 2)
    monkeypatch.setenv("REFERRALDESK_AUDIT_KEY", "not-the-key-the-trail-was-written-with")
    reset_settings_cache()

    result = _verify()

    assert result.exit_code == 1
    assert result.stdout.splitlines()[-1] == (
        "every record fails its hash: most likely this machine's audit key is not the one the "
        "trail was written with (set REFERRALDESK_AUDIT_KEY to the same value on every "
        "instance; without it each machine makes its own in var/audit.key)"
    )


def test_a_short_key_is_one_clear_line(engine: Engine, checkpoint_file: Path,
                                       monkeypatch: pytest.MonkeyPatch) -> None:
    _write(engine, 1)
    monkeypatch.setenv("REFERRALDESK_AUDIT_KEY", "short")
    reset_settings_cache()

    result = _verify()

    assert result.exit_code == 1
    assert result.stdout == ""
    assert result.stderr.startswith("error: REFERRALDESK_AUDIT_KEY is 5 characters long")


def test_the_help_explains_the_key_and_the_checkpoint() -> None:
    result = CliRunner().invoke(app, ["audit", "verify", "--help"], terminal_width=100)

    flat = " ".join(re.sub("[│╭╮╰╯─]", " ", result.output).split())
    assert result.exit_code == 0
    assert "Check every record of the audit trail; exit 1 if any was changed, removed or " \
           "reordered." in flat
    assert "REFERRALDESK_AUDIT_KEY" in flat and "REFERRALDESK_AUDIT_CHECKPOINT_FILE" in flat
    assert "--reset-checkpoint" in flat and "After restoring the database from a backup" in flat


def test_new_key_prints_a_random_key() -> None:
    first = CliRunner().invoke(app, ["audit", "new-key"]).stdout.strip()
    second = CliRunner().invoke(app, ["audit", "new-key"]).stdout.strip()

    assert re.fullmatch(r"[A-Za-z0-9_-]{64}", first)
    assert first != second
