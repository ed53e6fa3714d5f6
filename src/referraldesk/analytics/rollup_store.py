"""Reading and filling the per-day roll-up (models/rollup.py).

Past local days come from the roll-up; a past day not in it (never built, or
invalidated by a change) is computed from the source tables and stored on the way.
Today and later are always computed live: they still change with every call.
"""

from __future__ import annotations

from collections import defaultdict
from datetime import date, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import delete, func, insert, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from referraldesk.analytics.rollup_figures import Figures, figures_by_day
from referraldesk.clock import now
from referraldesk.logging import get_logger
from referraldesk.models.rollup import DailyFigure, RollupDay

log = get_logger(__name__)

# Families the page shows per day (the volume and mood charts); the rest only as range sums.
PER_DAY_FAMILIES = ("conversations", "analysed", "sentiment_sum", "satisfaction_sum")


def local_today(zone: str) -> date:
    return now().astimezone(ZoneInfo(zone)).date()


def range_figures(session: Session, first: date, last: date,
                  zone: str) -> tuple[Figures, dict[date, Figures]]:
    """The range's figures summed over its days, and the per-day families by day."""
    today = local_today(zone)
    totals: Figures = defaultdict(float)
    per_day: dict[date, Figures] = defaultdict(lambda: defaultdict(float))
    past_last = min(last, today - timedelta(days=1))
    if first <= past_last:
        build_missing(session, first, past_last, zone)
        _read_rollup(session, first, past_last, zone, totals, per_day)
    live_first = max(first, today)
    if live_first <= last:
        for day, figures in figures_by_day(session, live_first, last, zone).items():
            for (family, key), value in figures.items():
                totals[(family, key)] += value
                if family in PER_DAY_FAMILIES:
                    per_day[day][(family, key)] += value
    return dict(totals), {day: dict(figures) for day, figures in per_day.items()}


def build_missing(session: Session, first: date, last: date, zone: str) -> int:
    """Compute and store every day of `first`..`last` not in the roll-up; the days built."""
    built = set(session.scalars(
        select(RollupDay.day).where(RollupDay.zone == zone, RollupDay.day >= first,
                                    RollupDay.day <= last)))
    missing = [first + timedelta(days=n) for n in range((last - first).days + 1)
               if first + timedelta(days=n) not in built]
    count = 0
    for run_first, run_last in _runs(missing):
        figures = figures_by_day(session, run_first, run_last, zone)
        days = [run_first + timedelta(days=n) for n in range((run_last - run_first).days + 1)]
        count += _store(session, zone, days, figures)
    if count:
        log.info("rollup_days_built", zone=zone, days=count)
    return count


def rebuild(session: Session, first: date, last: date, zone: str) -> int:
    """Drop and recompute the roll-up of `first`..`last` (past days only)."""
    last = min(last, local_today(zone) - timedelta(days=1))
    if first > last:
        return 0
    session.execute(delete(DailyFigure).where(
        DailyFigure.zone == zone, DailyFigure.day >= first, DailyFigure.day <= last))
    session.execute(delete(RollupDay).where(
        RollupDay.zone == zone, RollupDay.day >= first, RollupDay.day <= last))
    return build_missing(session, first, last, zone)


def _runs(days: list[date]) -> list[tuple[date, date]]:
    """Consecutive days as (first, last) runs: one set of queries per run, not per day."""
    runs: list[tuple[date, date]] = []
    for day in days:
        if runs and runs[-1][1] + timedelta(days=1) == day:
            runs[-1] = (runs[-1][0], day)
        else:
            runs.append((day, day))
    return runs


def _store(session: Session, zone: str, days: list[date], figures: dict[date, Figures]) -> int:
    """Insert the days' figures and markers; 0 when another request stored them first."""
    markers = [{"zone": zone, "day": day, "built_at": now()} for day in days]
    rows = [{"zone": zone, "day": day, "family": family, "key": key, "value": value}
            for day in days for (family, key), value in figures.get(day, {}).items() if value]
    try:
        # A savepoint: a concurrent build of the same days loses only its own insert.
        with session.begin_nested():
            session.execute(insert(RollupDay), markers)
            if rows:
                session.execute(insert(DailyFigure), rows)
    except IntegrityError:
        log.info("rollup_days_built_elsewhere", zone=zone, days=len(days))
        return 0
    return len(days)


def _read_rollup(session: Session, first: date, last: date, zone: str,
                 totals: Figures, per_day: dict[date, Figures]) -> None:
    in_range = (DailyFigure.zone == zone, DailyFigure.day >= first, DailyFigure.day <= last)
    sums = session.execute(
        select(DailyFigure.family, DailyFigure.key, func.sum(DailyFigure.value))
        .where(*in_range).group_by(DailyFigure.family, DailyFigure.key))
    for family, key, value in sums:
        totals[(family, key)] += value
    days = session.execute(
        select(DailyFigure.day, DailyFigure.family, DailyFigure.key, DailyFigure.value)
        .where(*in_range, DailyFigure.family.in_(PER_DAY_FAMILIES)))
    for day, family, key, value in days:
        per_day[day][(family, key)] += value
