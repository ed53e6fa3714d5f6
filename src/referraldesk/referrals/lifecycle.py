"""The referral lifecycle: states, the legal moves between them, and their FHIR names.

The table follows DESIGN.md "Referral lifecycle". One reading made explicit: DESIGN
writes scheduled -> no_show "(back to contacting)". `no_show` is a state of its own
(the funnel counts no-shows, HL7 partners get SIU^S26 for it) whose only way on is
back to `contacting` (outreach to rebook) or `cancelled`; outreach that fails after
repeated no-shows ends as `declined` or `unreachable` with leakage reason
`no_show_repeated`.

"Any open state -> cancelled" is taken literally: every state that is not terminal,
`visit_kept` included (the referring practice may withdraw before the consult note
closes the loop).
"""

from __future__ import annotations

from typing import Any

from referraldesk.errors import IllegalTransition, InvalidArgument

RECEIVED = "received"
NEEDS_INFO = "needs_info"
ACCEPTED = "accepted"
CONTACTING = "contacting"
SCHEDULED = "scheduled"
NO_SHOW = "no_show"
VISIT_KEPT = "visit_kept"
CLOSED = "closed"
REJECTED = "rejected"
DECLINED = "declined"
UNREACHABLE = "unreachable"
EXPIRED = "expired"
CANCELLED = "cancelled"

STATES: tuple[str, ...] = (
    RECEIVED,
    NEEDS_INFO,
    ACCEPTED,
    CONTACTING,
    SCHEDULED,
    NO_SHOW,
    VISIT_KEPT,
    CLOSED,
    REJECTED,
    DECLINED,
    UNREACHABLE,
    EXPIRED,
    CANCELLED,
)
TERMINAL: frozenset[str] = frozenset({CLOSED, REJECTED, DECLINED, UNREACHABLE, EXPIRED, CANCELLED})
OPEN: frozenset[str] = frozenset(STATES) - TERMINAL
# The states the funnel counts as lost; each must say why (a leakage reason).
LEAKING: frozenset[str] = frozenset({REJECTED, DECLINED, UNREACHABLE, EXPIRED})

_MOVES: dict[str, tuple[str, ...]] = {
    RECEIVED: (ACCEPTED, NEEDS_INFO, REJECTED),
    NEEDS_INFO: (ACCEPTED, REJECTED),
    ACCEPTED: (CONTACTING, SCHEDULED),
    CONTACTING: (SCHEDULED, DECLINED, UNREACHABLE, EXPIRED),
    SCHEDULED: (VISIT_KEPT, NO_SHOW, CONTACTING),
    NO_SHOW: (CONTACTING,),
    VISIT_KEPT: (CLOSED,),
}
TRANSITIONS: dict[str, frozenset[str]] = {
    state: frozenset(_MOVES.get(state, ())) | ({CANCELLED} if state in OPEN else frozenset())
    for state in STATES
}

LEAKAGE_REASONS: tuple[str, ...] = (
    "patient_declined",
    "unreachable",
    "no_show_repeated",
    "out_of_network",
    "no_capacity",
    "authorization_expired",
    "window_expired",
    "clinical_rejection",
    "duplicate",
    "other",
)

# FHIR R4 Task.status for each of our states; our own state travels in
# Task.businessStatus. needs_info stays "received": the Task is with us, waiting on
# the referrer, and DESIGN keeps to the statuses listed here.
FHIR_TASK_STATUS: dict[str, str] = {
    RECEIVED: "received",
    NEEDS_INFO: "received",
    ACCEPTED: "accepted",
    CONTACTING: "in-progress",
    SCHEDULED: "in-progress",
    NO_SHOW: "in-progress",
    VISIT_KEPT: "in-progress",
    CLOSED: "completed",
    REJECTED: "rejected",
    DECLINED: "failed",
    UNREACHABLE: "failed",
    EXPIRED: "failed",
    CANCELLED: "cancelled",
}
BUSINESS_STATUS_SYSTEM = "https://referraldesk.org/fhir/CodeSystem/referral-status"

_LABELS: dict[str, str] = {
    RECEIVED: "Received",
    NEEDS_INFO: "Needs information",
    ACCEPTED: "Accepted",
    CONTACTING: "Contacting patient",
    SCHEDULED: "Scheduled",
    NO_SHOW: "No-show",
    VISIT_KEPT: "Visit kept",
    CLOSED: "Closed (consult note sent)",
    REJECTED: "Rejected",
    DECLINED: "Declined by patient",
    UNREACHABLE: "Patient unreachable",
    EXPIRED: "Expired",
    CANCELLED: "Cancelled by referrer",
}


def check_state(state: str) -> None:
    """Raise InvalidArgument unless `state` is one of STATES."""
    if state not in TRANSITIONS:
        raise InvalidArgument(
            f"{state!r} is not a referral status; use one of {', '.join(STATES)}", field="status"
        )


def check_transition(frm: str, to: str) -> None:
    """Raise IllegalTransition unless a referral may move from `frm` to `to`."""
    check_state(frm)
    check_state(to)
    if to in TRANSITIONS[frm]:
        return
    legal = ", ".join(sorted(TRANSITIONS[frm])) or "none: it is final"
    advice = " (reopen it as a new referral linked to this one)" if frm in TERMINAL else ""
    raise IllegalTransition(
        f"a referral cannot move from {frm} to {to}; from {frm} it may move to: {legal}{advice}",
        field="status",
    )


def check_leakage(to: str, leakage_reason: str | None) -> None:
    """Raise InvalidArgument when a move's leakage reason is missing, unknown or misplaced."""
    if to in LEAKING and leakage_reason is None:
        raise InvalidArgument(
            f"moving a referral to {to} needs a leakage_reason, one of "
            f"{', '.join(LEAKAGE_REASONS)}",
            field="leakage_reason",
        )
    if leakage_reason is not None and leakage_reason not in LEAKAGE_REASONS:
        raise InvalidArgument(
            f"leakage_reason {leakage_reason!r} is not one of {', '.join(LEAKAGE_REASONS)}",
            field="leakage_reason",
        )
    if leakage_reason is not None and to not in LEAKING:
        raise InvalidArgument(
            f"a referral moving to {to} is not lost, so it takes no leakage_reason "
            f"(only {', '.join(sorted(LEAKING))} do); leave it out",
            field="leakage_reason",
        )


def fhir_task_status(state: str) -> str:
    """Return the FHIR R4 Task.status for one of our states."""
    check_state(state)
    return FHIR_TASK_STATUS[state]


def fhir_business_status(state: str) -> dict[str, Any]:
    """Return Task.businessStatus (a CodeableConcept) carrying our own state."""
    check_state(state)
    return {
        "coding": [{"system": BUSINESS_STATUS_SYSTEM, "code": state, "display": _LABELS[state]}],
        "text": _LABELS[state],
    }


def label(state: str) -> str:
    """Return the English label staff see for a state."""
    check_state(state)
    return _LABELS[state]
