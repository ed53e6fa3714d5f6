"""The practice's booking rules, read from `Practice.policy["booking"]`.

The practice config (practice/schema.py, BookingPolicy) writes them:
`min_notice_minutes`, how close to its start a slot may still be booked, and
`horizon_days`, how far ahead slots are offered.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy.orm import Session

from referraldesk.clock import now
from referraldesk.errors import InvalidArgument
from referraldesk.scheduling import statements

DEFAULT_MIN_NOTICE_MINUTES = 60
DEFAULT_HORIZON_DAYS = 90


@dataclass(frozen=True)
class BookingRules:
    min_notice: timedelta
    horizon: timedelta

    def earliest(self) -> datetime:
        """Return the first instant a new booking may start."""
        return now() + self.min_notice

    def latest(self) -> datetime:
        """Return the instant after which nothing is offered or booked."""
        return now() + self.horizon


def booking_rules(session: Session) -> BookingRules:
    """Return the practice's booking rules; defaults when no practice is configured."""
    policy = session.connection().execute(statements.POLICY).scalar() or {}
    booking = policy.get("booking") or {}
    notice = _whole_number(booking, "min_notice_minutes", DEFAULT_MIN_NOTICE_MINUTES, low=0)
    horizon = _whole_number(booking, "horizon_days", DEFAULT_HORIZON_DAYS, low=1)
    return BookingRules(timedelta(minutes=notice), timedelta(days=horizon))


def _whole_number(booking: dict[str, Any], key: str, default: int, *, low: int) -> int:
    value = booking.get(key, default)
    if isinstance(value, bool) or not isinstance(value, int) or value < low:
        raise InvalidArgument(
            f"practice policy booking.{key}={value!r} must be a whole number >= {low} "
            f"(default {default}); fix it in the practice config",
            field=f"policy.booking.{key}",
        )
    return value
