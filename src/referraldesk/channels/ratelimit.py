"""Fixed-window rate limits counted in the database, so they hold across web instances.

An in-memory bucket would give each instance behind a load balancer its own
allowance; a counter per (limit, client, window) in a shared store does not. With
REFERRALDESK_REDIS_URL set the counter is a Redis key (INCR is atomic and expires by
itself); otherwise it is a database row incremented by one atomic upsert, so two
instances counting at once cannot both read the same count.

The count is committed in its own short transaction, not the request's: the row
of one client's window is locked by its upsert until commit, so counting inside a
request that then plays a whole agent turn serialized every start from that
address (a clinic behind one NAT address, a burst from one web page).
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from functools import lru_cache

from redis import Redis
from sqlalchemy import delete, select
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

from referraldesk.clock import now
from referraldesk.errors import RateLimited
from referraldesk.models import RateCounter
from referraldesk.security.session_secret import get_session_secret
from referraldesk.settings import get_settings

REDIS_PREFIX = "referraldesk:rate:"


@dataclass(frozen=True)
class RateLimit:
    """At most `limit` requests per client per `window_seconds`."""

    name: str
    limit: int
    window_seconds: int
    # What is counted, as the refusal names it.
    counted: str = "requests from this address"

    def hit(self, session: Session, client: str | None) -> int:
        """Count one request of `client`; raise RateLimited past the limit.

        Returns the count in the current window. A request with no known address
        (a test client, a local socket) is counted under "unknown".
        """
        current = now()
        window = int(current.timestamp()) // self.window_seconds
        key, expires_at = self._key(client, window), self._expiry(window)
        redis_url = get_settings().redis_url
        if redis_url:
            count = _increment_in_redis(redis_url, key, expires_at - current)
        else:
            count = _count_in_database(session, key, expires_at, current)
        if count > self.limit:
            wait = (window + 1) * self.window_seconds - int(current.timestamp())
            raise RateLimited(
                f"too many {self.counted}: the limit is {self.limit} per "
                f"{self.window_seconds // 60} minutes; try again in {wait} seconds",
                retry_after_seconds=wait,
            )
        return count

    def seconds_left(self) -> int:
        """Seconds until the current window ends and every client's count starts again."""
        current = int(now().timestamp())
        return (current // self.window_seconds + 1) * self.window_seconds - current

    def count(self, session: Session, client: str | None) -> int:
        """How many times `client` was counted in the current window, counting nothing."""
        window = int(now().timestamp()) // self.window_seconds
        key = self._key(client, window)
        redis_url = get_settings().redis_url
        if redis_url:
            return int(_redis_client(redis_url).get(f"{REDIS_PREFIX}{key}") or 0)
        stored = session.scalar(select(RateCounter.count).where(RateCounter.key == key))
        return int(stored or 0)

    def _key(self, client: str | None, window: int) -> str:
        # Keyed by a salted hash: the counter table never holds a client's address.
        salt = get_session_secret()
        digest = hashlib.sha256(f"{salt}:{client or 'unknown'}".encode()).hexdigest()[:32]
        return f"{self.name}:{digest}:{window}"

    def _expiry(self, window: int) -> datetime:
        end = datetime.fromtimestamp((window + 1) * self.window_seconds, tz=UTC)
        return end + timedelta(seconds=self.window_seconds)


def _count_in_database(session: Session, key: str, expires_at: datetime, current: datetime) -> int:
    # SQLite has one writer at a time: a second transaction while the request's own is
    # open would wait for itself, so there the count stays in the request's.
    shared_transaction = session.in_transaction() and _dialect(session) == "sqlite"
    if shared_transaction:
        return _increment_and_prune(session, key, expires_at, current)
    with Session(bind=session.get_bind().engine) as counting, counting.begin():
        return _increment_and_prune(counting, key, expires_at, current)


def _increment_and_prune(
    session: Session, key: str, expires_at: datetime, current: datetime
) -> int:
    count = _increment(session, key, expires_at)
    if count == 1:
        _prune(session, current)
    return count


def _dialect(session: Session) -> str:
    return session.get_bind().dialect.name


def _increment_in_redis(redis_url: str, key: str, lifetime: timedelta) -> int:
    client = _redis_client(redis_url)
    with client.pipeline() as pipe:
        pipe.incr(f"{REDIS_PREFIX}{key}")
        # A lifetime, not an instant: Redis's clock may differ from the practice clock
        # (`--now` in demos and the load bench), and a key whose EXPIREAT is already
        # past vanishes at once, so no count would ever pass the limit.
        pipe.expire(f"{REDIS_PREFIX}{key}", max(int(lifetime.total_seconds()), 1))
        count, _ = pipe.execute()
    return int(count)


@lru_cache(maxsize=2)
def _redis_client(redis_url: str) -> Redis:
    # One client (and connection pool) per process, shared by every request thread.
    return Redis.from_url(redis_url)


def _increment(session: Session, key: str, expires_at: datetime) -> int:
    insert = postgresql.insert if _dialect(session) == "postgresql" else sqlite.insert
    first = insert(RateCounter).values(key=key, count=1, expires_at=expires_at)
    counted = first.on_conflict_do_update(
        index_elements=[RateCounter.key], set_={"count": RateCounter.count + 1}
    ).returning(RateCounter.count)
    return int(session.execute(counted).scalar_one())


def _prune(session: Session, current: datetime) -> None:
    # Only when a new window row appears: cheap, and the table stays small.
    session.execute(delete(RateCounter).where(RateCounter.expires_at < current))
