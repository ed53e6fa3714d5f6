"""Declining a referral: a verified patient who does not want the specialist visit.

The agent names the referral and asks once; on a yes it records the referral as
declined (the only move the agent may make on a referral) so the referring office
hears, and on a no it goes back to booking.
"""

from __future__ import annotations

import re
from typing import Any

from referraldesk.conversation.guided.flows import handoff, wrapup
from referraldesk.conversation.guided.flows.referral import (
    open_referrals,
    remember,
    specialty_label,
)
from referraldesk.conversation.guided.step import Step
from referraldesk.conversation.phrasebook import with_article
from referraldesk.understanding.text import fold

# The tool lets the agent record one leakage reason only: the patient said no.
LEAKAGE_REASON = "patient_declined"
# Seen elsewhere is still the patient declining; the history says which it was.
_ELSEWHERE = re.compile(
    r"somewhere else|elsewhere|another (?:doctor|clinic|office|specialist)|"
    r"otr[oa] (?:lado|parte|doctor\w*|clinica|consultorio|especialista)"
)
_REASONS = {
    "elsewhere": "patient says they were seen elsewhere",
    "unwanted": "patient says they do not want the visit",
}


def remember_why(step: Step) -> None:
    """Keep whether the caller went elsewhere, for the referral's history."""
    heard = step.heard
    if heard is not None:
        elsewhere = _ELSEWHERE.search(fold(heard.text))
        step.frame.decline_why = "elsewhere" if elsewhere else "unwanted"


def advance(step: Step) -> None:
    """Find the open referral meant and ask once whether to record the refusal."""
    frame = step.frame
    referrals = open_referrals(step)
    if not referrals:
        step.reply.say("decline.none_open")
        wrapup.ask_anything_else(step)
        return
    chosen = _meant(referrals, frame.specialty)
    if chosen is None:
        step.reply.ask("specialty", "decline.which")
        return
    remember(step, chosen)
    label = specialty_label(frame.specialty, step.lang)
    referrer = chosen.get("referring_provider")
    if referrer:
        step.reply.ask(
            "confirm",
            "decline.confirm",
            pending="decline",
            specialty=label,
            referrer=with_article(referrer, step.lang),
        )
    else:
        step.reply.ask("confirm", "decline.confirm_no_referrer", pending="decline", specialty=label)


def on_confirm(step: Step) -> bool:
    """Yes: record it. No: back to booking (the planner goes on). True when complete."""
    frame, heard = step.frame, step.heard
    assert heard is not None
    if frame.referral is None:
        return False
    if heard.yes:
        _record(step, frame.referral)
        return True
    if heard.no:
        step.reply.say("decline.kept")
        specialty = frame.specialty
        frame.start_goal("book")
        # The caller just heard which referral this is: book for it without naming it again.
        frame.specialty = specialty
        frame.referrals_checked = True
        frame.awaiting = "none"
    return False


def _record(step: Step, referral: dict[str, Any]) -> None:
    frame = step.frame
    outcome = step.call(
        "update_referral_status",
        referral_id=referral["id"],
        status="declined",
        reason=_REASONS.get(frame.decline_why or "", _REASONS["unwanted"]),
        leakage_reason=LEAKAGE_REASON,
    )
    label = specialty_label(frame.specialty, step.lang)
    frame.referral = None
    if not outcome.ok:
        # Only a referral in outreach may be declined by the agent; staff record the rest.
        handoff.transfer(step, "patient declines the referral", key="transfer.decline")
        return
    step.reply.say("decline.done", specialty=label)
    step.reply.conclude("answered", "referral declined")
    frame.outcome = "answered"
    wrapup.ask_anything_else(step)


def _meant(referrals: list[dict[str, Any]], specialty: str | None) -> dict[str, Any] | None:
    """The referral for the named specialty, or the only one; None when unclear."""
    if specialty is not None:
        return next((r for r in referrals if r.get("specialty") == specialty), None)
    return referrals[0] if len(referrals) == 1 else None
