"""Conversation aggregates for the dashboard and `GET /api/metrics/conversations`.

Everything is counted by the database (GROUP BY), never by looping over rows in
Python, so a page stays fast at 100,000 conversations. Hours are grouped in UTC
by the database and moved to the practice's zone here: an hour bucket maps to
exactly one local hour, which keeps the SQL the same on SQLite and PostgreSQL.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import ColumnElement, and_, func, select
from sqlalchemy.orm import Session

from referraldesk.models import Appointment, Conversation, ConversationAnalysis, Referral

BOOKED_OUTCOMES = ("booked", "rescheduled")


@dataclass(frozen=True)
class MetricsFilter:
    date_from: date
    date_to: date  # inclusive
    timezone: str = "America/Los_Angeles"
    provider_id: str | None = None
    referring_practice_id: str | None = None

    def bounds(self) -> tuple[datetime, datetime]:
        zone = ZoneInfo(self.timezone)
        start = datetime.combine(self.date_from, time.min, zone).astimezone(UTC)
        end = datetime.combine(self.date_to + timedelta(days=1), time.min, zone).astimezone(UTC)
        return start, end


def conversation_metrics(session: Session, flt: MetricsFilter) -> dict[str, Any]:
    where = _conditions(flt)
    plain = _plain_figures(session, where)
    booked = sum(n for outcome, n in plain["by_outcome"].items() if outcome in BOOKED_OUTCOMES)
    return {
        "range": {"from": flt.date_from.isoformat(), "to": flt.date_to.isoformat(),
                  "timezone": flt.timezone},
        "total": plain["total"],
        "booking_rate": round(booked / plain["total"], 4) if plain["total"] else 0.0,
        "by_channel": plain["by_channel"],
        "by_language": plain["by_language"],
        "by_outcome": plain["by_outcome"],
        **_analysis_figures(session, where),
        **_by_time(session, where, flt),
    }


def _conditions(flt: MetricsFilter) -> list[ColumnElement[bool]]:
    """The filter as WHERE conditions on `conversations` itself.

    Every figure below filters the table directly, never through a subquery of ids
    joined back to it: SQLite cannot index such a join and scans it once per row.
    """
    start, end = flt.bounds()
    where = [Conversation.started_at >= start, Conversation.started_at < end]
    if flt.provider_id:
        where.append(Conversation.id.in_(
            select(Appointment.conversation_id).where(Appointment.provider_id == flt.provider_id)
        ))
    if flt.referring_practice_id:
        where.append(Conversation.referral_id.in_(
            select(Referral.id).where(Referral.referring_practice_id == flt.referring_practice_id)
        ))
    return where


def _plain_figures(session: Session, where: list[ColumnElement[bool]]) -> dict[str, Any]:
    """Total, and counts by channel, language and outcome, from one GROUP BY pass."""
    rows = session.execute(
        select(Conversation.channel, Conversation.language, Conversation.outcome, func.count())
        .where(*where)
        .group_by(Conversation.channel, Conversation.language, Conversation.outcome)
    ).all()
    by_channel: Counter[str] = Counter()
    by_language: Counter[str] = Counter()
    by_outcome: Counter[str] = Counter()
    for channel, language, outcome, count in rows:
        by_channel[_key(channel)] += count
        by_language[_key(language)] += count
        by_outcome[_key(outcome)] += count
    return {"total": sum(by_channel.values()), "by_channel": dict(by_channel),
            "by_language": dict(by_language), "by_outcome": dict(by_outcome)}


def _key(value: Any) -> str:
    return str(value) if value is not None else "none"


def _with_current_analysis(query: Any, where: list[ColumnElement[bool]]) -> Any:
    return query.select_from(Conversation).join(
        ConversationAnalysis,
        and_(ConversationAnalysis.conversation_id == Conversation.id,
             ConversationAnalysis.is_current.is_(True)),
    ).where(*where)


def _analysis_figures(session: Session, where: list[ColumnElement[bool]]) -> dict[str, Any]:
    """Intents and escalations from one GROUP BY pass over the current analyses."""
    analysis = ConversationAnalysis
    keys = (analysis.intent, analysis.escalation_flag, analysis.escalation_reason)
    query = _with_current_analysis(select(*keys, func.count()), where).group_by(*keys)
    rows = session.execute(query)
    intents: Counter[str] = Counter()
    # "transferred to staff: <why>" groups by its first part so the chart stays readable.
    reasons: Counter[str] = Counter()
    for intent, escalated, reason, count in rows:
        intents[str(intent)] += count
        if escalated:
            reasons[(reason or "unspecified").split(":")[0]] += count
    return {
        "intents": dict(intents),
        "escalations": {"total": sum(reasons.values()), "by_reason": dict(reasons.most_common())},
    }


def _by_time(
    session: Session, where: list[ColumnElement[bool]], flt: MetricsFilter
) -> dict[str, Any]:
    analysis = ConversationAnalysis
    bucket = _hour_bucket(session)
    rows = session.execute(
        select(
            bucket,
            func.count(),
            func.sum(analysis.sentiment),
            func.sum(analysis.satisfaction),
            # The analysis' conversation_id, not its id: the index then covers the join.
            func.count(analysis.conversation_id),
        )
        .select_from(Conversation)
        .outerjoin(analysis, and_(analysis.conversation_id == Conversation.id,
                                  analysis.is_current.is_(True)))
        .where(*where)
        .group_by(bucket)
    )
    zone = ZoneInfo(flt.timezone)
    by_hour: Counter[int] = Counter()
    per_day: dict[str, list[float]] = defaultdict(lambda: [0, 0.0, 0.0, 0])
    # One row per UTC hour of the range (at most 24 x 366), folded into local hours and days.
    for hour_text, count, sentiment_sum, satisfaction_sum, analysed in rows:
        local = datetime.strptime(hour_text, "%Y-%m-%d %H").replace(tzinfo=UTC).astimezone(zone)
        by_hour[local.hour] += count
        day = per_day[local.date().isoformat()]
        day[0] += count
        day[1] += sentiment_sum or 0.0
        day[2] += satisfaction_sum or 0.0
        day[3] += analysed or 0
    days = [
        {
            "date": key,
            "conversations": int(v[0]),
            "sentiment": round(v[1] / v[3], 3) if v[3] else None,
            "satisfaction": round(v[2] / v[3], 2) if v[3] else None,
        }
        for key, v in sorted(per_day.items())
    ]
    return {"by_hour": {str(h): by_hour.get(h, 0) for h in range(24)}, "by_day": days}


def _hour_bucket(session: Session) -> Any:
    if session.get_bind().dialect.name == "postgresql":
        return func.to_char(func.timezone("UTC", Conversation.started_at), "YYYY-MM-DD HH24")
    # SQLite keeps UTC instants as "YYYY-MM-DD HH:MM:SS.ffffff" text: the hour is a
    # prefix, cheaper to take than to parse with strftime on every row.
    return func.substr(Conversation.started_at, 1, 13)
