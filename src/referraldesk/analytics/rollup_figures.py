"""Per local day, every count and sum the Numbers page needs, read from the source tables.

The same function fills the roll-up for past days and answers today live, so the
two can never disagree. Each day's figures are a flat `{(family, key): value}`:
summing them over days gives the range's figures (analytics/rollup_page.py folds
the sums into the page's shapes). Local days and hours are taken with zoneinfo in
Python from UTC hour buckets and instants, exact across DST changes on SQLite and
PostgreSQL alike.

Medians cannot be summed, so the days from receipt to the first booking and to a
kept visit are kept as histograms of whole days (floored, never below 0): the
page's medians are medians of whole days (see docs/PERFORMANCE.md).
"""

from __future__ import annotations

import json
import math
from collections import defaultdict
from datetime import UTC, date, datetime
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import ColumnElement, and_, case, exists, func, select
from sqlalchemy.orm import Session

from referraldesk.admin.queries.common import day_bounds
from referraldesk.models import (
    Appointment,
    Conversation,
    ConversationAnalysis,
    Patient,
    Referral,
    ReferralTransition,
    StaffTask,
)
from referraldesk.referrals.lifecycle import CLOSED, LEAKING, SCHEDULED, VISIT_KEPT

Figures = dict[tuple[str, str], float]
# What a conversation must end in to count as handled by the agent alone (and no
# staff task left behind): "abandoned" and "refused" helped nobody, "transferred"
# and "emergency" needed people.
HANDLED_OUTCOMES = ("booked", "rescheduled", "cancelled", "answered")
STAGE_FAMILIES = {"received": "funnel_received", SCHEDULED: "funnel_scheduled",
                  VISIT_KEPT: "funnel_kept", CLOSED: "funnel_closed"}
SECONDS_PER_DAY = 86_400


def figures_by_day(session: Session, first: date, last: date, zone: str) -> dict[date, Figures]:
    """Every figure of each local day `first`..`last` in `zone` that has any."""
    days: dict[date, Figures] = defaultdict(lambda: defaultdict(float))
    tz = ZoneInfo(zone)
    start, end = day_bounds(first, last, zone)
    _conversations(session, start, end, tz, days)
    _funnel(session, start, end, tz, days)
    _agent_bookings(session, start, end, tz, days)
    return {day: dict(figures) for day, figures in days.items()}


def whole_days(earlier: datetime, later: datetime) -> int:
    """Whole days between two instants, floored and never below 0 (as referrals.funnel)."""
    return max(math.floor((later - earlier).total_seconds() / SECONDS_PER_DAY), 0)


def group_key(practice_id: str | None, specialty: str, language: str | None,
              leakage_reason: str | None, lost: bool) -> str:
    return json.dumps([practice_id, specialty, language, leakage_reason, int(lost)])


def _hour_bucket(session: Session) -> Any:
    if session.get_bind().dialect.name == "postgresql":
        return func.to_char(func.timezone("UTC", Conversation.started_at), "YYYY-MM-DD HH24")
    # SQLite keeps UTC instants as "YYYY-MM-DD HH:MM:SS" text: the hour is a prefix.
    return func.substr(Conversation.started_at, 1, 13)


def _conversations(session: Session, start: datetime, end: datetime, tz: ZoneInfo,
                   days: dict[date, Any]) -> None:
    """Counts by channel, language, outcome, local hour, intent and escalation, the
    sentiment and satisfaction sums, and the conversations handled without staff."""
    analysis = ConversationAnalysis
    handled = case(
        (and_(Conversation.status == "ended", Conversation.outcome.in_(HANDLED_OUTCOMES),
              ~exists().where(StaffTask.conversation_id == Conversation.id)), 1),
        else_=0)
    keys = (_hour_bucket(session), Conversation.channel, Conversation.language,
            Conversation.outcome, handled, analysis.intent, analysis.escalation_flag,
            analysis.escalation_reason)
    rows = session.execute(
        select(*keys, func.count(), func.sum(analysis.sentiment), func.sum(analysis.satisfaction),
               func.count(analysis.conversation_id))
        .select_from(Conversation)
        .outerjoin(analysis, and_(analysis.conversation_id == Conversation.id,
                                  analysis.is_current.is_(True)))
        .where(Conversation.started_at >= start, Conversation.started_at < end)
        .group_by(*keys)
    )
    local_hours: dict[str, datetime] = {}
    for (hour_text, channel, language, outcome, is_handled, intent, escalated, reason,
         count, sentiment, satisfaction, analysed) in rows:
        local = local_hours.get(hour_text)
        if local is None:
            utc = datetime.strptime(hour_text, "%Y-%m-%d %H").replace(tzinfo=UTC)
            local = local_hours[hour_text] = utc.astimezone(tz)
        into = days[local.date()]
        into[("conversations", "")] += count
        into[("channel", _key(channel))] += count
        into[("language", _key(language))] += count
        into[("outcome", _key(outcome))] += count
        into[("hour", str(local.hour))] += count
        into[("handled", "")] += count if is_handled else 0
        if analysed:
            into[("analysed", "")] += analysed
            into[("sentiment_sum", "")] += sentiment or 0.0
            into[("satisfaction_sum", "")] += satisfaction or 0.0
            into[("intent", str(intent))] += count
            if escalated:
                # Only the part before ":" is shown (and kept): "transferred to staff".
                into[("escalation", (reason or "unspecified").split(":")[0])] += count


