"""The Numbers page's per-day roll-up says exactly what the live figures say, and forgets
a day as soon as one of its records changes."""

from __future__ import annotations

import random
from datetime import date, timedelta
from typing import Any

import pytest
from bench import bench_dashboard as filler
from sqlalchemy import Engine, delete, func, select, update
from sqlalchemy.orm import Session

from referraldesk.analytics.metrics import MetricsFilter, conversation_metrics
from referraldesk.analytics.rollup_page import histogram_median, numbers_figures
from referraldesk.db.session import session_scope
from referraldesk.models import Conversation, RollupDay
from referraldesk.practice.loader import load_demo
from referraldesk.referrals.funnel import FunnelRange, funnel

ZONE = "America/Los_Angeles"
TODAY = filler.TODAY
# Ranges a coordinator picks: a month, a year (both DST changes of 2025), one that runs
# into today (answered live), and one day just after the spring change.
RANGES = [
    (TODAY - timedelta(days=29), TODAY),
    (TODAY - timedelta(days=364), TODAY),
    (TODAY - timedelta(days=60), TODAY - timedelta(days=1)),
    (date(2026, 3, 9), date(2026, 3, 9)),
]


@pytest.fixture
def filled(any_engine: Engine, frozen_now: Any) -> Engine:
    frozen_now(filler.NOW)
    rng = random.Random(5)
    with session_scope(any_engine) as session:
        load_demo(session, TODAY)
    with session_scope(any_engine) as session:
        patients = filler._patients(session, rng, 120)
        filler._conversations(session, rng, 500, patients)
        filler._referrals(session, rng, 250, patients)
    return any_engine


def _live(session: Session, first: date, last: date) -> tuple[dict[str, Any], dict[str, Any]]:
    return (conversation_metrics(session, MetricsFilter(first, last, ZONE)),
            funnel(session, FunnelRange(first, last, ZONE)))


def _comparable_conversations(figures: dict[str, Any]) -> dict[str, Any]:
    days = [{**day, "sentiment": pytest.approx(day["sentiment"], abs=0.0011)
             if day["sentiment"] is not None else None,
             "satisfaction": pytest.approx(day["satisfaction"], abs=0.011)
             if day["satisfaction"] is not None else None} for day in figures["by_day"]]
    return {**figures, "by_day": days}


@pytest.mark.parametrize(("first", "last"), RANGES)
def test_the_roll_up_matches_the_live_figures(filled: Engine, first: date, last: date) -> None:
    with session_scope(filled) as session:
        conversations, referrals = _live(session, first, last)
    with session_scope(filled) as session:
        built = numbers_figures(session, first, last, ZONE)
    with session_scope(filled) as session:
        read_back = numbers_figures(session, first, last, ZONE)

    assert conversations["total"] > 0 and referrals["counts"]["received"] > 0
    for figures in (built, read_back):
        assert figures.conversations == _comparable_conversations(conversations)
        assert figures.referrals == referrals


def test_a_second_read_builds_nothing(filled: Engine) -> None:
    first, last = RANGES[1]
    with session_scope(filled) as session:
        numbers_figures(session, first, last, ZONE)
        days = session.scalar(select(func.count()).select_from(RollupDay))
    with session_scope(filled) as session:
        numbers_figures(session, first, last, ZONE)
        again = session.scalar(select(func.count()).select_from(RollupDay))

    # Every past day is stored once, with or without figures; today stays live.
    assert days == again == (TODAY - first).days


def test_a_changed_conversation_drops_its_day_and_the_next_read_counts_it(
    filled: Engine,
) -> None:
    first, last = RANGES[0]
    with session_scope(filled) as session:
        before = numbers_figures(session, first, last, ZONE).conversations
        past = session.scalars(
            select(Conversation).where(Conversation.outcome == "answered",
                                       Conversation.started_at < filler.NOW - timedelta(days=3))
            .order_by(Conversation.started_at.desc()).limit(1)).one()
        past.outcome = "emergency"
    with session_scope(filled) as session:
        after = numbers_figures(session, first, last, ZONE).conversations
        live, _ = _live(session, first, last)

    assert after["by_outcome"]["answered"] == before["by_outcome"]["answered"] - 1
    assert after["by_outcome"].get("emergency", 0) == before["by_outcome"].get("emergency", 0) + 1
    assert after == _comparable_conversations(live)


def test_a_rolled_back_change_leaves_the_roll_up_standing(filled: Engine) -> None:
    first, last = RANGES[0]
    with session_scope(filled) as session:
        numbers_figures(session, first, last, ZONE)
        days = session.scalar(select(func.count()).select_from(RollupDay))
    session = Session(filled)
    conversation = session.scalars(select(Conversation).limit(1)).one()
    conversation.outcome = "refused"
    session.flush()
    session.rollback()
    session.close()

    with session_scope(filled) as session:
        assert session.scalar(select(func.count()).select_from(RollupDay)) == days


def test_a_bulk_change_drops_the_whole_roll_up(filled: Engine) -> None:
    # Retention and erasure delete in bulk: nothing counted from a deleted record may stay.
    first, last = RANGES[1]
    with session_scope(filled) as session:
        numbers_figures(session, first, last, ZONE)
    with session_scope(filled) as session:
        session.execute(update(Conversation).where(Conversation.channel == "sms")
                        .values(channel="chat"))
        assert session.scalar(select(func.count()).select_from(RollupDay)) == 0
    with session_scope(filled) as session:
        figures = numbers_figures(session, first, last, ZONE).conversations

    assert "sms" not in figures["by_channel"]


def test_a_deleted_conversation_is_not_counted_afterwards(filled: Engine) -> None:
    first, last = RANGES[0]
    with session_scope(filled) as session:
        before = numbers_figures(session, first, last, ZONE).conversations["total"]
        victim = session.scalars(
            select(Conversation.id).where(Conversation.started_at > filler.NOW - timedelta(days=5),
                                          Conversation.started_at < filler.NOW - timedelta(days=2))
            .limit(1)).one()
        session.execute(delete(Conversation).where(Conversation.id == victim)
                        .execution_options(synchronize_session=False))
    with session_scope(filled) as session:
        after = numbers_figures(session, first, last, ZONE).conversations["total"]

    assert after == before - 1


@pytest.mark.parametrize(
    ("histogram", "expected"),
    [
        ({}, None),
        ({4: 1}, 4.0),
        ({1: 1, 3: 1}, 2.0),
        ({0: 2, 7: 1}, 0.0),
        ({2: 1, 5: 2, 9: 1}, 5.0),
        ({1: 1, 2: 1, 10: 1, 11: 1}, 6.0),
    ],
)
def test_the_median_of_a_histogram_is_the_median_of_its_values(
    histogram: dict[int, int], expected: float | None
) -> None:
    assert histogram_median(histogram) == expected


def test_the_nightly_job_builds_every_missing_past_day_once(filled: Engine) -> None:
    from referraldesk.jobs.rollup_tasks import DAYS_KEPT_WARM, warm_rollup

    first, second = warm_rollup(), warm_rollup()  # on the test's engine (conftest)
    with session_scope(filled) as session:
        days = session.scalars(select(RollupDay.day).order_by(RollupDay.day)).all()

    assert (first, second) == (DAYS_KEPT_WARM, 0)
    assert (days[0], days[-1]) == (TODAY - timedelta(days=DAYS_KEPT_WARM),
                                   TODAY - timedelta(days=1))
