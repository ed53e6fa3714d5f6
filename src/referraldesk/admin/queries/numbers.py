"""The Numbers page: conversation and referral figures for a range, and what the agent saved."""

from __future__ import annotations

from collections import Counter
from datetime import date, datetime
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import Integer, cast, exists, func, select
from sqlalchemy.orm import Session

from referraldesk.admin.queries.common import day_bounds
from referraldesk.models import Conversation, Referral, ReferralTransition, StaffTask
from referraldesk.practice.policy import current_policy
from referraldesk.referrals.lifecycle import SCHEDULED

# What a conversation must end in to count as handled by the agent alone (and no
# staff task left behind): "abandoned" and "refused" helped nobody, "transferred"
# and "emergency" needed people.
HANDLED_OUTCOMES = ("booked", "rescheduled", "cancelled", "answered")
# Days from receipt to the first booking, grouped for the chart.
DAY_BUCKETS: tuple[tuple[str, int, int], ...] = (
    ("0", 0, 0), ("1", 1, 1), ("2", 2, 2), ("3", 3, 3), ("4-5", 4, 5), ("6-7", 6, 7),
    ("8-14", 8, 14), ("15-21", 15, 21), ("22-30", 22, 30), ("31+", 31, 10**6),
)


def days_to_schedule(session: Session, first: date, last: date, zone: str) -> list[tuple[str, int]]:
    """How many referrals received in the range were first booked after how many days.

    The day counts are computed and grouped by the database; only one row per
    distinct number of days comes back.
    """
    start, end = day_bounds(first, last, zone)
    # One GROUP BY over the cohort's bookings (read from the transitions' covering
    # index), not a correlated MIN per referral.
    cohort = (
        select(Referral.received_at.label("received_at"),
               func.min(ReferralTransition.at).label("booked_at"))
        .join(ReferralTransition, ReferralTransition.referral_id == Referral.id)
        .where(Referral.received_at >= start, Referral.received_at < end,
               ReferralTransition.to_status == SCHEDULED)
        .group_by(Referral.id, Referral.received_at)
        .subquery()
    )
    days = _whole_days(session, cohort.c.booked_at, cohort.c.received_at)
    rows = session.execute(select(days, func.count()).group_by(days)).all()
    counts: Counter[str] = Counter()
    for value, count in rows:
        whole = max(int(value or 0), 0)
        label = next(name for name, low, high in DAY_BUCKETS if low <= whole <= high)
        counts[label] += count
    return [(name, counts.get(name, 0)) for name, _, _ in DAY_BUCKETS]


def _whole_days(session: Session, later: Any, earlier: Any) -> Any:
    if session.get_bind().dialect.name == "postgresql":
        return func.floor(func.extract("epoch", later - earlier) / 86400)
    return cast(func.julianday(later) - func.julianday(earlier), Integer)


def agent_savings(session: Session, first: date, last: date, zone: str) -> dict[str, Any]:
    """Conversations the agent handled alone, the staff minutes that saved (practice policy
    minutes per call), and referrals the agent booked after their target date had passed."""
    start, end = day_bounds(first, last, zone)
    no_task = ~exists().where(StaffTask.conversation_id == Conversation.id)
    handled = session.scalar(
        select(func.count()).select_from(Conversation).where(
            Conversation.started_at >= start, Conversation.started_at < end,
            Conversation.status == "ended", Conversation.outcome.in_(HANDLED_OUTCOMES), no_task)
    ) or 0
    minutes_per_call = current_policy(session).minutes_saved_per_call
    bookings = session.execute(
        select(Referral.target_date, ReferralTransition.at)
        .join(Referral, Referral.id == ReferralTransition.referral_id)
        .where(ReferralTransition.to_status == SCHEDULED,
               ReferralTransition.actor.like("agent:%"),
               ReferralTransition.at >= start, ReferralTransition.at < end)
    ).all()
    local = ZoneInfo(zone)
    past_due = sum(1 for target, at in bookings
                   if target is not None and _local_day(at, local) > target)
    return {"handled": handled, "minutes_per_call": minutes_per_call,
            "minutes_saved": round(handled * minutes_per_call),
            "agent_bookings": len(bookings), "past_due_booked": past_due}


def _local_day(at: datetime, zone: ZoneInfo) -> date:
    return at.astimezone(zone).date()
