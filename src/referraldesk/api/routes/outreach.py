"""Coordinators' outreach views: the worklist, the nudge list and each referrer's digest."""

from __future__ import annotations

from datetime import date
from typing import Annotated, Any
from zoneinfo import ZoneInfo

from fastapi import APIRouter, Depends, Query
from fastapi.responses import Response
from sqlalchemy import select

from referraldesk.api.deps import DbSession, require_roles
from referraldesk.api.routes.funnel import referral_range
from referraldesk.audit import trail
from referraldesk.audit.trail import Actor
from referraldesk.clock import now
from referraldesk.errors import NotFound
from referraldesk.loop.letters import digest_pdf
from referraldesk.loop.nudges import nudge_list
from referraldesk.models import Practice, ReferringPractice
from referraldesk.outreach.worklist import worklist
from referraldesk.referrals.funnel import funnel

router = APIRouter(prefix="/api/outreach", tags=["outreach"])

Coordinator = Annotated[Actor, Depends(require_roles("coordinator"))]
PDF = "application/pdf"


@router.get("/worklist")
def get_worklist(session: DbSession, actor: Coordinator) -> list[dict[str, Any]]:
    """Referrals not booked yet, most pressing first, with each patient's attempts."""
    items = worklist(session)
    trail.record(
        session, actor, "read", "referral", None, reason=f"outreach worklist ({len(items)})"
    )
    return [item.as_dict() for item in items]


@router.get("/nudges")
def get_nudges(
    session: DbSession, actor: Coordinator, practice_id: str | None = None
) -> list[dict[str, Any]]:
    """Referrals stuck past their target or waiting on information, per referring practice."""
    groups = nudge_list(session, _today(session), practice_id=practice_id)
    trail.record(
        session, actor, "read", "referral", None, reason=f"nudge list ({len(groups)} practices)"
    )
    return [group.as_dict() for group in groups]


@router.get("/nudges/{practice_id}/digest.pdf")
def get_digest(
    practice_id: str,
    session: DbSession,
    actor: Coordinator,
    date_from: Annotated[date | None, Query(alias="from")] = None,
    date_to: Annotated[date | None, Query(alias="to")] = None,
) -> Response:
    """A printable digest for one referring practice: received, booked, kept, and its nudges."""
    practice = session.get(ReferringPractice, practice_id)
    if practice is None:
        raise NotFound(f"no referring practice with id {practice_id!r}", field="practice_id")
    period = referral_range(session, date_from, date_to)
    rows = funnel(session, period)["by_referring_practice"]
    figures: dict[str, Any] = next((row for row in rows if row["key"] == practice.id), {})
    groups = nudge_list(session, _today(session), practice_id=practice.id)
    body = digest_pdf(
        session, practice, figures, groups[0] if groups else None, (period.start, period.end)
    )
    trail.record(
        session, actor, "export", "referral", None, reason=f"digest for referrer {practice.id}"
    )
    return Response(body, media_type=PDF)


def _today(session: DbSession) -> date:
    zone = session.scalar(select(Practice.timezone).limit(1)) or "America/Los_Angeles"
    return now().astimezone(ZoneInfo(zone)).date()
