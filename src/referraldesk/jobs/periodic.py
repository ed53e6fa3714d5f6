"""Periodic jobs run once per tick across every worker sharing the queue.

Each `referraldesk worker` (and `serve` with its in-process worker) runs huey's
scheduler, and each scheduler enqueues every periodic task that is due: with two
workers, outreach would call a patient twice. Before enqueueing, a scheduler claims
the (task, minute) pair in the queue's own storage with an atomic put-if-empty
(Redis SET NX, or a unique row in the SQLite queue file); only the scheduler that
claimed it enqueues. The schedulers of one queue therefore need no clock agreement
beyond the minute, which huey's crontab checks already assume.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from huey import Huey
from huey.api import Task
from huey.consumer import Consumer, Scheduler
from huey.storage import RedisStorage

from referraldesk import clock
from referraldesk.logging import get_logger

log = get_logger(__name__)

# Long enough to outlive any clock skew between machines, short enough to leave
# no litter: a claim is for one minute's tick.
CLAIM_TTL_SECONDS = 3600


def tick_of(instant: datetime) -> datetime:
    """The scheduler's minute for `instant`: naive UTC, as huey (utc=True) compares it."""
    return instant.astimezone(UTC).replace(tzinfo=None, second=0, microsecond=0)


def claim_tick(huey: Huey, task: Task, tick: datetime) -> bool:
    """True for exactly one caller per (task, minute) across all schedulers of `huey`."""
    key = _claim_key(huey, task, tick)
    storage = huey.storage
    if isinstance(storage, RedisStorage):
        # SET NX EX directly: huey's put_if_empty needs hash-field TTLs (Redis 7.4+).
        return bool(storage.conn.set(key, "1", nx=True, ex=CLAIM_TTL_SECONDS))
    if not huey.put_if_empty(key, "1"):
        return False
    # The SQLite queue keeps no TTLs: drop this task's claim of the same minute a day
    # ago (every schedule here repeats daily), so claims do not pile up.
    storage.pop_data(_claim_key(huey, task, tick - timedelta(days=1)))
    return True


def _claim_key(huey: Huey, task: Task, tick: datetime) -> str:
    # Named after the queue the storage serves: schedulers of one queue compete,
    # those of another deployment on the same Redis do not.
    return f"{huey.storage.name}:periodic-claim:{task.name}:{tick:%Y%m%dT%H%M}"


def due_and_claimed(huey: Huey, instant: datetime) -> list[Task]:
    """The periodic tasks due at `instant` that this scheduler won the claim for."""
    tick = tick_of(instant)
    return [task for task in huey.read_periodic(tick) if claim_tick(huey, task, tick)]


class ClaimingScheduler(Scheduler):  # type: ignore[misc]
    """huey's scheduler, enqueueing a periodic task only when it won the minute's claim."""

    def enqueue_periodic_tasks(self, now: datetime | None) -> None:
        for task in due_and_claimed(self.huey, clock.now()):
            log.info("periodic_task_enqueued", task=task.name)
            try:
                self.huey.enqueue(task)
            except Exception:  # reported; the next tick tries again, the loop must live
                log.exception("periodic_task_enqueue_failed", task=task.name)


class ClaimingConsumer(Consumer):  # type: ignore[misc]
    scheduler_class = ClaimingScheduler
