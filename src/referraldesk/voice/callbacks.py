"""Callback requests called back: by staff from the worklist, or by the periodic job.

A callback request is a staff task of kind "callback" with a number: a transfer that
did not connect, or a caller who wanted a person after hours. It is called back
through Twilio's REST client (`outbound.call_back`); when a person answers they hear
the practice's name and are put through to the staff line with a whisper of the
reason (`outbound.answered`), a machine gets the voicemail naming only the practice.
The task is done once staff took the call.

The job (`jobs.callback_tasks`) places each request's call at most once, and only
when someone can take it and the patient may be called: the desk is open and has a
staff line, and now is inside outreach's calling window (policy `outreach.
calling_window`, 08:00-21:00 by default, the TCPA's hours) in every zone of the
number, and inside the patient's own contact windows when the caller is known. A
request older than MAX_AGE is left to staff. Staff call again from the worklist at
any time ("Call back now"). Every call placed, or refused for good, is an audit
record (action "call" on the task): that record is what makes a request "called".
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from referraldesk.audit import trail
from referraldesk.audit.trail import Actor
from referraldesk.clock import now
from referraldesk.errors import Conflict, DomainError, NotFound, OptedOut, Unavailable
from referraldesk.logging import get_logger
from referraldesk.models import AuditEvent, Patient, Practice, StaffTask
from referraldesk.outreach.hours import CallingHours, patient_zones
from referraldesk.outreach.plan import calling_hours
from referraldesk.patients.phones import phone_zones
from referraldesk.practice.policy import current_policy
from referraldesk.practice.schema import OutreachPolicy
from referraldesk.voice import hours, recording
from referraldesk.voice.outbound import TwilioVoice, call_back
from referraldesk.voice.tasks import CALLBACK

log = get_logger(__name__)

JOB_ACTOR = Actor(name="system:callbacks", role="system")
CALL_ACTION = "call"
# A request this old is no longer "call me back soon": staff decide.
MAX_AGE = timedelta(days=3)
# Calls placed per run at most, so a backlog does not ring the staff line all at once.
PER_RUN = 5
# Reasons of the job's audit "call" records around one placement.
BEING_PLACED = "callback call being placed"
NOT_PLACED_UNAVAILABLE = "callback call not placed: unavailable"

# What the worklist says after "Call back now" (the dashboard's notice keys).
PLACED = "callback_placed"
NO_PHONE_LINE = "callback_no_line"
OPTED_OUT = "callback_opted_out"
NOT_PLACED = "callback_failed"


@dataclass
class CallbackRound:
    """What one run of the job did, by task id."""

    placed: list[str] = field(default_factory=list)
    refused: list[str] = field(default_factory=list)
    retry: list[str] = field(default_factory=list)


def call_now(session: Session, actor: Actor, task_id: str) -> str:
    """Staff's "Call back now": place the call; returns what to tell them (a notice key).

    NotFound for an unknown task, Conflict for one that is done or not a callback
    request with a number. Without Twilio credentials nothing is placed (NO_PHONE_LINE).
    """
    task = session.get(StaffTask, task_id)
    if task is None:
        raise NotFound(f"there is no staff task with id {task_id!r}", field="task_id")
    if task.status != "open" or task.kind != CALLBACK or not task.callback_phone:
        raise Conflict(
            f"staff task {task_id} is not an open callback request with a number to call",
            field="task_id",
        )
    try:
        voice = TwilioVoice.from_settings(http_client=recording.current_http_client())
    except Unavailable:
        log.info("callback_not_placed", task_id=task.id, reason="no_twilio_credentials")
        return NO_PHONE_LINE
    try:
        place(session, voice, actor, task)
    except OptedOut:
        return OPTED_OUT
    except DomainError:
        return NOT_PLACED
    return PLACED


def run_callbacks(
    session: Session, voice: TwilioVoice, at: datetime | None = None
) -> CallbackRound:
    """Call back the requests that are due (see the module's rules); one run of the job."""
    done = CallbackRound()
    for task in due_callbacks(session, at or now())[:PER_RUN]:
        # Written down and committed before the phone rings: a worker killed while
        # Twilio is dialing never rings the patient twice (staff still see the request).
        _record_call(session, JOB_ACTOR, task, BEING_PLACED)
        session.commit()
        try:
            place(session, voice, JOB_ACTOR, task)
        except Unavailable:
            # Twilio did not take the call: the next run may try again.
            _record_call(session, JOB_ACTOR, task, NOT_PLACED_UNAVAILABLE)
            done.retry.append(task.id)
        except DomainError:
            done.refused.append(task.id)
        else:
            done.placed.append(task.id)
        session.commit()
    return done


def place(session: Session, voice: TwilioVoice, actor: Actor, task: StaffTask) -> str:
    """Place the call of callback request `task`; returns the CallSid.

    The call, or Twilio's or the patient's lasting refusal of it, is recorded as an
    audit "call" on the task; a passing failure (Unavailable) records nothing.
    """
    try:
        call_sid = call_back(session, voice, actor, task.id)
    except Unavailable:
        log.warning("callback_not_placed", task_id=task.id, reason="unavailable")
        raise
    except DomainError as exc:
        _record_call(session, actor, task, f"callback call not placed: {exc.code}")
        log.warning("callback_not_placed", task_id=task.id, reason=exc.code)
        raise
    _record_call(session, actor, task, "callback call placed")
    log.info("callback_placed", task_id=task.id, call_sid=call_sid)
    return call_sid


def due_callbacks(session: Session, at: datetime) -> list[StaffTask]:
    """Open callback requests the job may call now, oldest first (see the module's rules)."""
    if hours.staff_line(session) is None or not hours.desk_open(session, at):
        return []
    waiting = list(
        session.scalars(
            select(StaffTask)
            .where(
                StaffTask.kind == CALLBACK,
                StaffTask.status == "open",
                StaffTask.callback_phone.is_not(None),
                StaffTask.created_at >= at - MAX_AGE,
            )
            .order_by(StaffTask.created_at)
        )
    )
    called = _called(session, [task.id for task in waiting])
    practice_zone = session.scalar(select(Practice.timezone).limit(1)) or "America/Los_Angeles"
    window = current_policy(session).outreach
    return [
        task
        for task in waiting
        if task.id not in called and _may_call(session, task, at, window, practice_zone)
    ]


def _may_call(
    session: Session, task: StaffTask, at: datetime, window: OutreachPolicy, practice_zone: str
) -> bool:
    """Whether `at` is inside the calling hours where the task's number rings."""
    patient = session.get(Patient, task.patient_id) if task.patient_id else None
    if patient is not None:
        allowed = calling_hours(window, patient)
        fallback = patient_zones(patient, practice_zone)
    else:
        span = window.calling_window
        allowed, fallback = CallingHours(span.start, span.end), (practice_zone,)
    zones = phone_zones(task.callback_phone or "") or fallback
    return allowed.allows(at, zones)


def _called(session: Session, task_ids: list[str]) -> set[str]:
    """Tasks whose latest call record is anything but "Twilio did not take it"."""
    if not task_ids:
        return set()
    latest: dict[str, str | None] = {}
    for task_id, reason in session.execute(
        select(AuditEvent.resource_id, AuditEvent.reason)
        .where(
            AuditEvent.action == CALL_ACTION,
            AuditEvent.resource_type == "staff_task",
            AuditEvent.resource_id.in_(task_ids),
        )
        .order_by(AuditEvent.seq)
    ):
        latest[task_id] = reason
    return {task_id for task_id, reason in latest.items() if reason != NOT_PLACED_UNAVAILABLE}


def _record_call(session: Session, actor: Actor, task: StaffTask, reason: str) -> None:
    trail.record(
        session,
        actor,
        CALL_ACTION,
        "staff_task",
        task.id,
        patient_id=task.patient_id,
        conversation_id=task.conversation_id,
        reason=reason,
    )
