"""Fixed-window rate limits counted in the database, so they hold across web instances.

An in-memory bucket would give each instance behind a load balancer its own
allowance; a row per (limit, client, window) in the shared database does not. The
increment is one atomic upsert, so two instances counting at once cannot both read
the same count.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from sqlalchemy import delete
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

from referraldesk.clock import now
from referraldesk.errors import RateLimited
from referraldesk.models import RateCounter
from referraldesk.settings import get_settings


@dataclass(frozen=True)
class RateLimit:
    """At most `limit` requests per client per `window_seconds`."""

    name: str
    limit: int
    window_seconds: int

    def hit(self, session: Session, client: str | None) -> int:
        """Count one request of `client`; raise RateLimited past the limit.

        Returns the count in the current window. A request with no known address
        (a test client, a local socket) is counted under "unknown".
        """
        current = now()
        window = int(current.timestamp()) // self.window_seconds
        count = _increment(session, self._key(client, window), self._expiry(window))
        if count == 1:
            _prune(session, current)
        if count > self.limit:
            wait = (window + 1) * self.window_seconds - int(current.timestamp())
            raise RateLimited(
                f"too many requests from this address: the limit is {self.limit} per "
                f"{self.window_seconds // 60} minutes; try again in {wait} seconds"
            )
        return count

    def _key(self, client: str | None, window: int) -> str:
        # Keyed by a salted hash: the counter table never holds a client's address.
        salt = get_settings().session_secret.get_secret_value()
        digest = hashlib.sha256(f"{salt}:{client or 'unknown'}".encode()).hexdigest()[:32]
        return f"{self.name}:{digest}:{window}"

    def _expiry(self, window: int) -> datetime:
        end = datetime.fromtimestamp((window + 1) * self.window_seconds, tz=UTC)
        return end + timedelta(seconds=self.window_seconds)


def _increment(session: Session, key: str, expires_at: datetime) -> int:
    dialect = session.get_bind().dialect.name
    insert = postgresql.insert if dialect == "postgresql" else sqlite.insert
    first = insert(RateCounter).values(key=key, count=1, expires_at=expires_at)
    counted = first.on_conflict_do_update(
        index_elements=[RateCounter.key], set_={"count": RateCounter.count + 1}
    ).returning(RateCounter.count)
    return int(session.execute(counted).scalar_one())


def _prune(session: Session, current: datetime) -> None:
    # Only when a new window row appears: cheap, and the table stays small.
    session.execute(delete(RateCounter).where(RateCounter.expires_at < current))
