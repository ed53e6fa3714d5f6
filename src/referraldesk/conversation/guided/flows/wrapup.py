"""Closing a task: "anything else?", and the goodbye that ends the conversation."""

from __future__ import annotations

from referraldesk.conversation.guided.step import Step

_DONE_INTENTS = frozenset({"goodbye", "thanks"})


def ask_anything_else(step: Step) -> None:
    step.frame.goal = None
    step.reply.ask("anything_else", "ask.anything_else")


def goodbye(step: Step) -> None:
    step.reply.say("goodbye").end()


def on_anything_else(step: Step) -> bool:
    """No or thanks: goodbye. A bare yes: what else? Anything with an intent goes on."""
    heard = step.heard
    assert heard is not None
    if heard.no or heard.intent in _DONE_INTENTS:
        goodbye(step)
        return True
    if heard.yes and heard.intent is None:
        step.reply.ask("none", "ask.what_else")
        return True
    return False
