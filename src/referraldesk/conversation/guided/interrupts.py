"""What is handled before anything else, at any point of the dialogue.

Emergencies get 911 at once; a request for a person is honoured at once; attempts
to change the agent's rules or to reach someone else's data, and requests for
medical advice, are refused and the dialogue goes on where it was.
"""

from __future__ import annotations

from referraldesk.conversation.guardrails import asks_to_stop_contact
from referraldesk.conversation.guided.flows import callback, handoff, wrapup
from referraldesk.conversation.guided.planner import reask
from referraldesk.conversation.guided.step import Step
from referraldesk.conversation.turn import Option

# Requests staff handle; (reason for the worklist, what the caller hears).
_STAFF_MATTERS = {
    "human": ("caller asked for a person", "transfer.human"),
    "billing": ("billing question", "transfer.billing"),
    "prescription": ("prescription request", "transfer.prescription"),
}


def handle(step: Step) -> bool:
    """Handle a message that overrides the dialogue; True when the turn is complete."""
    heard = step.heard
    if heard is None:
        return False
    intent = heard.intent
    if intent == "emergency":
        _emergency(step)
    elif intent in _STAFF_MATTERS and not (intent == "prescription" and heard.medical_advice):
        reason, key = _STAFF_MATTERS[intent]
        if callback.needs_number(step):
            callback.ask(step, reason, key)
        else:
            handoff.transfer(step, reason, key=key)
    elif heard.injection:
        step.reply.say("refuse.injection")
        reask(step)
    elif asks_to_stop_contact(heard.text, intent, step.ctx.channel):
        _opt_out(step)
    elif intent == "wrong_number":
        step.reply.say("wrong_number").end().conclude("answered", "wrong number")
    elif intent == "repeat" and step.frame.last_reply:
        _repeat(step)
    elif intent == "goodbye" and step.frame.awaiting != "anything_else":
        wrapup.goodbye(step)
    else:
        return False
    return True


def _emergency(step: Step) -> None:
    # Nobody can hang up a web chat or a text thread: there the caller is told to call.
    on_text = step.ctx.channel in handoff.TEXT_CHANNELS
    step.reply.say("emergency.text" if on_text else "emergency")
    if step.heard is not None and step.heard.self_harm:
        step.reply.say("crisis.988")
    step.reply.act("emergency", reason="caller described an emergency")
    step.reply.end().conclude("emergency", "caller described an emergency")
    step.frame.outcome = "emergency"


def _opt_out(step: Step) -> None:
    """Record the opt-out for a verified patient; otherwise leave it to staff."""
    kind = "texts" if step.ctx.channel == "sms" else "automated_calls"
    # The caller hears "noted" only when it was: a refused record goes to staff instead.
    if step.frame.verified and step.call("record_consent", kinds=[kind], granted=False).ok:
        step.reply.say("opt_out.done")
    else:
        step.call(
            "transfer_to_staff",
            reason="opt-out request from an unverified caller"
            if not step.frame.verified
            else "opt-out request that could not be recorded",
            urgency="routine",
            summary=f"Caller asked not to be contacted ({kind}). Channel: {step.ctx.channel}.",
        )
        step.reply.say("opt_out.staff")
    step.reply.end().conclude("refused", "opt out")


def _repeat(step: Step) -> None:
    last = step.frame.last_reply or {}
    if last.get("lang") != step.lang:
        reask(step)
        return
    step.reply.parts.append(last.get("text", ""))
    step.reply.awaiting = last.get("awaiting", "none")
    step.reply.pending = last.get("pending")
    step.reply.options = [Option(**option) for option in last.get("options", [])]
    step.reply.resumed = True
