"""Booked time per provider, widened by each provider's buffer, read as the search goes.

The search walks days in order and usually stops within a day or two, so bookings
are read for one batch of days' candidate slots at a time: one query on the
(provider_id, start_at, end_at) index, for the providers that have candidates in
the batch, returning only the bookings that reach into those hours. Times come back as
epoch seconds computed by the database, so no datetime is built per booking.
"""

from __future__ import annotations

from bisect import bisect_left
from collections.abc import Iterable, Sequence
from datetime import datetime, timedelta

from sqlalchemy.orm import Session

from referraldesk.scheduling import statements
from referraldesk.scheduling.calendar import ProviderWeek

# No visit lasts a day: a booking that started this long before an instant cannot
# reach it, which bounds the index range the query scans.
LONGEST_VISIT = timedelta(hours=24)


class BusyTimes:
    """Answers "is this provider free over [start, end)?" from the bookings read so far."""

    def __init__(self, session: Session, providers: Sequence[ProviderWeek]):
        self._session = session
        self._buffers = {provider.id: provider.buffer_minutes * 60 for provider in providers}
        self._widest_buffer = timedelta(seconds=max(self._buffers.values(), default=0))
        self._busy: dict[str, list[tuple[float, float]]] = {}
        self._seen: set[str] = set()
        self._stmt = statements.bookings(session.get_bind().dialect.name)
        self.queries = 0

    def load(self, provider_ids: Iterable[str], lower: datetime, upper: datetime) -> None:
        """Read the bookings of these providers that reach into [lower, upper)."""
        wanted = sorted(set(provider_ids))
        if not wanted:
            return
        low = lower - self._widest_buffer
        params = {
            "ids": wanted,
            "scan_from": low - LONGEST_VISIT,
            "low": low,
            "high": upper + self._widest_buffer,
        }
        connection = self._session.connection()
        self.queries += 1
        touched: set[str] = set()
        for appointment_id, provider_id, start, end in connection.execute(self._stmt, params).all():
            # Batches read overlapping hours at their edges; a booking counts once.
            if appointment_id in self._seen:
                continue
            self._seen.add(appointment_id)
            buffer = self._buffers[provider_id]
            self._busy.setdefault(provider_id, []).append((start - buffer, end + buffer))
            touched.add(provider_id)
        for provider_id in touched:
            self._busy[provider_id].sort()

    def overlaps(self, provider_id: str, start: float, end: float) -> bool:
        """Whether [start, end) (epoch seconds) meets a booking of the provider or its buffer."""
        busy = self._busy.get(provider_id)
        if not busy:
            return False
        index = bisect_left(busy, (end,))
        # Busy spans are shorter than a day plus buffers, so only those that start
        # within that reach before `start` can still be running at `start`.
        reach = LONGEST_VISIT.total_seconds() + 2 * self._buffers[provider_id]
        while index > 0:
            index -= 1
            busy_start, busy_end = busy[index]
            if busy_end > start:
                return True
            if busy_start < start - reach:
                return False
        return False
