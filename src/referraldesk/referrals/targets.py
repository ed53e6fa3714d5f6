"""Target dates from urgency: California's timely-access standards for specialist care.

Defaults (28 CCR 1300.67.2.2): an urgent appointment within 96 hours of the
request, or 48 hours when no prior authorization is needed; a routine one within
15 business days. A practice overrides them in its policy, under `timely_access`
(the practice file's shape) or as flat keys: urgent_hours, urgent_no_auth_hours,
routine_business_days.
"""

from __future__ import annotations

from collections.abc import Collection, Mapping
from datetime import date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

URGENT = "urgent"
ROUTINE = "routine"
DEFAULT_URGENT_HOURS = 96
DEFAULT_URGENT_NO_AUTH_HOURS = 48
DEFAULT_ROUTINE_BUSINESS_DAYS = 15


def target_date_for(
    received_at: datetime,
    urgency: str,
    policy: Mapping[str, Any] | None,
    zone: str | ZoneInfo,
    *,
    authorization_required: bool = True,
    closed_days: Collection[date] = (),
) -> date:
    """Return the local date by which the patient should be seen.

    `received_at` is an aware instant; `zone` the practice's IANA zone, in which
    the date is read. Urgent targets count hours (a DST change inside the window
    does not stretch or shrink it: the arithmetic is on the instant). Routine
    targets count business days after the day of receipt, skipping weekends and
    `closed_days` (the practice's holidays and closures).
    """
    tz = zone if isinstance(zone, ZoneInfo) else ZoneInfo(zone)
    if received_at.tzinfo is None:
        raise ValueError(f"received_at {received_at!r} has no zone; pass an aware instant")
    if urgency == URGENT:
        key, default = (
            ("urgent_hours", DEFAULT_URGENT_HOURS)
            if authorization_required
            else ("urgent_no_auth_hours", DEFAULT_URGENT_NO_AUTH_HOURS)
        )
        hours = _setting(policy, key, default)
        return (received_at + timedelta(hours=hours)).astimezone(tz).date()
    if urgency != ROUTINE:
        raise ValueError(f"urgency {urgency!r} is neither {ROUTINE!r} nor {URGENT!r}")
    days = _setting(policy, "routine_business_days", DEFAULT_ROUTINE_BUSINESS_DAYS)
    return add_business_days(received_at.astimezone(tz).date(), days, closed_days)


def add_business_days(start: date, days: int, closed_days: Collection[date] = ()) -> date:
    """Return the `days`-th weekday after `start` that is not in `closed_days`."""
    closed = frozenset(closed_days)
    current, counted = start, 0
    while counted < days:
        current += timedelta(days=1)
        if current.weekday() < 5 and current not in closed:
            counted += 1
    return current


def _setting(policy: Mapping[str, Any] | None, key: str, default: int) -> int:
    if not policy:
        return default
    nested = policy.get("timely_access")
    if isinstance(nested, Mapping) and nested.get(key) is not None:
        return int(nested[key])
    value = policy.get(key)
    return int(value) if value is not None else default
