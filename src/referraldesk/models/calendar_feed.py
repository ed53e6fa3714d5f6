"""Calendar feeds and the scheduling feed: secrets of provider feeds, SIU messages out."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, Index, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from referraldesk.clock import now
from referraldesk.db.base import Base, IdMixin
from referraldesk.db.encrypted import EncryptedString


class CalendarFeed(Base):
    """One provider's iCalendar feed; rotating bumps `generation`, killing the old URL.

    The token itself is derived from the app's secret and the generation (so the URL
    can be shown again); only its SHA-256 is stored, for the lookup.
    """

    __tablename__ = "calendar_feeds"

    provider_id: Mapped[str] = mapped_column(
        ForeignKey("providers.id", ondelete="CASCADE"), primary_key=True
    )
    generation: Mapped[int] = mapped_column(Integer, default=1)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    created_at: Mapped[datetime] = mapped_column(default=now)
    rotated_at: Mapped[datetime | None] = mapped_column()


class ScheduleFeedMessage(IdMixin, Base):
    """An SIU message to the practice-management system, kept until it is acknowledged."""

    __tablename__ = "schedule_feed_messages"
    __table_args__ = (Index("ix_schedule_feed_messages_status_due", "status", "next_attempt_at"),)

    appointment_id: Mapped[str] = mapped_column(
        ForeignKey("appointments.id", ondelete="CASCADE"), index=True
    )
    # "SIU^S12" booked, "SIU^S13" moved, "SIU^S15" cancelled.
    message_type: Mapped[str] = mapped_column(String(12))
    # mllp://host:port or an http(s) URL, as configured when the message was written.
    endpoint: Mapped[str] = mapped_column(String(300))
    # The SIU text; encrypted (its PID names the patient and gives the date of birth).
    # Erasure replaces it with a marker; the retention purge deletes settled rows.
    payload: Mapped[str] = mapped_column(EncryptedString())
    control_id: Mapped[str] = mapped_column(String(64))
    # pending | acked | failed
    status: Mapped[str] = mapped_column(String(8), default="pending")
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    next_attempt_at: Mapped[datetime | None] = mapped_column(default=now)
    last_error: Mapped[str | None] = mapped_column(String(500))
    created_at: Mapped[datetime] = mapped_column(default=now)
    sent_at: Mapped[datetime | None] = mapped_column()
    acked_at: Mapped[datetime | None] = mapped_column()
