"""The referral on file: it names the specialty and, when urgent, the latest date."""

from __future__ import annotations

from datetime import date
from typing import Any

from referraldesk.conversation.guided.frame import Frame
from referraldesk.conversation.guided.step import Step
from referraldesk.conversation.phrasebook import say, templates, with_article

# A referral in these states still waits for a visit to be booked.
BOOKABLE_STATES = frozenset({"received", "accepted", "needs_info", "contacting"})


def check(step: Step) -> None:
    """Read the verified patient's referrals once; mention the one this visit is for."""
    frame = step.frame
    frame.referrals_checked = True
    chosen = _for_specialty(open_referrals(step), frame.specialty)
    if chosen is None:
        return
    remember(step, chosen)
    label = specialty_label(frame.specialty, step.lang)
    referrer = chosen.get("referring_provider")
    if referrer:
        step.reply.say("referral.seen", referrer=with_article(referrer, step.lang), specialty=label)
    else:
        step.reply.say("referral.seen_no_referrer", specialty=label)


def open_referrals(step: Step) -> list[dict[str, Any]]:
    """The verified patient's referrals that can still be booked (or declined)."""
    data = step.data("get_patient_referrals") or {}
    return [r for r in data.get("referrals", []) if r.get("status") in BOOKABLE_STATES]


def remember(step: Step, chosen: dict[str, Any]) -> None:
    """Keep the referral this conversation is about in the frame; its specialty wins."""
    frame = step.frame
    frame.referral = {
        "id": chosen["id"],
        "specialty": chosen.get("specialty"),
        "urgency": chosen.get("urgency") or "routine",
        "target_date": chosen.get("target_date"),
    }
    frame.specialty = chosen.get("specialty") or frame.specialty


def _for_specialty(referrals: list[dict[str, Any]], specialty: str | None) -> dict[str, Any] | None:
    if not referrals:
        return None
    if specialty is None:
        return referrals[0]
    return next((r for r in referrals if r.get("specialty") == specialty), None)


def target_date(frame: Frame) -> date | None:
    """The date an urgent referral must be seen by; None for a routine one."""
    found = frame.referral
    if not found or found.get("urgency") != "urgent" or not found.get("target_date"):
        return None
    return date.fromisoformat(found["target_date"])


def specialty_label(key: str | None, lang: str) -> str:
    """A specialty's name in the caller's language, as a phrase inside a sentence."""
    if not key:
        return ""
    phrase = f"specialty.{key}"
    if phrase in templates(lang):
        return say(phrase, lang)
    return key.replace("_", " ")
