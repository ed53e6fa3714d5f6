"""A number to call back, for a caller staff could not otherwise reach.

A web chat carries no caller id, and before verification there is no phone on file,
so a promise that staff will call or text back would be one nobody can keep. The
agent asks for a number (twice at most) before opening the staff task; a caller who
gives none hears how to reach the practice instead.
"""

from __future__ import annotations

import phonenumbers

from referraldesk.conversation.guided.flows import handoff, wrapup
from referraldesk.conversation.guided.step import Step
from referraldesk.patients.phones import try_normalize_phone

MAX_ASKS = 2


def needs_number(step: Step) -> bool:
    """True when a hand-over on this text channel would leave staff no number to use."""
    ctx, frame = step.ctx, step.frame
    return (
        ctx.channel in handoff.TEXT_CHANNELS
        and not ctx.caller_phone
        and not frame.verified
        and not frame.phone
        and not frame.transferred
    )


def ask(step: Step, reason: str, key: str) -> None:
    """Ask for a number before handing over for `reason` (saying `key` once it is given)."""
    frame = step.frame
    asks = (frame.callback or {}).get("asks", 0) + 1
    if asks > MAX_ASKS:
        reach_practice(step)
        return
    frame.callback = {"reason": reason, "key": key, "asks": asks}
    step.reply.ask(
        "phone", "callback.ask" if asks == 1 else "callback.ask_again", pending="callback"
    )


def on_answer(step: Step) -> bool:
    """A number: hand over with it. A refusal, or no number twice: how to reach us."""
    frame, heard = step.frame, step.heard
    wanted = frame.callback
    if wanted is None or heard is None:
        return False
    number = try_normalize_phone(heard.u.phone)
    if number:
        frame.callback = None
        frame.phone = number
        handoff.transfer(step, wanted["reason"], key=wanted["key"], callback_phone=number)
        return True
    if heard.no:
        reach_practice(step)
        return True
    ask(step, wanted["reason"], wanted["key"])
    return True


def reach_practice(step: Step) -> None:
    """Say the practice's number instead of promising a call back."""
    step.frame.callback = None
    phone = _practice_phone(step)
    if phone:
        step.reply.say("callback.reach_practice", phone=phone)
    else:
        step.reply.say("callback.reach_practice_no_phone")
    step.reply.conclude("answered", "no callback number")
    step.frame.outcome = step.frame.outcome or "answered"
    wrapup.ask_anything_else(step)


def _practice_phone(step: Step) -> str | None:
    """The first site's phone, written the way people dial it: (559) 555-0100."""
    sites = (step.data("get_office_hours") or {}).get("sites", [])
    number = try_normalize_phone(next((s.get("phone") for s in sites if s.get("phone")), None))
    if number is None:
        return None
    parsed = phonenumbers.parse(number, "US")
    return phonenumbers.format_number(parsed, phonenumbers.PhoneNumberFormat.NATIONAL)
