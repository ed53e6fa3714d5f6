"""Numbers: charts of conversations and referrals over a chosen range, and the agent's savings."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Query, Request
from starlette.responses import Response

from referraldesk.admin import charts
from referraldesk.admin.charts import Point
from referraldesk.admin.deps import DbSession, Viewer, require
from referraldesk.admin.filters import words
from referraldesk.admin.queries.common import checked_range
from referraldesk.admin.rendering import render
from referraldesk.analytics.rollup_page import numbers_figures
from referraldesk.audit import trail

router = APIRouter()

Viewing = Annotated[Viewer, Depends(require("numbers"))]
DEFAULT_DAYS = 30


@router.get("/numbers")
def numbers_page(
    request: Request,
    session: DbSession,
    viewer: Viewing,
    date_from: Annotated[date | None, Query(alias="from")] = None,
    date_to: Annotated[date | None, Query(alias="to")] = None,
) -> Response:
    first, last = checked_range(date_from, date_to, default_days=DEFAULT_DAYS, zone=viewer.zone)
    # Past days come from the per-day roll-up, today live: a year reads ~365 rows per
    # figure instead of every conversation and referral of the year.
    figures = numbers_figures(session, first, last, viewer.zone)
    conversations, referrals = figures.conversations, figures.referrals
    savings, days = figures.savings, figures.days_to_schedule
    context = {
        "first": first, "last": last,
        "conversations": conversations, "referrals": referrals, "savings": savings,
        "charts": _charts(conversations, referrals, days,
                          _every_day(first, last, conversations["by_day"])),
    }
    trail.record(session, viewer.actor, "read", "metrics", None, reason=f"numbers {first}..{last}")
    return render(request, "numbers.html", context, viewer=viewer, page="numbers")


def _every_day(first: date, last: date, by_day: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """One entry per day of the range: a day without conversations is a zero, not a gap."""
    known = {day["date"]: day for day in by_day}
    empty = {"conversations": 0, "sentiment": None, "satisfaction": None}
    days = (first + timedelta(days=n) for n in range((last - first).days + 1))
    return [known.get(day.isoformat(), {"date": day.isoformat(), **empty}) for day in days]


def _charts(conversations: dict[str, Any], referrals: dict[str, Any],
            days: list[tuple[str, int]], by_day: list[dict[str, Any]]) -> dict[str, Any]:
    counts = referrals["counts"]
    return {
        "funnel": charts.funnel_chart(
            [Point("Received", counts["received"]), Point("Scheduled", counts["scheduled"]),
             Point("Visit kept", counts["kept"]), Point("Closed", counts["closed"])],
            title="Referral funnel"),
        "leakage": charts.horizontal_bars(
            [Point(words(reason), count) for reason, count in referrals["leakage"].items()],
            title="Referrals lost, by reason"),
        "days_to_schedule": charts.bar_chart(
            [Point(label, count) for label, count in days], title="Days from referral to booking"),
        "volume": charts.bar_chart(
            [Point(day["date"][5:], day["conversations"]) for day in by_day],
            title="Conversations per day"),
        "by_hour": charts.bar_chart(
            [Point(f"{int(hour):02d}", count) for hour, count in conversations["by_hour"].items()],
            title="Conversations by hour of day"),
        "intents": charts.horizontal_bars(
            [Point(words(intent), count) for intent, count in
             sorted(conversations["intents"].items(), key=lambda item: -item[1])],
            title="What callers wanted"),
        "sentiment": charts.line_chart(
            [Point(day["date"][5:], day["sentiment"]) for day in by_day],
            title="Average sentiment per day (-1 to 1)", low=-1, high=1),
        "satisfaction": charts.line_chart(
            [Point(day["date"][5:], day["satisfaction"]) for day in by_day],
            title="Average satisfaction per day (1 to 5)", low=1, high=5),
    }
