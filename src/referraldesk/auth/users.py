"""Dashboard users: argon2-hashed passwords, one role each, deactivated rather than deleted.

A deactivated user keeps their row, so the audit trail's `staff:<email>` still
names somebody; signing in is refused and their sessions end at the next request.
"""

from __future__ import annotations

import re
from functools import lru_cache

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError, VerifyMismatchError
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from referraldesk.clock import now
from referraldesk.errors import Duplicate, InvalidArgument, NotFound, Unauthenticated
from referraldesk.logging import get_logger
from referraldesk.models import User

log = get_logger(__name__)

# The roles a person signs in with; "integration" is for API tokens only.
DASHBOARD_ROLES = ("admin", "staff", "coordinator", "auditor")
MIN_PASSWORD_CHARS = 12
MAX_PASSWORD_CHARS = 256
# Deliberately loose: the address is a login name here, never mailed to.
_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
SIGN_IN_REFUSED = "that email and password do not match an active dashboard user"

# argon2-cffi's defaults (argon2id, RFC 9106's low-memory profile).
_hasher = PasswordHasher()


@lru_cache(maxsize=1)
def _decoy_hash() -> str:
    # Verified when the email is unknown, so a wrong email takes as long as a wrong password.
    return _hasher.hash("referraldesk-decoy-password")


def hash_password(password: str) -> str:
    return _hasher.hash(password)


def password_matches(password_hash: str, password: str) -> bool:
    try:
        return _hasher.verify(password_hash, password)
    except (VerifyMismatchError, VerificationError, InvalidHashError):
        return False


def normalize_email(email: str) -> str:
    return email.strip().lower()


def check_password(password: str, email: str = "") -> None:
    """Raise InvalidArgument naming every rule the password breaks."""
    problems = []
    if len(password) < MIN_PASSWORD_CHARS:
        problems.append(f"it has {len(password)} characters; use at least {MIN_PASSWORD_CHARS}")
    if len(password) > MAX_PASSWORD_CHARS:
        problems.append(f"it is longer than {MAX_PASSWORD_CHARS} characters")
    if email and password.strip().lower() == normalize_email(email):
        problems.append("it is the email address itself")
    if problems:
        raise InvalidArgument("the password is too weak: " + "; ".join(problems), field="password")


def create_user(session: Session, *, email: str, role: str, password: str) -> User:
    """Create an active dashboard user; raises InvalidArgument or Duplicate (same email)."""
    address = normalize_email(email)
    problems: dict[str, str] = {}
    if not _EMAIL.match(address):
        problems["email"] = f"email {email!r} is not an address like name@clinic.org"
    if role not in DASHBOARD_ROLES:
        problems["role"] = f"role {role!r} is not one of {', '.join(DASHBOARD_ROLES)}"
    if problems:
        raise InvalidArgument("; ".join(problems.values()), field=next(iter(problems)))
    check_password(password, address)
    if find_user(session, address) is not None:
        raise Duplicate(f"a dashboard user {address} already exists", field="email")

    user = User(email=address, role=role, password_hash=hash_password(password), active=True)
    session.add(user)
    session.flush()
    log.info("dashboard_user_created", user_id=user.id, role=role)
    return user


def find_user(session: Session, email: str) -> User | None:
    return session.scalar(select(User).where(func.lower(User.email) == normalize_email(email)))


def authenticate_user(session: Session, email: str, password: str) -> User:
    """Return the active user with this email and password; one message for every refusal.

    The message never says whether the email exists. A hash made with older argon2
    parameters is upgraded on the way in.
    """
    user = find_user(session, email) if len(password) <= MAX_PASSWORD_CHARS else None
    if user is None:
        password_matches(_decoy_hash(), password)
        raise Unauthenticated(SIGN_IN_REFUSED)
    if not password_matches(user.password_hash, password) or not user.active:
        raise Unauthenticated(SIGN_IN_REFUSED)

    if _hasher.check_needs_rehash(user.password_hash):
        user.password_hash = hash_password(password)
    user.last_login_at = now()
    return user


def set_password(session: Session, user_id: str, password: str) -> User:
    user = get_user(session, user_id)
    check_password(password, user.email)
    user.password_hash = hash_password(password)
    return user


def deactivate_user(session: Session, email: str) -> User:
    """Refuse this user's sign-ins from now on; their open sessions end at their next request."""
    user = find_user(session, email)
    if user is None:
        raise NotFound(f"no dashboard user {normalize_email(email)}; see `referraldesk user list`",
                       field="email")
    user.active = False
    return user


def get_user(session: Session, user_id: str) -> User:
    user = session.get(User, user_id)
    if user is None:
        raise NotFound(f"no dashboard user with id {user_id!r}", field="user_id")
    return user
