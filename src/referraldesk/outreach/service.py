"""One round of follow-up outreach over every referral that waits for the patient.

A text opens an outbound SMS conversation with the referral id set, so the
patient's reply (routed by its From number into the open text thread) continues
with the agent in the same conversation. Consents are read at the moment of each
round: a STOP recorded a second earlier means nothing is sent.

A patient is contacted at most once per attempt. The round is the job's body and
owns its transactions (services elsewhere only flush): it commits the session it
is given as it goes, one referral at a time, in three steps:

1. under the referral's lock, decide, write each attempt as "sending" (and open the
   conversation a text belongs to), and commit;
2. text or call, with no transaction open;
3. write what became of each attempt, and commit.

A worker killed between 1 and 3 leaves attempts "sending". They count as made: no
round sends them again (the text may have reached the patient), the next round
comes after the usual back-off, and once older than `INTERRUPTED_AFTER` they are
marked "unknown" for staff to see on the worklist. A failure with one referral
rolls back that referral's step only; what the round wrote for the others stays.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta

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
from referraldesk.outreach.calls import CallPlacer, NoVoiceChannel, call_placer
from referraldesk.outreach.sms import NO_CREDENTIALS, NoCredentials, SmsSender, sms_sender
from referraldesk.practice.policy import current_policy
from referraldesk.referrals.lifecycle import ACCEPTED, CONTACTING, EXPIRED, NO_SHOW, UNREACHABLE
from referraldesk.referrals.transitions import transition

log = get_logger(__name__)

ACTOR = Actor(name="system:outreach", role="system")
DEFAULT_ZONE = "America/Los_Angeles"
NO_PRACTICE_PHONE = "no_practice_phone"
SENDING = "sending"
SKIPPED = "skipped"
UNKNOWN = "unknown"
STOPPED_WHILE_SENDING = "stopped_while_sending"
# Sending takes seconds (Twilio's clients time out after 10 s): an attempt still
# "sending" this long after its round began belongs to a round that was stopped.
INTERRUPTED_AFTER = timedelta(minutes=5)


@dataclass
class RoundReport:
    """What one run did, by referral id."""

    attempted: list[str] = field(default_factory=list)
    unreachable: list[str] = field(default_factory=list)
    expired: list[str] = field(default_factory=list)
    blocked: dict[str, str] = field(default_factory=dict)
    failed: list[str] = field(default_factory=list)
    # Referrals whose attempt an earlier, stopped round left "sending" (now "unknown").
    interrupted: list[str] = field(default_factory=list)


@dataclass(frozen=True)
class Senders:
    sms: SmsSender
    calls: CallPlacer
    from_number: str | None


@dataclass(frozen=True)
class Contact:
    """An attempt written down as "sending", with what making it needs."""

    attempt_id: str
    referral_id: str
    channel: str
    phone: str
    language: str
    # A text's words and the conversation its reply continues; None for a call.
    body: str | None = None
    conversation_id: str | None = None


@dataclass(frozen=True)
class Outcome:
    status: str
    reason: str | None
    external_id: str | None
    conversation_id: str | None


def run_outreach(
    session: Session,
    *,
    now: datetime | None = None,
    sms: SmsSender | None = None,
    calls: CallPlacer | None = None,
) -> RoundReport:
    """Text and call every waiting patient who is due, and end outreach that has run out.

    Commits `session` as it goes (see the module's docstring); anything pending in it
    is committed with the first step. `sms` and `calls` default to the configured
    clients (Twilio; the voice seam).
    """
    context = outreach_context(session, now)
    practice = session.scalar(select(Practice).limit(1))
    senders = Senders(
        sms or sms_sender(), calls or call_placer(), practice.phone if practice else None
    )
    report = RoundReport(interrupted=settle_interrupted(session, context.now))
    referral_ids = waiting_referral_ids(session)
    session.commit()
    for referral_id in referral_ids:
        try:
            _handle(session, context, senders, referral_id, report)
        except Exception as exc:  # protects the round: one bad record is logged and skipped
            session.rollback()
            log.error("outreach_referral_failed", referral_id=referral_id, error=type(exc).__name__)
            report.failed.append(referral_id)
    log.info(
        "outreach_round",
        attempted=len(report.attempted),
        unreachable=len(report.unreachable),
        expired=len(report.expired),
        blocked=len(report.blocked),
        failed=len(report.failed),
        interrupted=len(report.interrupted),
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


def settle_interrupted(session: Session, now: datetime) -> list[str]:
    """Mark "unknown" the attempts a stopped round left "sending"; their referrals' ids.

    Flushes only. Whether such a text or call went out cannot be known here, so it is
    never made again; it still counts as a round made.
    """
    stale = list(
        session.scalars(
            select(OutreachAttempt).where(
                OutreachAttempt.status == SENDING,
                OutreachAttempt.at < now - INTERRUPTED_AFTER,
            )
        )
    )
    for attempt in stale:
        attempt.status, attempt.reason = UNKNOWN, STOPPED_WHILE_SENDING
    session.flush()
    referral_ids = sorted({attempt.referral_id for attempt in stale})
    if referral_ids:
        log.warning("outreach_attempts_interrupted", referral_ids=referral_ids)
    return referral_ids


def _handle(
    session: Session,
    context: plan.Context,
    senders: Senders,
    referral_id: str,
    report: RoundReport,
) -> None:
    # The round's session lives across many commits: read the patient, the consents and
    # the attempts as they are now (a STOP a second ago), not as an earlier step left them.
    session.expire_all()
    referral = _locked_referral(session, referral_id)
    if referral is None or referral.status not in plan.WAITING_STATES:
        session.commit()
        return
    decision = plan.decide(context, referral, referral.patient, attempts_of(session, referral.id))
    if decision.action == plan.ATTEMPT:
        contacts = _write_attempts(session, context, senders, referral, decision)
        session.commit()  # written down before anyone is contacted: see the module docstring
        for contact in contacts:
            _record_outcome(session, contact, _make_contact(session, senders, contact))
            session.commit()
        report.attempted.append(referral_id)
        return
    if decision.action == plan.UNREACHABLE:
        _end(session, referral, UNREACHABLE, decision, "no answer after the last outreach attempt")
        report.unreachable.append(referral_id)
    elif decision.action == plan.EXPIRE:
        _end(session, referral, EXPIRED, decision, f"outreach ended: {decision.reason}")
        report.expired.append(referral_id)
    elif decision.action == plan.BLOCKED and decision.reason:
        report.blocked[referral_id] = decision.reason
    session.commit()


def _locked_referral(session: Session, referral_id: str) -> Referral | None:
    if session.get_bind().dialect.name != "postgresql":
        # SQLite serializes writers already (BEGIN IMMEDIATE).
        return session.get(Referral, referral_id, populate_existing=True)
    # Race: two rounds at once (a slow round and the next tick, or `referraldesk
    # outreach run` beside the worker) would both find the patient due and both
    # contact them. The second waits here, then sees the first's "sending" attempts.
    trail.lock_chain(session)  # before the row: see audit.trail.lock_chain
    return session.get(Referral, referral_id, populate_existing=True, with_for_update=True)


def _write_attempts(
    session: Session,
    context: plan.Context,
    senders: Senders,
    referral: Referral,
    decision: plan.Decision,
) -> list[Contact]:
    patient = referral.patient
    round_number = decision.rounds + 1
    attempts = [
        _new_attempt(referral, channel, context.now, round_number, senders)
        for channel in decision.channels
    ]
    session.add_all(attempts)
    session.flush()
    sending = [attempt for attempt in attempts if attempt.status == SENDING]
    contacts = [_contact_for(session, referral, patient, attempt) for attempt in sending]
    if contacts:
        referral.outreach_attempts = (referral.outreach_attempts or 0) + 1
        _start_contacting(session, referral, round_number, contacts[0].channel)
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
        if attempt.status == SKIPPED:
            _log_attempt(attempt)
    return contacts


def _new_attempt(
    referral: Referral, channel: str, at: datetime, round_number: int, senders: Senders
) -> OutreachAttempt:
    skip = _unavailable(senders, channel, referral.patient)
    return OutreachAttempt(
        referral_id=referral.id,
        patient_id=referral.patient_id,
        channel=channel,
        at=at,
        round=round_number,
        status=SKIPPED if skip else SENDING,
        reason=skip,
    )


def _unavailable(senders: Senders, channel: str, patient: Patient) -> str | None:
    """Why `channel` cannot reach the patient at all (the attempt is skipped), or None."""
    if channel == "sms" and isinstance(senders.sms, NoCredentials):
        return NO_CREDENTIALS
    if channel == "voice" and isinstance(senders.calls, NoVoiceChannel):
        return senders.calls.reason
    if senders.from_number is None:
        return NO_PRACTICE_PHONE
    return plan.NO_PHONE if patient.primary_phone is None else None


def _contact_for(
    session: Session, referral: Referral, patient: Patient, attempt: OutreachAttempt
) -> Contact:
    phone, language = patient.primary_phone or "", _language(patient)
    if attempt.channel != "sms":
        return Contact(attempt.id, referral.id, attempt.channel, phone, language)
    # Opened now, so a reply that beats the send's result still finds its thread.
    conversation, greeting = runtime.start_conversation(
        session,
        "sms",
        language=language,
        caller_phone=phone,
        direction="outbound",
        referral_id=referral.id,
    )
    attempt.conversation_id = conversation.id
    body = f"{as_text(greeting)}\n\n{say('outreach.sms.stop_hint', language)}"
    return Contact(attempt.id, referral.id, "sms", phone, language, body, conversation.id)


def _make_contact(session: Session, senders: Senders, contact: Contact) -> Outcome:
    assert senders.from_number is not None, "attempts without a practice number are skipped"
    if contact.channel == "sms":
        text = senders.sms.send(contact.phone, senders.from_number, contact.body or "")
        return Outcome(text.status, text.reason, text.external_id, contact.conversation_id)
    call = senders.calls.place_call(
        session,
        to=contact.phone,
        from_=senders.from_number,
        language=contact.language,
        referral_id=contact.referral_id,
    )
    return Outcome(call.status, call.reason, call.external_id, call.conversation_id)


def _record_outcome(session: Session, contact: Contact, outcome: Outcome) -> None:
    attempt = session.get(OutreachAttempt, contact.attempt_id, populate_existing=True)
    if attempt is None:  # the patient's data was erased while the text was on its way
        return
    attempt.status, attempt.reason = outcome.status, outcome.reason
    attempt.external_id, attempt.conversation_id = outcome.external_id, outcome.conversation_id
    if contact.conversation_id and outcome.status != "sent":
        # Nothing reached the patient: the thread must not catch an unrelated text later.
        runtime.end_conversation(session, contact.conversation_id, reason="outreach_not_sent")
    _log_attempt(attempt)


def _log_attempt(attempt: OutreachAttempt) -> None:
    log.info(
        "outreach_attempt",
        referral_id=attempt.referral_id,
        channel=attempt.channel,
        status=attempt.status,
        reason=attempt.reason,
        conversation_id=attempt.conversation_id,
    )


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
