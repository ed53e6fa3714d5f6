"""Request counters for rate limits that hold across every web instance."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from referraldesk.db.base import Base


class RateCounter(Base):
    """How many requests one client made in one fixed window of one limit.

    `key` is "<limit>:<hash of the client address>:<window number>"; the address
    itself is never stored.
    """

    __tablename__ = "rate_counters"

    key: Mapped[str] = mapped_column(String(120), primary_key=True)
    count: Mapped[int] = mapped_column(Integer, default=0)
    expires_at: Mapped[datetime] = mapped_column(index=True)
