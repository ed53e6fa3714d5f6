"""The checkpoint: the audit chain's newest record as last verified, kept outside the database.

A chain only shows breaks between records, so cutting the newest records off the end
leaves a shorter chain that still holds. The checkpoint remembers how far the trail
reached (sequence number and hash of its newest record, sealed with an HMAC under
the audit key) and `audit verify` reports a trail that no longer reaches it.

It is written by `referraldesk audit verify` when the whole chain holds, and every
ten minutes by a periodic job (`jobs/audit_tasks.py`) that checks only what was added
since. It only moves forward: a checkpoint may be older than the trail, never newer.

Where it lives: REFERRALDESK_AUDIT_CHECKPOINT_FILE, `var/audit.checkpoint` by default,
which suits one machine. With workers on several machines, point it at storage they
all mount (and the machine where people run `audit verify`); a machine with a local
file of its own still only ever holds a checkpoint that was true when written, so it
still catches cuts, only later ones. Whoever can write both the database and this
file (and read the key) can hide a cut: keep the file where the database's users
cannot write, and copy the head that `audit verify` prints to a place of record.
"""

from __future__ import annotations

import fcntl
import hashlib
import hmac
import json
import os
import secrets
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from sqlalchemy.orm import Session

from referraldesk.audit import trail
from referraldesk.audit.key import audit_key
from referraldesk.audit.trail import ChainHead, ChainReport
from referraldesk.clock import now
from referraldesk.settings import get_settings

_SEAL_PURPOSE = b"referraldesk audit checkpoint v1\x00"


class CheckpointError(RuntimeError):
    """The checkpoint file is unreadable, altered, or sealed with another audit key."""


@dataclass(frozen=True)
class Checkpoint:
    seq: int
    hash: str
    written_at: datetime

    @property
    def when(self) -> str:
        return f"{self.written_at.astimezone(UTC):%Y-%m-%d %H:%M} UTC"


def checkpoint_path() -> Path:
    return Path(get_settings().audit_checkpoint_file)


def load() -> Checkpoint | None:
    """The saved checkpoint, None when there is none yet."""
    path = checkpoint_path()
    try:
        content = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        return None
    return _parse(content, path)


def save(head: ChainHead, *, replace_any: bool = False) -> Checkpoint:
    """Move the checkpoint forward to `head`; an older head leaves a newer checkpoint be.

    `replace_any` writes `head` whatever is there (after a restore from backup, once
    a person has seen what was lost).
    """
    path = checkpoint_path()
    path.parent.mkdir(parents=True, exist_ok=True)
    with _exclusive(path):
        current = load() if not replace_any else None
        if current is not None and current.seq >= head.seq:
            return current
        checkpoint = Checkpoint(head.seq, head.hash, now().astimezone(UTC))
        _write_whole(path, _render(checkpoint))
    return checkpoint


def advance(session: Session) -> ChainReport:
    """Check the records added since the checkpoint and move it to the newest of them.

    The checkpoint stays where it was when anything is wrong: the report says what.
    Raises CheckpointError when the saved checkpoint cannot be trusted.
    """
    saved = load()
    report = trail.check(session, saved, from_checkpoint=True)
    if not report.problems and report.head is not None:
        save(report.head)
    return report


def _seal(seq: int, chain_hash: str, written_at: str) -> str:
    message = _SEAL_PURPOSE + f"{seq}\x00{chain_hash}\x00{written_at}".encode()
    return hmac.new(audit_key(), message, hashlib.sha256).hexdigest()


def _render(checkpoint: Checkpoint) -> str:
    written_at = checkpoint.written_at.isoformat()
    fields = {
        "seq": checkpoint.seq,
        "hash": checkpoint.hash,
        "written_at": written_at,
        "seal": _seal(checkpoint.seq, checkpoint.hash, written_at),
    }
    return json.dumps(fields, indent=1) + "\n"


def _parse(content: str, path: Path) -> Checkpoint:
    try:
        fields = json.loads(content)
        seq, chain_hash, written_at = int(fields["seq"]), str(fields["hash"]), fields["written_at"]
        seal, when = str(fields["seal"]), datetime.fromisoformat(written_at)
    except (ValueError, KeyError, TypeError) as exc:
        raise CheckpointError(
            f"the checkpoint file {path} is not a checkpoint "
            f"({type(exc).__name__}); it was damaged or replaced"
        ) from exc
    if not hmac.compare_digest(seal, _seal(seq, chain_hash, written_at)):
        raise CheckpointError(
            f"the checkpoint file {path} fails its seal: it was edited by hand, or written "
            "under another REFERRALDESK_AUDIT_KEY than this machine's"
        )
    return Checkpoint(seq, chain_hash, when)


@contextmanager
def _exclusive(path: Path) -> Iterator[None]:
    # Two writers (the job and an operator's `audit verify`) each read, compare and
    # write; the lock keeps the slower one from moving the checkpoint back.
    lock = path.with_name(f"{path.name}.lock")
    with open(lock, "a", encoding="ascii") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


def _write_whole(path: Path, content: str) -> None:
    # Written beside the target and renamed over it: a reader never sees half a file.
    draft = path.with_name(f".{path.name}.{os.getpid()}.{secrets.token_hex(4)}")
    descriptor = os.open(draft, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(descriptor, "w", encoding="utf-8") as handle:
        handle.write(content)
        handle.flush()
        os.fsync(handle.fileno())
    os.replace(draft, path)
