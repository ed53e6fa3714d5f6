"""Two workers on one queue enqueue each periodic job once per tick."""

from __future__ import annotations

import threading
import uuid
from collections.abc import Callable, Iterator
from datetime import datetime
from pathlib import Path

import pytest
from huey import Huey, RedisHuey, SqliteHuey, crontab

from referraldesk.jobs.periodic import ClaimingScheduler

REDIS_URL = "redis://127.0.0.1:6379/0"


@pytest.fixture(params=["redis", "sqlite"])
def queue(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Huey]:
    name = f"rd-test-{uuid.uuid4().hex[:8]}"
    if request.param == "redis":
        huey: Huey = RedisHuey(name, url=REDIS_URL, utc=True)
    else:
        huey = SqliteHuey(name, filename=str(tmp_path / "queue.db"), utc=True)

    @huey.periodic_task(crontab(minute="*/5"))
    def every_five_minutes() -> None:
        return None

    yield huey
    huey.storage.flush_all()
    if request.param == "redis":
        # Claims live beside huey's own keys; leave nothing behind in the shared server.
        connection = huey.storage.conn
        for key in connection.scan_iter(f"{huey.storage.name}:periodic-claim:*"):
            connection.delete(key)


def scheduler(huey: Huey) -> ClaimingScheduler:
    return ClaimingScheduler(huey=huey, stop_flag=threading.Event(), interval=1, periodic=True)


def test_two_schedulers_enqueue_a_due_task_once(
    queue: Huey, frozen_now: Callable[[str], datetime]
) -> None:
    first, second = scheduler(queue), scheduler(queue)

    frozen_now("2026-03-04T10:05:20-08:00")
    first.enqueue_periodic_tasks(None)
    second.enqueue_periodic_tasks(None)
    at_five = queue.pending_count()
    frozen_now("2026-03-04T10:05:50-08:00")
    second.enqueue_periodic_tasks(None)
    same_minute = queue.pending_count()
    frozen_now("2026-03-04T10:06:10-08:00")
    first.enqueue_periodic_tasks(None)
    not_due = queue.pending_count()
    frozen_now("2026-03-04T10:10:05-08:00")
    second.enqueue_periodic_tasks(None)
    first.enqueue_periodic_tasks(None)

    assert (at_five, same_minute, not_due, queue.pending_count()) == (1, 1, 1, 2)


def test_racing_schedulers_enqueue_once(
    queue: Huey, frozen_now: Callable[[str], datetime]
) -> None:
    frozen_now("2026-03-04T10:15:00-08:00")
    schedulers = [scheduler(queue) for _ in range(6)]
    start = threading.Barrier(len(schedulers))

    def tick(each: ClaimingScheduler) -> None:
        start.wait()
        each.enqueue_periodic_tasks(None)

    threads = [threading.Thread(target=tick, args=(each,)) for each in schedulers]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=10)

    assert queue.pending_count() == 1
