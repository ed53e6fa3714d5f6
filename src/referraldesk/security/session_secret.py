"""The secret that signs links and forms: from the settings, or made once on this host.

Everything derived from it (calendar confirmation links, provider feed tokens, the
sign-in form's CSRF token, rate-limit keys) is forgeable by anyone who knows it, so
there is no shared default. With REFERRALDESK_SESSION_SECRET unset, a random one is
written once to REFERRALDESK_SESSION_SECRET_FILE (mode 0600) and read from there
afterwards, as the development encryption key is (`db/crypto.py`).
"""

from __future__ import annotations

import os
import secrets
from functools import lru_cache
from pathlib import Path

from referraldesk.logging import get_logger
from referraldesk.settings import get_settings

log = get_logger(__name__)

# 64 url-safe characters: 384 random bits.
_GENERATED_BYTES = 48


def get_session_secret() -> str:
    """The configured session secret, or this host's generated one."""
    settings = get_settings()
    if settings.session_secret is not None:
        return settings.session_secret.get_secret_value()
    return _host_secret(settings.session_secret_file)


# Cached: rate limits ask on every request, and the file does not change under us.
@lru_cache(maxsize=2)
def _host_secret(path: Path) -> str:
    path = Path(path)
    if path.exists():
        return path.read_text(encoding="ascii").strip()
    path.parent.mkdir(parents=True, exist_ok=True)
    secret = secrets.token_urlsafe(_GENERATED_BYTES)
    # Written whole beside the target, then linked into place: link() fails when the
    # name exists, so of two processes starting together one secret wins, and no
    # process ever reads a half-written file.
    draft = path.with_name(f".{path.name}.{os.getpid()}.{secrets.token_hex(4)}")
    descriptor = os.open(draft, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(descriptor, "w", encoding="ascii") as handle:
        handle.write(secret + "\n")
    try:
        os.link(draft, path)
    except FileExistsError:
        return path.read_text(encoding="ascii").strip()
    finally:
        draft.unlink()
    log.warning("session_secret_generated", path=str(path),
                fix="set REFERRALDESK_SESSION_SECRET in production, the same on every instance")
    return secret
