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

from sqlalchemy import Select, and_, case, func, select
from sqlalchemy.orm import Session

from referraldesk.models import Appointment, Conversation, ConversationAnalysis, Referral


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
    base = _filtered(flt)
    total = session.scalar(select(func.count()).select_from(base.subquery())) or 0
    booked = _count_where(session, base, Conversation.outcome.in_(("booked", "rescheduled")))
    return {
        "range": {"from": flt.date_from.isoformat(), "to": flt.date_to.isoformat(),
                  "timezone": flt.timezone},
        "total": total,
        "booking_rate": round(booked / total, 4) if total else 0.0,
        "by_channel": _group(session, base, Conversation.channel),
        "by_language": _group(session, base, Conversation.language),
        "by_outcome": _group(session, base, Conversation.outcome),
        "intents": _group_analysis(session, base, ConversationAnalysis.intent),
        "escalations": _escalations(session, base),
        **_by_time(session, base, flt),
    }


def _filtered(flt: MetricsFilter) -> Select[Any]:
    start, end = flt.bounds()
    query = select(Conversation.id.label("id")).where(
        and_(Conversation.started_at >= start, Conversation.started_at < end)
    )
    if flt.provider_id:
        query = query.where(
            Conversation.id.in_(
                select(Appointment.conversation_id).where(Appointment.provider_id == flt.provider_id)
            )
        )
    if flt.referring_practice_id:
        query = query.where(
            Conversation.referral_id.in_(
                select(Referral.id).where(Referral.referring_practice_id == flt.referring_practice_id)
            )
        )
    return query


def _count_where(session: Session, base: Select[Any], condition: Any) -> int:
    ids = base.subquery()
    query = select(func.count()).select_from(Conversation).join(ids, ids.c.id == Conversation.id)
    return session.scalar(query.where(condition)) or 0


def _group(session: Session, base: Select[Any], column: Any) -> dict[str, int]:
    ids = base.subquery()
    rows = session.execute(
        select(column, func.count())
        .select_from(Conversation)
        .join(ids, ids.c.id == Conversation.id)
        .group_by(column)
    )
    return {str(key) if key is not None else "none": count for key, count in rows}


def _current_analyses(base: Select[Any]) -> Any:
    ids = base.subquery()
    return (
        select(ConversationAnalysis)
        .join(ids, ids.c.id == ConversationAnalysis.conversation_id)
        .where(ConversationAnalysis.is_current.is_(True))
        .subquery()
    )


def _group_analysis(session: Session, base: Select[Any], column: Any) -> dict[str, int]:
    analyses = _current_analyses(base)
    col = analyses.c[column.key]
    rows = session.execute(select(col, func.count()).group_by(col))
    return {str(key): count for key, count in rows}


def _escalations(session: Session, base: Select[Any]) -> dict[str, Any]:
    analyses = _current_analyses(base)
    rows = session.execute(
        select(analyses.c.escalation_reason, func.count())
        .where(analyses.c.escalation_flag.is_(True))
        .group_by(analyses.c.escalation_reason)
    )
    # "transferred to staff: <why>" groups by its first part so the chart stays readable.
    reasons: Counter[str] = Counter()
    for reason, count in rows:
        reasons[(reason or "unspecified").split(":")[0]] += count
    return {"total": sum(reasons.values()), "by_reason": dict(reasons.most_common())}


def _by_time(session: Session, base: Select[Any], flt: MetricsFilter) -> dict[str, Any]:
    analyses = _current_analyses(base)
    ids = base.subquery()
    bucket = _hour_bucket(session)
    rows = session.execute(
        select(
            bucket,
            func.count(),
            func.sum(analyses.c.sentiment),
            func.sum(analyses.c.satisfaction),
            func.sum(case((analyses.c.id.is_not(None), 1), else_=0)),
        )
        .select_from(Conversation)
        .join(ids, ids.c.id == Conversation.id)
        .outerjoin(analyses, analyses.c.conversation_id == Conversation.id)
        .group_by(bucket)
    )
    zone = ZoneInfo(flt.timezone)
    by_hour: Counter[int] = Counter()
    per_day: dict[str, list[float]] = defaultdict(lambda: [0, 0.0, 0.0, 0])
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
    return func.strftime("%Y-%m-%d %H", Conversation.started_at)
