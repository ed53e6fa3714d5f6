"""How a conversation's outcome is kept as turns report theirs, and decided at the end.

The brain may report an outcome on any turn. The last one wins, with two exceptions
that keep what matters for the funnel and for safety:

- `emergency` is never replaced: a caller who was sent to 911 stays an emergency
  whatever was said after.
- a completed action (`booked`, `rescheduled`, `cancelled`) is not replaced by a softer
  one (`answered`, `transferred`, `refused`, `abandoned`): a caller who books and
  then asks for a person about a bill still booked. Another completed action does
  replace it (booked, then moved: rescheduled).
"""

from __future__ import annotations

_RANK = {
    "emergency": 3,
    "booked": 2,
    "rescheduled": 2,
    "cancelled": 2,
    "transferred": 1,
    "answered": 1,
    "refused": 1,
    "abandoned": 0,
}

# The agent had finished what it was asked when the caller left.
_SETTLED_AWAITING = frozenset({"none", "anything_else"})


def merge_outcome(current: str | None, reported: str | None) -> str | None:
    """The outcome to keep when a turn reports `reported` over `current`."""
    if reported is None:
        return current
    if current is None or _RANK[reported] >= _RANK[current]:
        return reported
    return current


def outcome_at_end(current: str | None, *, caller_spoke: bool, last_awaiting: str | None) -> str:
    """The outcome of a conversation that ends, when no turn reported a stronger one.

    Without a reported outcome, a conversation in which the caller said something and
    the agent was no longer waiting for an answer (it had answered and asked "anything
    else?") counts as `answered`; one left mid-question, or before saying anything,
    counts as `abandoned`.
    """
    if current is not None:
        return current
    if caller_spoke and (last_awaiting or "none") in _SETTLED_AWAITING:
        return "answered"
    return "abandoned"
