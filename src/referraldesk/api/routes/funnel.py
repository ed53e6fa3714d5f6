"""`GET /api/metrics/referrals`: the referral funnel and turnaround figures."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Annotated, Any
from zoneinfo import ZoneInfo

from fastapi import APIRouter, Depends, Query
from sqlalchemy import select
from sqlalchemy.orm import Session

from referraldesk.api import access
from referraldesk.api.deps import DbSession, require_roles
from referraldesk.audit import trail
from referraldesk.audit.trail import Actor
from referraldesk.clock import now
from referraldesk.models import Practice
from referraldesk.referrals.funnel import FunnelRange, funnel

router = APIRouter(tags=["metrics"])

DEFAULT_ZONE = "America/Los_Angeles"
DEFAULT_DAYS = 30

# Counts, rates and medians, no patient named: aggregates, as the Numbers page shows them.
Reader = Annotated[Actor, Depends(require_roles(*access.AGGREGATES))]


@router.get("/api/metrics/referrals")
def get_referral_metrics(
    session: DbSession,
    actor: Reader,
    date_from: Annotated[date | None, Query(alias="from", description="first local day")] = None,
    date_to: Annotated[
        date | None, Query(alias="to", description="last local day, inclusive")
    ] = None,
) -> dict[str, Any]:
    """Received -> scheduled -> kept -> closed for referrals received in [from, to]
    (local days in the practice's zone); defaults to the last 30 days."""
    period = referral_range(session, date_from, date_to)
    figures = funnel(session, period)
    trail.record(
        session,
        actor,
        "read",
        "referral_metrics",
        None,
        reason=f"funnel {period.start}..{period.end}",
    )
    return figures


def referral_range(session: Session, date_from: date | None, date_to: date | None) -> FunnelRange:
    """The range asked for, defaulting to the last 30 local days; refuses a backwards one."""
    zone = session.scalar(select(Practice.timezone).limit(1)) or DEFAULT_ZONE
    today = now().astimezone(ZoneInfo(zone)).date()
    end = date_to or today
    start = date_from or end - timedelta(days=DEFAULT_DAYS - 1)
    return FunnelRange(start, end, zone)