def _key(value: Any) -> str:
    return str(value) if value is not None else "none"


def _funnel(session: Session, start: datetime, end: datetime, tz: ZoneInfo,
            days: dict[date, Any]) -> None:
    """The cohort of each received day by practice x specialty x language x ending and
    stage reached, with the whole-day histograms and the timely-access counts."""
    step = ReferralTransition

    def reached(status: str) -> ColumnElement[int]:
        return func.max(case((step.to_status == status, 1), else_=0)).label(status)

    flags = (
        select(step.referral_id.label("referral_id"),
               reached(SCHEDULED), reached(VISIT_KEPT), reached(CLOSED),
               func.min(case((step.to_status == SCHEDULED, step.at))).label("first_scheduled"))
        .join(Referral, Referral.id == step.referral_id)
        .where(Referral.received_at >= start, Referral.received_at < end,
               step.to_status.in_((SCHEDULED, VISIT_KEPT, CLOSED)))
        .group_by(step.referral_id)
        .subquery()
    )
    rows = session.execute(
        select(Referral.received_at, Referral.referring_practice_id, Referral.specialty_key,
               Patient.preferred_language, Referral.leakage_reason,
               Referral.status.in_(LEAKING), flags.c[SCHEDULED], flags.c[VISIT_KEPT],
               flags.c[CLOSED], flags.c.first_scheduled, Referral.target_date,
               Appointment.start_at, Appointment.timezone)
        .join(Patient, Patient.id == Referral.patient_id)
        .outerjoin(flags, flags.c.referral_id == Referral.id)
        .outerjoin(Appointment, Appointment.id == Referral.appointment_id)
        .where(Referral.received_at >= start, Referral.received_at < end)
    )
    for (received_at, practice, specialty, language, leakage, lost, scheduled, kept, closed,
         first_scheduled, target, visit_at, visit_zone) in rows:
        into = days[received_at.astimezone(tz).date()]
        group = group_key(practice, specialty, language, leakage, bool(lost))
        into[("funnel_received", group)] += 1
        into[("funnel_scheduled", group)] += scheduled or 0
        into[("funnel_kept", group)] += kept or 0
        into[("funnel_closed", group)] += closed or 0
        if not scheduled:
            continue
        into[("to_schedule_days", str(whole_days(received_at, first_scheduled)))] += 1
        if visit_at is None:
            continue
        if kept:
            into[("to_visit_days", str(whole_days(received_at, visit_at)))] += 1
        if target is not None:
            into[("timely_judged", "")] += 1
            # The target is a local date: the visit's own zone says which day it falls on.
            within = visit_at.astimezone(ZoneInfo(visit_zone)).date() <= target
            into[("timely_within", "")] += 1 if within else 0


def _agent_bookings(session: Session, start: datetime, end: datetime, tz: ZoneInfo,
                    days: dict[date, Any]) -> None:
    """Bookings the agent made on each local day, and those made after the target date."""
    rows = session.execute(
        select(Referral.target_date, ReferralTransition.at)
        .join(Referral, Referral.id == ReferralTransition.referral_id)
        .where(ReferralTransition.to_status == SCHEDULED,
               ReferralTransition.actor.like("agent:%"),
               ReferralTransition.at >= start, ReferralTransition.at < end)
    )
    for target, at in rows:
        local_day = at.astimezone(tz).date()
        into = days[local_day]
        into[("agent_bookings", "")] += 1
        into[("past_due_booked", "")] += 1 if target is not None and local_day > target else 0
