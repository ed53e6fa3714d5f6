"""The audit trail's key, and where its checkpoint is kept: both outside the database.

Each audit record's hash is an HMAC under this key, and so is the checkpoint of the
chain's newest record (`audit/checkpoint.py`). Someone who can write to the database
but cannot read the key can neither re-compute the hashes after an edit nor forge a
checkpoint that hides records cut off the end.

The key is REFERRALDESK_AUDIT_KEY; unset, a random one is written once to
REFERRALDESK_AUDIT_KEY_FILE (mode 0600) and read from there afterwards, as the
session secret is (`security/session_secret.py`). Every instance and worker must use
the same key, so production sets it. It is never rotated: records keep the hash they
were written with, and under another key `audit verify` reports every one as changed.
Back it up with the encryption key, apart from the database backups.
"""

from __future__ import annotations

import os
import secrets
from functools import lru_cache
from pathlib import Path

from referraldesk.logging import get_logger
from referraldesk.settings import get_settings

log = get_logger(__name__)

MIN_KEY_CHARS = 32
# 64 url-safe characters: 384 random bits.
_GENERATED_BYTES = 48
NEW_KEY_COMMAND = "referraldesk audit new-key"


class AuditKeyError(RuntimeError):
    """The configured audit key is unusable."""


def audit_key() -> bytes:
    """The key that makes record hashes and the checkpoint's seal."""
    settings = get_settings()
    if settings.audit_key is not None:
        return _checked(settings.audit_key.get_secret_value())
    return _host_key(settings.audit_key_file)


def new_key() -> str:
    return secrets.token_urlsafe(_GENERATED_BYTES)


def _checked(text: str) -> bytes:
    text = text.strip()
    if len(text) < MIN_KEY_CHARS:
        raise AuditKeyError(
            f"REFERRALDESK_AUDIT_KEY is {len(text)} characters long; it needs at least "
            f"{MIN_KEY_CHARS} random characters: make one with `{NEW_KEY_COMMAND}` "
            "(only before the first audit record is written: the key is never changed)"
        )
    return text.encode("utf-8")


# Cached: every audit record asks, and the file does not change under us.
@lru_cache(maxsize=2)
def _host_key(path: Path) -> bytes:
    path = Path(path)
    if path.exists():
        return _checked(path.read_text(encoding="ascii"))
    path.parent.mkdir(parents=True, exist_ok=True)
    # Written whole beside the target, then linked into place: link() fails when the
    # name exists, so of two processes starting together one key wins, and no process
    # ever reads a half-written file.
    draft = path.with_name(f".{path.name}.{os.getpid()}.{secrets.token_hex(4)}")
    descriptor = os.open(draft, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(descriptor, "w", encoding="ascii") as handle:
        handle.write(new_key() + "\n")
    try:
        os.link(draft, path)
        log.warning(
            "audit_key_generated",
            path=str(path),
            fix="set REFERRALDESK_AUDIT_KEY in production, the same on every instance",
        )
    except FileExistsError:
        pass  # another process made it first: use theirs
    finally:
        draft.unlink()
    return _checked(path.read_text(encoding="ascii"))
