"""The Numbers page's figures for a range, folded from the per-day roll-up.

Each function returns the same shape as its live counterpart: `conversation_metrics`
(analytics/metrics.py), `funnel` (referrals/funnel.py) and the savings and
days-to-booking chart, so the page and its template do not care where the figures
came from. Two differences, both documented in
docs/PERFORMANCE.md: the medians are medians of whole days, and escalation reasons
with equal counts are ordered by name.
"""

from __future__ import annotations

import json
from collections import Counter
from dataclasses import dataclass
from datetime import date
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from referraldesk.analytics.metrics import BOOKED_OUTCOMES
from referraldesk.analytics.rollup_figures import Figures
from referraldesk.analytics.rollup_store import range_figures
from referraldesk.models import ReferringPractice
from referraldesk.practice.policy import current_policy

STAGES = ("received", "scheduled", "kept", "closed")
# Days from receipt to the first booking, grouped for the chart.
DAY_BUCKETS: tuple[tuple[str, int, int], ...] = (
    ("0", 0, 0), ("1", 1, 1), ("2", 2, 2), ("3", 3, 3), ("4-5", 4, 5), ("6-7", 6, 7),
    ("8-14", 8, 14), ("15-21", 15, 21), ("22-30", 22, 30), ("31+", 31, 10**6),
)


@dataclass(frozen=True)
class NumbersFigures:
    conversations: dict[str, Any]
    referrals: dict[str, Any]
    savings: dict[str, Any]
    days_to_schedule: list[tuple[str, int]]


def numbers_figures(session: Session, first: date, last: date, zone: str) -> NumbersFigures:
    totals, per_day = range_figures(session, first, last, zone)
    return NumbersFigures(
        conversations=_conversations(first, last, zone, totals, per_day),
        referrals=_funnel(session, first, last, zone, totals),
        savings=_savings(session, totals),
        days_to_schedule=_day_buckets(totals),
    )


def _family(totals: Figures, family: str) -> dict[str, int]:
    return {key: int(value) for (name, key), value in totals.items() if name == family and value}


def _conversations(first: date, last: date, zone: str, totals: Figures,
                   per_day: dict[date, Figures]) -> dict[str, Any]:
    total = int(totals.get(("conversations", ""), 0))
    by_outcome = _family(totals, "outcome")
    booked = sum(n for outcome, n in by_outcome.items() if outcome in BOOKED_OUTCOMES)
    reasons = sorted(_family(totals, "escalation").items(), key=lambda item: (-item[1], item[0]))
    hours = _family(totals, "hour")
    return {
        "range": {"from": first.isoformat(), "to": last.isoformat(), "timezone": zone},
        "total": total,
        "booking_rate": round(booked / total, 4) if total else 0.0,
        "by_channel": _family(totals, "channel"),
        "by_language": _family(totals, "language"),
        "by_outcome": by_outcome,
        "intents": _family(totals, "intent"),
        "escalations": {"total": sum(n for _, n in reasons), "by_reason": dict(reasons)},
        "by_hour": {str(h): hours.get(str(h), 0) for h in range(24)},
        "by_day": [_day(day, figures) for day, figures in sorted(per_day.items())
                   if figures.get(("conversations", ""), 0)],
    }


def _day(day: date, figures: Figures) -> dict[str, Any]:
    analysed = figures.get(("analysed", ""), 0)
    sentiment = figures.get(("sentiment_sum", ""), 0.0)
    satisfaction = figures.get(("satisfaction_sum", ""), 0.0)
    return {
        "date": day.isoformat(),
        "conversations": int(figures[("conversations", "")]),
        "sentiment": round(sentiment / analysed, 3) if analysed else None,
        "satisfaction": round(satisfaction / analysed, 2) if analysed else None,
    }


def _funnel(session: Session, first: date, last: date, zone: str,
            totals: Figures) -> dict[str, Any]:
    groups = _groups(session, totals)
    counts = {stage: sum(group[stage] for group in groups) for stage in (*STAGES, "lost")}
    return {
        "from": first.isoformat(), "to": last.isoformat(), "timezone": zone,
        "counts": counts,
        "rates": {"scheduled": _rate(counts["scheduled"], counts["received"]),
                  "kept": _rate(counts["kept"], counts["scheduled"]),
                  "closed": _rate(counts["closed"], counts["kept"])},
        "of_received": {stage: _rate(counts[stage], counts["received"])
                        for stage in ("scheduled", "kept", "closed", "lost")},
        "median_days_to_schedule": histogram_median(_histogram(totals, "to_schedule_days")),
        "median_days_to_visit": histogram_median(_histogram(totals, "to_visit_days")),
        "timely_access": _timely(totals),
        "leakage": _leakage(groups),
        "by_referring_practice": _breakdown(groups, "practice", "practice_name"),
        "by_specialty": _breakdown(groups, "specialty", "specialty"),
        "by_language": _breakdown(groups, "language", "language"),
    }


