"""Dashboard sessions: kept on the server, ended by signing out, idling or deactivation.

The browser holds a random secret in an HttpOnly cookie; the database holds its
hash, the user and the session's CSRF token. Idle time is measured with the
practice clock, so `serve --now` demos and frozen tests behave like the real day.

Before anyone signs in there is no session to hold a CSRF token, so the sign-in
form uses a double-submit pair: a random nonce in a cookie and the same nonce,
signed with the installation's secret (itsdangerous), in the form.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

from itsdangerous import BadSignature, URLSafeSerializer
from sqlalchemy import select, update
from sqlalchemy.orm import Session

from referraldesk.clock import now
from referraldesk.errors import Unauthenticated
from referraldesk.logging import get_logger
from referraldesk.models import User
from referraldesk.models.auth import DashboardSession
from referraldesk.security.session_secret import get_session_secret
from referraldesk.settings import get_settings

log = get_logger(__name__)

# However active, a session ends after a working day and must sign in again.
MAX_SESSION_AGE = timedelta(hours=12)
# last_seen_at is written at most this often: a page view is not a write each time.
TOUCH_EVERY = timedelta(seconds=30)
_LOGIN_SALT = "referraldesk.admin.login-csrf"


class SessionEnded(Unauthenticated):
    """The session is unknown or over; `reason` says why (idle, expired, signed_out ...)."""

    def __init__(self, message: str, reason: str):
        super().__init__(message)
        self.reason = reason


@dataclass(frozen=True)
class SignedIn:
    """Who is behind a request: the user and the session's CSRF token."""

    user_id: str
    email: str
    role: str
    csrf_token: str
    session_hash: str


def idle_timeout() -> timedelta:
    return timedelta(seconds=get_settings().admin_idle_timeout_seconds)


def hash_secret(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()


def start_session(session: Session, user: User, *, source_address: str | None) -> str:
    """Open a session for `user` and return the secret for the cookie (never stored)."""
    secret = secrets.token_urlsafe(32)
    current = now()
    row = DashboardSession(
        token_hash=hash_secret(secret),
        user_id=user.id,
        csrf_token=secrets.token_urlsafe(32),
        created_at=current,
        last_seen_at=current,
        source_address=source_address,
    )
    session.add(row)
    session.flush()
    log.info("dashboard_session_started", user_id=user.id)
    return secret


def resume_session(
    session: Session, secret: str | None, *, idle: timedelta | None = None
) -> SignedIn:
    """Return who holds this cookie secret, or raise SessionEnded saying why not.

    An idle, too old or deactivated session is ended here, in the caller's
    transaction, so it cannot come back.
    """
    if not secret:
        raise SessionEnded("sign in to use the dashboard", "none")
    found = session.execute(
        select(DashboardSession, User)
        .join(User, User.id == DashboardSession.user_id)
        .where(DashboardSession.token_hash == hash_secret(secret))
    ).first()
    if found is None or found[0].ended_at is not None:
        raise SessionEnded("your session has ended; sign in again", "unknown")
    row, user = found
    current = now()
    reason = _end_reason(row, user, current, idle or idle_timeout())
    if reason is not None:
        _end(row, current, reason)
        raise SessionEnded(_ENDED_MESSAGES[reason], reason)

    if current - row.last_seen_at >= TOUCH_EVERY:
        row.last_seen_at = current
    return SignedIn(user.id, user.email, user.role, row.csrf_token, row.token_hash)


_ENDED_MESSAGES = {
    "idle": "you were signed out after a while without activity; sign in again",
    "expired": "your session reached its 12-hour limit; sign in again",
    "deactivated": "this dashboard user is deactivated; ask an administrator",
}


def _end_reason(
    row: DashboardSession, user: User, current: datetime, idle: timedelta
) -> str | None:
    if not user.active:
        return "deactivated"
    if current - row.last_seen_at > idle:
        return "idle"
    if current - row.created_at > MAX_SESSION_AGE:
        return "expired"
    return None


def _end(row: DashboardSession, current: datetime, reason: str) -> None:
    row.ended_at = current
    row.end_reason = reason
    log.info("dashboard_session_ended", user_id=row.user_id, reason=reason)


def end_session(session: Session, secret: str | None) -> None:
    """Sign out: the session cannot be used again, even with a copy of the cookie."""
    if not secret:
        return
    row = session.get(DashboardSession, hash_secret(secret))
    if row is not None and row.ended_at is None:
        _end(row, now(), "signed_out")


def end_sessions_of(session: Session, user_id: str, reason: str = "deactivated") -> int:
    """End every open session of one user (deactivation, a password change)."""
    result = session.execute(
        update(DashboardSession)
        .where(DashboardSession.user_id == user_id, DashboardSession.ended_at.is_(None))
        .values(ended_at=now(), end_reason=reason)
    )
    return int(result.rowcount or 0)  # type: ignore[attr-defined]


def same_token(expected: str, given: str | None) -> bool:
    """Compare CSRF tokens in constant time."""
    return bool(given) and hmac.compare_digest(expected.encode(), str(given).encode())


def _login_serializer() -> URLSafeSerializer:
    return URLSafeSerializer(get_session_secret(), salt=_LOGIN_SALT)


def new_login_nonce() -> str:
    return secrets.token_urlsafe(24)


def login_form_token(nonce: str) -> str:
    """The sign-in form's CSRF field for the nonce in the browser's cookie."""
    return str(_login_serializer().dumps(nonce))


def login_token_matches(nonce: str | None, form_token: str | None) -> bool:
    """True when the form's token is the signed form of the cookie's nonce."""
    if not nonce or not form_token:
        return False
    try:
        signed = _login_serializer().loads(form_token)
    except BadSignature:
        return False
    return isinstance(signed, str) and hmac.compare_digest(signed.encode(), nonce.encode())
