"""Reaching a person: at the caller's request, when the agent cannot help, or instead
of asking the same thing a third time."""

from __future__ import annotations

from referraldesk.conversation.guided.step import Step, tool_actions
from referraldesk.conversation.phrasebook import templates

# What the staff worklist reads; short, and free of patient details.
_GOAL_WORDS = {
    "book": "wants to book a visit",
    "reschedule": "wants to move an appointment",
    "cancel": "wants to cancel an appointment",
    "appointments": "asked about an appointment",
    "register": "new patient registering",
    "decline": "does not want the referred visit",
}


# Channels where nobody can be put through: staff call or text back instead.
TEXT_CHANNELS = frozenset({"chat", "sms"})


def transfer(
    step: Step,
    reason: str,
    *,
    key: str = "transfer.human",
    urgency: str = "routine",
    callback_phone: str | None = None,
    **params: object,
) -> None:
    """Say `key`, open a staff task with `reason`, and hand the conversation over.

    A conversation opens one staff task at most: once handed over, another reason to
    hand over only repeats that staff will be in touch. On a text channel nobody is
    put through, so the caller hears that staff will call or text back, on
    `callback_phone` when the caller gave one.
    """
    if step.frame.transferred:
        already_handed_over(step)
        return
    number = {"callback_phone": callback_phone} if callback_phone else {}
    outcome = step.call(
        "transfer_to_staff",
        reason=reason[:200],
        urgency=urgency,
        summary=_summary(step, reason),
        **number,
    )
    step.frame.transferred = True
    text_key = f"{key}.text"
    on_text = step.ctx.channel in TEXT_CHANNELS and text_key in templates(step.lang)
    step.reply.say(text_key if on_text else key, **params)
    for action in tool_actions(outcome):
        if action.get("type") == "transfer":
            extra = {
                k: v
                for k, v in action.items()
                if k not in ("type", "reason", "to") and v is not None
            }
            step.reply.act("transfer", reason=reason, to=action.get("to"), **extra)
    if not any(action.type == "transfer" for action in step.reply.actions):
        step.reply.act("transfer", reason=reason)
    step.reply.awaiting = "none"
    step.reply.pending = None
    step.reply.conclude("transferred", reason)
    step.frame.outcome = "transferred"


def already_handed_over(step: Step) -> None:
    """After the hand-over: staff will be in touch; anything else meanwhile?"""
    step.frame.goal = None
    step.reply.ask("anything_else", "transfer.pending")


def _summary(step: Step, reason: str) -> str:
    frame = step.frame
    parts = [f"Reason: {reason}.", f"Language: {frame.lang}.", f"Channel: {step.ctx.channel}."]
    if frame.goal:
        parts.append(f"Caller {_GOAL_WORDS.get(frame.goal, frame.goal)}.")
    parts.append("Identity verified." if frame.verified else "Identity not verified.")
    if frame.specialty:
        parts.append(f"Specialty: {frame.specialty}.")
    return " ".join(parts)


def offer(step: Step, instead_of: str, *, key: str = "handoff.offer") -> None:
    """Offer a person instead of asking for `instead_of` once more."""
    step.frame.resume_awaiting = instead_of
    step.reply.ask("confirm", key, pending="handoff")


def on_offer_answer(step: Step) -> bool:
    """Yes: transfer. No: try the question once more. True when the turn is complete."""
    heard = step.heard
    if heard is not None and heard.yes:
        transfer(
            step, f"caller accepted a person after repeated {step.frame.resume_awaiting} attempts"
        )
        return True
    if heard is not None and heard.no:
        step.reply.say("handoff.declined")
    # The caller gets one more try at the question before it counts as asked twice.
    step.frame.awaiting = step.frame.resume_awaiting or "none"
    step.frame.ask_count = 1
    step.frame.resume_awaiting = None
    return False
