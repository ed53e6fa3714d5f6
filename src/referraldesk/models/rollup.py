"""The Numbers page's per-day roll-up: counts and sums per local day, never text about people.

`rollup_days` says which (zone, day) pairs are complete; `daily_figures` holds their
figures as (family, key) -> value, e.g. ("channel", "voice") -> 41 or
("funnel_received", '["<practice id>", "cardiology", "es", null, 0]') -> 3. A day
without a `rollup_days` row is computed from the source tables on read and stored
then (analytics/rollup_store.py); any change to a day's records deletes both rows of
that day (analytics/rollup_invalidation.py).
"""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import Date, Float, ForeignKeyConstraint, String
from sqlalchemy.orm import Mapped, mapped_column

from referraldesk.db.base import Base


class RollupDay(Base):
    """One complete local day of figures in one zone."""

    __tablename__ = "rollup_days"

    zone: Mapped[str] = mapped_column(String(64), primary_key=True)
    day: Mapped[date] = mapped_column(Date, primary_key=True)
    built_at: Mapped[datetime] = mapped_column()


class DailyFigure(Base):
    """One count or sum of one local day: conversations, analyses and referral cohorts."""

    __tablename__ = "daily_figures"
    __table_args__ = (
        # Deleting the day's marker deletes its figures with it on PostgreSQL; the
        # invalidation deletes both explicitly, so SQLite needs no foreign key pragma.
        ForeignKeyConstraint(["zone", "day"], ["rollup_days.zone", "rollup_days.day"],
                             ondelete="CASCADE"),
    )

    zone: Mapped[str] = mapped_column(String(64), primary_key=True)
    day: Mapped[date] = mapped_column(Date, primary_key=True)
    family: Mapped[str] = mapped_column(String(32), primary_key=True)
    # Codes and ids only (channel, language, intent, specialty key, practice id, hour, days).
    key: Mapped[str] = mapped_column(String(200), primary_key=True)
    value: Mapped[float] = mapped_column(Float)
