"""What outreach should do next for one referral, decided from what is on file.

A cycle of outreach starts when a referral is accepted, when the patient misses a
visit, or when a booked appointment is cancelled. Each round texts and calls the
patient (each only with its consent), the next round waiting `retry_hours` doubled
after every round made (24 h, 48 h, 96 h ...). Rounds that sent nothing (no Twilio
credentials, no voice channel) are written down but do not count towards
`max_attempts`, so a misconfigured installation never marks patients unreachable.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

from referraldesk.models import OutreachAttempt, Patient, Referral
from referraldesk.outreach.hours import CallingHours, contact_windows, next_allowed, patient_zones
from referraldesk.patients.consents import consents_in_force
from referraldesk.practice.schema import OutreachPolicy
from referraldesk.referrals.lifecycle import ACCEPTED, CONTACTING, NO_SHOW, SCHEDULED

# The states in which a referral waits for the patient to book.
WAITING_STATES: tuple[str, ...] = (ACCEPTED, CONTACTING, NO_SHOW)

ATTEMPT = "attempt"
WAIT = "wait"
BLOCKED = "blocked"
UNREACHABLE = "unreachable"
EXPIRE = "expire"

# Why no automatic contact can be made; staff see these on the worklist.
NO_PHONE = "no_phone"
OPTED_OUT = "opted_out"
NO_CONSENT = "no_consent"
NO_CALLING_HOURS = "no_calling_hours"


@dataclass(frozen=True)
class Decision:
    """`action` attempt | wait | blocked | unreachable | expire, with what it needs."""

    action: str
    rounds: int
    next_at: datetime | None = None
    channels: tuple[str, ...] = ()
    reason: str | None = None
    leakage_reason: str | None = None


@dataclass(frozen=True)
class Context:
    """What every decision of one run shares."""

    now: datetime
    policy: OutreachPolicy
    practice_zone: str
    expire_after_days: int


def decide(
    context: Context,
    referral: Referral,
    patient: Patient,
    attempts: Sequence[OutreachAttempt],
) -> Decision:
    """Decide the next step of outreach for a referral in a waiting state."""
    cycle = [a for a in attempts if a.at >= cycle_start(referral)]
    made = _rounds_made(cycle)
    expiry = _expiry(context, referral)
    if expiry is not None:
        return Decision(EXPIRE, made, reason=expiry, leakage_reason=expiry)

    channels, blocked = _channels(patient)
    if blocked is not None:
        return Decision(BLOCKED, made, reason=blocked)

    due = _due(context, cycle, made)
    if made >= context.policy.max_attempts:
        if context.now >= due:
            return Decision(UNREACHABLE, made, leakage_reason=_lost_reason(referral))
        return Decision(WAIT, made, next_at=due, reason="last_attempt_made")

    hours = calling_hours(context.policy, patient)
    zones = patient_zones(patient, context.practice_zone)
    next_at = next_allowed(max(due, context.now), hours, zones)
    if next_at is None:
        return Decision(BLOCKED, made, reason=NO_CALLING_HOURS)
    action = ATTEMPT if next_at <= context.now else WAIT
    return Decision(action, made, next_at=next_at, channels=channels)


def calling_hours(policy: OutreachPolicy, patient: Patient) -> CallingHours:
    window = policy.calling_window
    return CallingHours(window.start, window.end, contact_windows(patient))


def cycle_start(referral: Referral) -> datetime:
    """When the current cycle began: acceptance, the last no-show or cancelled visit."""
    start = referral.received_at
    for step in referral.history:
        restarts = step.to_status in (ACCEPTED, NO_SHOW) or (
            step.to_status == CONTACTING and step.from_status == SCHEDULED
        )
        if restarts and step.at > start:
            start = step.at
    return start


def local_today(context: Context) -> date:
    return context.now.astimezone(ZoneInfo(context.practice_zone)).date()


def _rounds_made(cycle: Sequence[OutreachAttempt]) -> int:
    return len({a.round for a in cycle if a.status != "skipped"})


def _due(context: Context, cycle: Sequence[OutreachAttempt], made: int) -> datetime:
    if not cycle:
        return context.now
    last = max(a.at for a in cycle)
    retry = timedelta(hours=context.policy.retry_hours)
    last_round_sent = any(a.status != "skipped" for a in cycle if a.at == last)
    # Back-off doubles after each round that reached the patient; a skipped round
    # retries at the plain interval.
    return last + (retry * 2 ** max(made - 1, 0) if last_round_sent else retry)


def _expiry(context: Context, referral: Referral) -> str | None:
    today = local_today(context)
    if referral.authorization_until is not None and referral.authorization_until < today:
        return "authorization_expired"
    grace = timedelta(days=context.expire_after_days)
    if referral.target_date is not None and referral.target_date + grace < today:
        return "window_expired"
    return None


def _channels(patient: Patient) -> tuple[tuple[str, ...], str | None]:
    if patient.primary_phone is None:
        return (), NO_PHONE
    in_force = consents_in_force(patient)
    channels = tuple(
        channel
        for channel, kind in (("sms", "texts"), ("voice", "automated_calls"))
        if in_force[kind]
    )
    if channels:
        return channels, None
    withdrawn = any(
        c.kind in ("texts", "automated_calls") and not c.granted for c in patient.consents
    )
    return (), OPTED_OUT if withdrawn else NO_CONSENT


def _lost_reason(referral: Referral) -> str:
    no_shows = sum(1 for step in referral.history if step.to_status == NO_SHOW)
    return "no_show_repeated" if no_shows >= 2 else "unreachable"