def _groups(session: Session, totals: Figures) -> list[dict[str, Any]]:
    """The cohort's groups back from their keys; practice names looked up now, so a
    renamed practice shows its new name without invalidating anything."""
    groups: dict[str, dict[str, Any]] = {}
    for (family, key), value in totals.items():
        if family.startswith("funnel_"):
            groups.setdefault(key, dict.fromkeys(STAGES, 0))[family[len("funnel_"):]] = int(value)
    ids = {json.loads(key)[0] for key in groups} - {None}
    names = dict(session.execute(
        select(ReferringPractice.id, ReferringPractice.name).where(ReferringPractice.id.in_(ids))
    ).all()) if ids else {}
    rows = []
    for key, stages in groups.items():
        practice, specialty, language, reason, lost = json.loads(key)
        if not stages["received"]:
            continue
        rows.append({"practice": practice, "practice_name": names.get(practice, "(none)"),
                     "specialty": specialty, "language": language, "leakage_reason": reason,
                     **stages, "lost": stages["received"] if lost else 0})
    return rows


def _breakdown(groups: list[dict[str, Any]], key: str, name: str) -> list[dict[str, Any]]:
    sums: dict[tuple[Any, Any], dict[str, int]] = {}
    for group in groups:
        into = sums.setdefault((group[key], group[name]), dict.fromkeys((*STAGES, "lost"), 0))
        for stage in into:
            into[stage] += group[stage]
    ordered = sorted(sums.items(), key=lambda item: (-item[1]["received"], item[0][1] or ""))
    return [{"key": key_value, "name": name_value, **figures,
             "scheduled_rate": _rate(figures["scheduled"], figures["received"])}
            for (key_value, name_value), figures in ordered]


def _leakage(groups: list[dict[str, Any]]) -> dict[str, int]:
    reasons: Counter[str | None] = Counter()
    for group in groups:
        if group["lost"]:
            reasons[group["leakage_reason"]] += group["lost"]
    ordered = sorted(reasons.items(), key=lambda item: (item[0] is not None, item[0] or ""))
    return {str(reason or "unknown"): count for reason, count in ordered}


def _timely(totals: Figures) -> dict[str, Any]:
    judged = int(totals.get(("timely_judged", ""), 0))
    within = int(totals.get(("timely_within", ""), 0))
    return {"within_target": within, "with_appointment": judged, "share": _rate(within, judged)}


def _histogram(totals: Figures, family: str) -> dict[int, int]:
    return {int(key): count for key, count in _family(totals, family).items()}


def histogram_median(histogram: dict[int, int]) -> float | None:
    """The median of whole-day values given as {days: how many}: the middle value, or the
    mean of the two middle ones, as statistics.median over the expanded values."""
    size = sum(histogram.values())
    if not size:
        return None
    wanted = ((size - 1) // 2, size // 2)  # zero-based positions of the middle value(s)
    found: list[int] = []
    seen = 0
    for days in sorted(histogram):
        seen += histogram[days]
        found.extend(days for position in wanted[len(found):] if position < seen)
        if len(found) == 2:
            break
    return round((found[0] + found[1]) / 2, 1)


def _savings(session: Session, totals: Figures) -> dict[str, Any]:
    handled = int(totals.get(("handled", ""), 0))
    minutes_per_call = current_policy(session).minutes_saved_per_call
    return {"handled": handled, "minutes_per_call": minutes_per_call,
            "minutes_saved": round(handled * minutes_per_call),
            "agent_bookings": int(totals.get(("agent_bookings", ""), 0)),
            "past_due_booked": int(totals.get(("past_due_booked", ""), 0))}


def _day_buckets(totals: Figures) -> list[tuple[str, int]]:
    counts: Counter[str] = Counter()
    for days, count in _histogram(totals, "to_schedule_days").items():
        counts[next(name for name, low, high in DAY_BUCKETS if low <= days <= high)] += count
    return [(name, counts.get(name, 0)) for name, _, _ in DAY_BUCKETS]


def _rate(part: int, whole: int) -> float | None:
    return round(part / whole, 3) if whole else None
