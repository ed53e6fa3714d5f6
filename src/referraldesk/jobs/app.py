"""The huey instance, chosen from settings, and queueing that waits for the commit."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

from huey import Huey, RedisHuey, SqliteHuey
from sqlalchemy import event
from sqlalchemy.orm import Session

from referraldesk.settings import get_settings


def build_huey() -> Huey:
    settings = get_settings()
    if settings.redis_url:
        return RedisHuey(settings.queue_name, url=settings.redis_url, utc=True)
    path = Path(settings.queue_path)
    path.parent.mkdir(parents=True, exist_ok=True)
    return SqliteHuey(settings.queue_name, filename=str(path), utc=True)


huey: Huey = build_huey()

_PENDING_KEY = "referraldesk_jobs_after_commit"


def queue_after_commit(session: Session, job: Callable[..., Any], *args: Any) -> None:
    """Queue `job(*args)` once `session` commits; drop it if the session rolls back.

    A job queued before the commit could run before its row is visible, or for a
    row that a rollback then removes.
    """
    pending: list[tuple[Callable[..., Any], tuple[Any, ...]]] = session.info.setdefault(
        _PENDING_KEY, []
    )
    pending.append((job, args))


@event.listens_for(Session, "after_commit")
def _run_pending(session: Session) -> None:
    # Releasing a savepoint (begin_nested) fires after_commit too; wait for the real one.
    if session.in_nested_transaction():
        return
    for job, args in session.info.pop(_PENDING_KEY, []):
        job(*args)


@event.listens_for(Session, "after_rollback")
def _drop_pending(session: Session) -> None:
    # A savepoint rolled back (a failed tool call) leaves the outer transaction's jobs.
    if session.in_nested_transaction():
        return
    session.info.pop(_PENDING_KEY, None)
