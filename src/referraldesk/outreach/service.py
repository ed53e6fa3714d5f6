"""One round of follow-up outreach over every referral that waits for the patient.

A text opens an outbound SMS conversation with the referral id set, so the
patient's reply (routed by its From number into the open text thread) continues
with the agent in the same conversation. Consents are read at the moment of each
round: a STOP recorded a second earlier means nothing is sent.

Services flush and never commit; the job owns the transaction. Each referral is
handled in its own savepoint so one bad record cannot stop the round.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from referraldesk.audit import trail
from referraldesk.audit.trail import Actor
from referraldesk.channels.text import as_text
from referraldesk.clock import now as clock_now
from referraldesk.conversation import runtime
from referraldesk.conversation.phrasebook import say
from referraldesk.logging import get_logger
from referraldesk.models import OutreachAttempt, Patient, Practice, Referral
from referraldesk.outreach import plan
from referraldesk.outreach.calls import CallPlacer, call_placer
from referraldesk.outreach.sms import NO_CREDENTIALS, NoCredentials, SmsSender, sms_sender
from referraldesk.practice.policy import current_policy
from referraldesk.referrals.lifecycle import ACCEPTED, CONTACTING, EXPIRED, NO_SHOW, UNREACHABLE
from referraldesk.referrals.transitions import transition

log = get_logger(__name__)

ACTOR = Actor(name="system:outreach", role="system")
DEFAULT_ZONE = "America/Los_Angeles"
NO_PRACTICE_PHONE = "no_practice_phone"


@dataclass
class RoundReport:
    """What one run did, by referral id."""

    attempted: list[str] = field(default_factory=list)
    unreachable: list[str] = field(default_factory=list)
    expired: list[str] = field(default_factory=list)
    blocked: dict[str, str] = field(default_factory=dict)
    failed: list[str] = field(default_factory=list)


@dataclass(frozen=True)
class Senders:
    sms: SmsSender
    calls: CallPlacer
    from_number: str | None


def run_outreach(
    session: Session,
    *,
    now: datetime | None = None,
    sms: SmsSender | None = None,
    calls: CallPlacer | None = None,
) -> RoundReport:
    """Text and call every waiting patient who is due, and end outreach that has run out.

    `sms` and `calls` default to the configured clients (Twilio; the voice seam).
    """
    context = outreach_context(session, now)
    practice = session.scalar(select(Practice).limit(1))
    senders = Senders(
        sms or sms_sender(), calls or call_placer(), practice.phone if practice else None
    )
    report = RoundReport()
    for referral_id in waiting_referral_ids(session):
        try:
            with session.begin_nested():
                _handle(session, context, senders, referral_id, report)
        except Exception as exc:  # protects the round: one bad record is logged and skipped
            log.error("outreach_referral_failed", referral_id=referral_id, error=type(exc).__name__)
            report.failed.append(referral_id)
    log.info(
        "outreach_round",
        attempted=len(report.attempted),
        unreachable=len(report.unreachable),
        expired=len(report.expired),
        blocked=len(report.blocked),
        failed=len(report.failed),
    )
    return report


def outreach_context(session: Session, now: datetime | None = None) -> plan.Context:
    practice = session.scalar(select(Practice).limit(1))
    policy = current_policy(session).outreach
    return plan.Context(
        now=now or clock_now(),
        policy=policy,
        practice_zone=practice.timezone if practice else DEFAULT_ZONE,
        expire_after_days=policy.expire_after_target_days,
    )


def waiting_referral_ids(session: Session) -> list[str]:
    return list(
        session.scalars(
            select(Referral.id)
            .where(Referral.status.in_(plan.WAITING_STATES))
            .order_by(Referral.received_at, Referral.id)
        )
    )


def attempts_of(session: Session, referral_id: str) -> list[OutreachAttempt]:
    return list(
        session.scalars(
            select(OutreachAttempt)
            .where(OutreachAttempt.referral_id == referral_id)
            .order_by(OutreachAttempt.at, OutreachAttempt.channel)
        )
    )


def _handle(
    session: Session,
    context: plan.Context,
    senders: Senders,
    referral_id: str,
    report: RoundReport,
) -> None:
    referral = session.get(Referral, referral_id)
    if referral is None or referral.status not in plan.WAITING_STATES:
        return
    decision = plan.decide(context, referral, referral.patient, attempts_of(session, referral.id))
    if decision.action == plan.ATTEMPT:
        _attempt(session, context, senders, referral, decision)
        report.attempted.append(referral.id)
    elif decision.action == plan.UNREACHABLE:
        _end(session, referral, UNREACHABLE, decision, "no answer after the last outreach attempt")
        report.unreachable.append(referral.id)
    elif decision.action == plan.EXPIRE:
        _end(session, referral, EXPIRED, decision, f"outreach ended: {decision.reason}")
        report.expired.append(referral.id)
    elif decision.action == plan.BLOCKED and decision.reason:
        report.blocked[referral.id] = decision.reason


def _attempt(
    session: Session,
    context: plan.Context,
    senders: Senders,
    referral: Referral,
    decision: plan.Decision,
) -> None:
    patient = referral.patient
    round_number = decision.rounds + 1
    attempts = [
        _text(session, senders, referral, patient)
        if channel == "sms"
        else _call(session, senders, referral, patient)
        for channel in decision.channels
    ]
    for attempt in attempts:
        attempt.at = context.now
        attempt.round = round_number
        session.add(attempt)
    reached = [a for a in attempts if a.status != "skipped"]
    if reached:
        referral.outreach_attempts = (referral.outreach_attempts or 0) + 1
        _start_contacting(session, referral, round_number, reached[0].channel)
    session.flush()
    trail.record(
        session,
        ACTOR,
        "contact",
        "referral",
        referral.id,
        patient_id=patient.id,
        reason=f"outreach round {round_number}: "
        + ", ".join(f"{a.channel} {a.status}" for a in attempts),
    )
    for attempt in attempts:
        log.info(
            "outreach_attempt",
            referral_id=referral.id,
            channel=attempt.channel,
            status=attempt.status,
            reason=attempt.reason,
            conversation_id=attempt.conversation_id,
        )


def _text(
    session: Session, senders: Senders, referral: Referral, patient: Patient
) -> OutreachAttempt:
    attempt = _new_attempt(referral, "sms")
    phone = patient.primary_phone
    skip = _sms_unavailable(senders)
    if skip is not None or phone is None:
        return _skipped(attempt, skip or plan.NO_PHONE)
    assert senders.from_number is not None
    language = _language(patient)
    conversation, greeting = runtime.start_conversation(
        session,
        "sms",
        language=language,
        caller_phone=phone,
        direction="outbound",
        referral_id=referral.id,
    )
    body = f"{as_text(greeting)}\n\n{say('outreach.sms.stop_hint', language)}"
    result = senders.sms.send(phone, senders.from_number, body)
    attempt.conversation_id = conversation.id
    attempt.status, attempt.reason, attempt.external_id = (
        result.status,
        result.reason,
        result.external_id,
    )
    if result.status != "sent":
        # Nothing reached the patient: the thread must not catch an unrelated text later.
        runtime.end_conversation(session, conversation.id, reason="outreach_not_sent")
    return attempt


def _call(
    session: Session, senders: Senders, referral: Referral, patient: Patient
) -> OutreachAttempt:
    attempt = _new_attempt(referral, "voice")
    phone = patient.primary_phone
    if phone is None or senders.from_number is None:
        return _skipped(attempt, plan.NO_PHONE if phone is None else NO_PRACTICE_PHONE)
    result = senders.calls.place_call(
        session,
        to=phone,
        from_=senders.from_number,
        language=_language(patient),
        referral_id=referral.id,
    )
    attempt.status, attempt.reason = result.status, result.reason
    attempt.external_id, attempt.conversation_id = result.external_id, result.conversation_id
    return attempt


def _sms_unavailable(senders: Senders) -> str | None:
    if isinstance(senders.sms, NoCredentials):
        return NO_CREDENTIALS
    return NO_PRACTICE_PHONE if senders.from_number is None else None


def _new_attempt(referral: Referral, channel: str) -> OutreachAttempt:
    return OutreachAttempt(
        referral_id=referral.id, patient_id=referral.patient_id, channel=channel, status="queued"
    )


def _skipped(attempt: OutreachAttempt, reason: str) -> OutreachAttempt:
    attempt.status, attempt.reason = "skipped", reason
    return attempt


def _language(patient: Patient) -> str:
    return patient.preferred_language if patient.preferred_language in ("en", "es") else "en"


def _start_contacting(
    session: Session, referral: Referral, round_number: int, channel: str
) -> None:
    if referral.status in (ACCEPTED, NO_SHOW):
        transition(
            session,
            ACTOR,
            referral,
            CONTACTING,
            reason=f"outreach round {round_number} by {channel}",
        )


def _end(
    session: Session, referral: Referral, to_status: str, decision: plan.Decision, reason: str
) -> None:
    # accepted and no_show have no direct move to a lost state: outreach passes
    # through contacting, as the lifecycle table says.
    if referral.status != CONTACTING:
        transition(session, ACTOR, referral, CONTACTING, reason="outreach closing the referral")
    transition(
        session, ACTOR, referral, to_status, reason=reason, leakage_reason=decision.leakage_reason
    )
