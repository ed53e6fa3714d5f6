"""The staff worklist as the phone sees it: a transfer that did not connect becomes a
callback request, one that connected is done.

Both are idempotent, because Twilio retries its callbacks: a task already turned into
a callback or already done is left as it is. They flush and never commit.
"""

from __future__ import annotations

from sqlalchemy.orm import Session

from referraldesk.audit import trail
from referraldesk.clock import now
from referraldesk.logging import get_logger
from referraldesk.models import StaffTask

log = get_logger(__name__)

CALLBACK = "callback"


def to_callback(session: Session, task_id: str | None, why: str) -> StaffTask | None:
    """Make a transfer task a callback request (`why`: "after_hours", "dial_busy" ...)."""
    task = session.get(StaffTask, task_id) if task_id else None
    if task is None or task.status != "open" or task.kind == CALLBACK:
        return task
    task.kind = CALLBACK
    task.reason = f"callback ({why}): {task.reason}"[:200]
    session.flush()
    log.info("staff_task_callback", task_id=task.id, why=why)
    return task


def close(session: Session, task_id: str | None) -> StaffTask | None:
    """A staff member took the call: the task is done."""
    task = session.get(StaffTask, task_id) if task_id else None
    if task is None or task.status != "open":
        return task
    task.status = "done"
    task.done_at = now()
    session.flush()
    log.info("staff_task_done", task_id=task.id)
    return task


def open_callback(
    session: Session, *, conversation_id: str, patient_id: str | None, phone: str | None, why: str
) -> StaffTask:
    """A new callback request when the transfer left no task to turn into one."""
    task = StaffTask(
        kind=CALLBACK,
        conversation_id=conversation_id,
        patient_id=patient_id,
        reason=f"callback ({why})",
        urgency="routine",
        summary="The caller wanted a person on the phone and could not be connected.",
        callback_phone=phone,
        created_at=now(),
    )
    session.add(task)
    session.flush()
    if patient_id is not None:
        actor = trail.Actor(name=f"agent:{conversation_id}", role="agent")
        trail.record(
            session,
            actor,
            "create",
            "staff_task",
            task.id,
            patient_id=patient_id,
            conversation_id=conversation_id,
            reason=why,
        )
    log.info("staff_task_callback", task_id=task.id, why=why)
    return task
