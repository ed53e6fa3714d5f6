"""API tokens: shown once, stored as a hash, scoped to one role, expirable, revocable."""

from __future__ import annotations

import hashlib
import secrets
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from referraldesk.clock import now
from referraldesk.errors import InvalidArgument, Unauthenticated
from referraldesk.models.auth import ROLES, ApiToken

TOKEN_PREFIX = "rd_"


def hash_token(secret: str) -> str:
    # Tokens are 256 random bits, so a plain digest is enough: no dictionary to guess from.
    return hashlib.sha256(secret.encode()).hexdigest()


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
    token = session.get(ApiToken, token_id)
    if token is None:
        raise InvalidArgument(f"no token with id {token_id!r}", field="token_id")
    token.revoked_at = now()
    return token
