"""`GET /api/metrics/conversations`: volume, intents, sentiment, escalations, booking rate."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Query

from referraldesk.analytics.metrics import MetricsFilter, conversation_metrics
from referraldesk.api.deps import DbSession, require_roles
from referraldesk.audit.trail import Actor
from referraldesk.clock import now
from referraldesk.errors import InvalidArgument
from referraldesk.models import Practice

router = APIRouter(tags=["metrics"])

MAX_RANGE_DAYS = 366


@router.get("/api/metrics/conversations")
def get_conversation_metrics(
    session: DbSession,
    _actor: Annotated[Actor, Depends(require_roles("coordinator", "staff", "auditor"))],
    date_from: Annotated[date | None, Query(alias="from", description="first local day")] = None,
    date_to: Annotated[date | None, Query(alias="to", description="last local day, inclusive")] = None,
    provider_id: str | None = None,
    referring_practice_id: str | None = None,
) -> dict[str, Any]:
    """Aggregates over conversations that started in [from, to] in the practice's zone.

    Defaults to the last 30 days.
    """
    practice = session.query(Practice).first()
    zone = practice.timezone if practice else "America/Los_Angeles"
    today = now().date()
    end = date_to or today
    start = date_from or end - timedelta(days=29)
    if start > end:
        raise InvalidArgument(f"from {start} is after to {end}; swap them", field="from")
    if (end - start).days > MAX_RANGE_DAYS:
        raise InvalidArgument(
            f"the range {start}..{end} is longer than {MAX_RANGE_DAYS} days; ask for less",
            field="to",
        )
    flt = MetricsFilter(start, end, zone, provider_id, referring_practice_id)
    return conversation_metrics(session, flt)
