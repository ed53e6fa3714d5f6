"""API tokens: shown once, stored as a hash, scoped to one role, expirable, revocable."""

from __future__ import annotations

import hashlib
import re
import secrets
from datetime import datetime, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from referraldesk.clock import now
from referraldesk.errors import InvalidArgument, Unauthenticated
from referraldesk.models.auth import ROLES, ApiToken

TOKEN_PREFIX = "rd_"
_DURATION = re.compile(r"(\d{1,5})\s*([mhdw])")
_UNIT_SECONDS = {"m": 60, "h": 3600, "d": 86400, "w": 7 * 86400}
# Ten years: a longer-lived credential is a forgotten one.
MAX_LIFETIME = timedelta(days=3650)


def hash_token(secret: str) -> str:
    # Tokens are 256 random bits, so a plain digest is enough: no dictionary to guess from.
    return hashlib.sha256(secret.encode()).hexdigest()


def parse_lifetime(text: str) -> timedelta:
    """Read a lifetime like "90d", "12h", "30m" or "2w"; raises InvalidArgument."""
    match = _DURATION.fullmatch(text.strip().lower())
    if match is None:
        raise InvalidArgument(
            f"expiry {text!r} is not a duration; write a number and a unit: 30m, 12h, 90d, 2w",
            field="expires_in",
        )
    lifetime = timedelta(seconds=int(match.group(1)) * _UNIT_SECONDS[match.group(2)])
    if not timedelta(0) < lifetime <= MAX_LIFETIME:
        raise InvalidArgument(
            f"expiry {text!r} must be more than zero and at most {MAX_LIFETIME.days} days",
            field="expires_in",
        )
    return lifetime


def create_token(
    session: Session, *, name: str, role: str, expires_at: datetime | None = None
) -> tuple[ApiToken, str]:
    """Create a token; return the row and the secret, which is never stored."""
    if role not in ROLES:
        raise InvalidArgument(
            f"role {role!r} is not one of {', '.join(ROLES)}", field="role"
        )
    if not name.strip():
        raise InvalidArgument("a token needs a name saying who uses it", field="name")
    secret = TOKEN_PREFIX + secrets.token_urlsafe(32)
    token = ApiToken(
        name=name.strip(),
        role=role,
        token_hash=hash_token(secret),
        prefix=secret[:10],
        expires_at=expires_at,
    )
    session.add(token)
    session.flush()
    return token, secret


def authenticate(session: Session, secret: str) -> ApiToken:
    token = session.scalar(select(ApiToken).where(ApiToken.token_hash == hash_token(secret)))
    if token is None or token.revoked_at is not None:
        raise Unauthenticated("the bearer token is not known or was revoked")
    current = now()
    if token.expires_at is not None and token.expires_at <= current:
        raise Unauthenticated("the bearer token has expired; create a new one")
    token.last_used_at = current
    return token


def revoke(session: Session, token_id: str) -> ApiToken:
    """Stop a token at once; revoking twice keeps the first revocation's time."""
    token = session.get(ApiToken, token_id)
    if token is None:
        raise InvalidArgument(
            f"no token with id {token_id!r}; `referraldesk token list` shows the ids",
            field="token_id",
        )
    if token.revoked_at is None:
        token.revoked_at = now()
    return token
