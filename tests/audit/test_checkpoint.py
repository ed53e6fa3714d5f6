"""The checkpoint of the chain's head catches records cut off the end, and cannot be
forged or moved back without the audit key."""

from __future__ import annotations

import json
import stat
from collections.abc import Callable
from datetime import datetime
from pathlib import Path

import pytest
from sqlalchemy import Engine, text
from sqlalchemy.orm import Session

from referraldesk.audit import checkpoint, trail
from referraldesk.audit.trail import ChainHead
from referraldesk.db.session import session_scope

STAFF = trail.Actor(name="staff:ana@example.org", role="staff")
NOW = "2026-03-10T16:00:00+00:00"


def _write(engine: Engine, count: int) -> None:
    with session_scope(engine) as session:
        for n in range(count):
            trail.record(session, STAFF, "read", "patient", f"p{n}", patient_id=f"p{n}")


def _problems(engine: Engine) -> list[tuple[int, str]]:
    with Session(engine) as session:
        return [(p.seq, p.problem) for p in trail.verify(session, checkpoint.load())]


def _checkpoint_now(engine: Engine) -> checkpoint.Checkpoint:
    with Session(engine) as session:
        report = checkpoint.advance(session)
    assert report.problems == [] and report.head is not None
    saved = checkpoint.load()
    assert saved is not None
    return saved


@pytest.mark.parametrize(("kept", "now_it"), [(3, "ends at record 3"), (0, "is empty")])
def test_it_finds_the_newest_records_removed(
    any_engine: Engine, frozen_now: Callable[[str], datetime], kept: int, now_it: str
) -> None:
    frozen_now(NOW)
    _write(any_engine, 5)
    _checkpoint_now(any_engine)

    with any_engine.begin() as connection:
        connection.execute(text("DELETE FROM audit_events WHERE seq > :kept"), {"kept": kept})

    assert _problems(any_engine) == [(5, (
        "is missing: the checkpoint of 2026-03-10 16:00 UTC saw the trail reach it, and the "
        f"trail now {now_it} (the newest records were removed)"))]


def test_it_finds_a_trail_rolled_back_and_written_again(
    engine: Engine, frozen_now: Callable[[str], datetime]
) -> None:
    frozen_now(NOW)
    _write(engine, 3)
    _checkpoint_now(engine)
    with engine.begin() as connection:
        connection.execute(text("DELETE FROM audit_events WHERE seq > 1"))

    _write(engine, 2)  # the application goes on: records 2 and 3 again, under the key

    assert _problems(engine) == [(3, (
        "is not the record the checkpoint of 2026-03-10 16:00 UTC saw (the trail was rolled "
        "back or rewritten from here on)"))]


def test_a_trail_that_grew_past_the_checkpoint_holds(engine: Engine) -> None:
    _write(engine, 2)
    _checkpoint_now(engine)

    _write(engine, 3)

    assert _problems(engine) == []


def test_advancing_checks_only_the_new_records_and_moves_to_the_newest(engine: Engine) -> None:
    _write(engine, 4)
    first = _checkpoint_now(engine)
    _write(engine, 2)

    with Session(engine) as session:
        report = checkpoint.advance(session)

    saved = checkpoint.load()
    assert first.seq == 4
    assert report.records == 3  # record 4, the checkpoint's own, and the two after it
    assert report.head is not None and report.head.seq == 6
    assert saved is not None and (saved.seq, saved.hash) == (6, report.head.hash)


def test_advancing_stays_put_when_the_end_was_cut(engine: Engine) -> None:
    _write(engine, 4)
    before = _checkpoint_now(engine)
    with engine.begin() as connection:
        connection.execute(text("DELETE FROM audit_events WHERE seq = 4"))
    _write(engine, 1)  # seq 4 again on SQLite, another record

    with Session(engine) as session:
        report = checkpoint.advance(session)

    assert [p.seq for p in report.problems] == [4]
    assert checkpoint.load() == before


def test_it_never_moves_back(audit_files: Path) -> None:
    checkpoint.save(ChainHead(9, "9" * 64))

    kept = checkpoint.save(ChainHead(7, "7" * 64))

    assert (kept.seq, kept.hash) == (9, "9" * 64)
    assert checkpoint.load() == kept


def test_the_file_holds_numbers_and_hashes_only_readable_by_its_owner(
    audit_files: Path, frozen_now: Callable[[str], datetime]
) -> None:
    frozen_now(NOW)

    checkpoint.save(ChainHead(12, "ab" * 32))

    fields = json.loads(audit_files.read_text(encoding="utf-8"))
    assert set(fields) == {"seq", "hash", "written_at", "seal"}
    assert (fields["seq"], fields["hash"], fields["written_at"]) == (
        12, "ab" * 32, "2026-03-10T16:00:00+00:00")
    assert stat.S_IMODE(audit_files.stat().st_mode) == 0o600


def test_a_checkpoint_moved_back_by_hand_fails_its_seal(audit_files: Path) -> None:
    checkpoint.save(ChainHead(12, "ab" * 32))
    fields = json.loads(audit_files.read_text(encoding="utf-8"))
    audit_files.write_text(json.dumps({**fields, "seq": 3}), encoding="utf-8")

    with pytest.raises(checkpoint.CheckpointError) as distrusted:
        checkpoint.load()

    assert str(distrusted.value) == (
        f"the checkpoint file {audit_files} fails its seal: it was edited by hand, or written "
        "under another REFERRALDESK_AUDIT_KEY than this machine's")


def test_a_damaged_checkpoint_is_named(audit_files: Path) -> None:
    audit_files.parent.mkdir(parents=True)
    audit_files.write_text("{", encoding="utf-8")

    with pytest.raises(checkpoint.CheckpointError) as distrusted:
        checkpoint.load()

    assert str(distrusted.value) == (f"the checkpoint file {audit_files} is not a checkpoint "
                                     "(JSONDecodeError); it was damaged or replaced")
