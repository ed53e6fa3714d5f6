"""Who may do which data-rights action, and the reason every action must carry.

Erasure cannot be undone, so only an administrator may do it; an access export shows
the whole record, so it stays with the people who already see it at the front desk.
"""

from __future__ import annotations

from referraldesk.audit.trail import Actor
from referraldesk.errors import Forbidden, InvalidArgument

ADMIN_AND_STAFF = frozenset({"admin", "staff"})
ALLOWED: dict[str, frozenset[str]] = {
    "list": ADMIN_AND_STAFF,
    "request": ADMIN_AND_STAFF,
    "export": ADMIN_AND_STAFF,
    "opt_out": ADMIN_AND_STAFF,
    "complete": ADMIN_AND_STAFF,
    "erase": frozenset({"admin"}),
    # The retention purge runs as the system job, or by an administrator by hand.
    "purge": frozenset({"admin", "system"}),
}
MIN_REASON = 4
MAX_REASON = 300


def may(role: str, action: str) -> bool:
    return role in ALLOWED[action]


def authorize(actor: Actor, action: str) -> None:
    """Raise Forbidden unless the actor's role may take this data-rights action."""
    if not may(actor.role, action):
        roles = " or ".join(sorted(ALLOWED[action]))
        raise Forbidden(
            f"the {actor.role} role may not {action.replace('_', ' ')} patient data; "
            f"it takes the {roles} role"
        )


def required_reason(reason: str | None) -> str:
    """The reason, trimmed; refuses a missing or one-word-long one."""
    text = (reason or "").strip()
    if len(text) < MIN_REASON:
        raise InvalidArgument(
            "a data-rights action needs a reason (for example the request's reference "
            f"or 'patient asked by phone'), at least {MIN_REASON} characters",
            field="reason",
        )
    if len(text) > MAX_REASON:
        raise InvalidArgument(
            f"the reason is {len(text)} characters; keep it under {MAX_REASON}", field="reason"
        )
    return text
