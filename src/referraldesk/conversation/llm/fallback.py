"""Where a turn goes when the LLM cannot answer: to the guided brain, or to a person.

The guided brain keeps its frame under its own key of the conversation's state, so
the two brains' memories never overwrite each other.
"""

from __future__ import annotations

from dataclasses import replace

from referraldesk.conversation import brains
from referraldesk.conversation.brain import Brain, TurnContext
from referraldesk.conversation.llm.toolcalls import as_action, outcome_actions
from referraldesk.conversation.phrasebook import say
from referraldesk.conversation.turn import Action, AgentTurn

GUIDED_STATE_KEY = "guided"
TRANSFER_REASON = "assistant_unavailable"


def load_guided() -> Brain | None:
    """The guided brain, or None when this installation has none to offer."""
    try:
        return brains.get_brain("guided")
    except ImportError:
        return None


def guided_turn(guided: Brain, ctx: TurnContext, text: str | None) -> AgentTurn:
    """The guided brain's turn: its greeting when `text` is None, else its answer."""
    own = replace(ctx, state=ctx.state.setdefault(GUIDED_STATE_KEY, {}))
    return guided.start(own) if text is None else guided.respond(own, text)


def transfer_turn(ctx: TurnContext) -> AgentTurn:
    """No brain can answer: open a staff task and hand the caller to a person."""
    language = ctx.language if ctx.language in ("en", "es") else "en"
    outcome = ctx.call_tool(
        "transfer_to_staff",
        reason=TRANSFER_REASON,
        urgency="soon",
        summary="The automated assistant could not answer; the caller is waiting for a person.",
    )
    given = [action for raw in outcome_actions(outcome) if (action := as_action(raw)) is not None]
    transfers = [action for action in given if action.type == "transfer"]
    actions = transfers or [Action(type="transfer", reason=TRANSFER_REASON)]
    return AgentTurn(
        reply=say("transfer.human", language),
        language=language,  # type: ignore[arg-type]  # checked above
        actions=actions,
        outcome="transferred",
        outcome_reason=TRANSFER_REASON,
    )
