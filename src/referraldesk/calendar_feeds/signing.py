"""Keys derived from the app's secret, one per use, so a leaked feed token signs nothing else."""

from __future__ import annotations

import hashlib
import hmac

from referraldesk.security.session_secret import get_session_secret


def derived_key(purpose: str) -> bytes:
    secret = get_session_secret().encode("utf-8")
    return hmac.new(secret, f"referraldesk:{purpose}".encode(), hashlib.sha256).digest()


def mac(purpose: str, text: str, length: int = 32) -> str:
    """A hex HMAC-SHA256 of `text` under the purpose's key, cut to `length` characters."""
    return hmac.new(derived_key(purpose), text.encode("utf-8"), hashlib.sha256).hexdigest()[
        :length
    ]
