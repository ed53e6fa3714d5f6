"""One LLM turn: ask the model, run the tools it calls, until it replies or a bound is hit.

Two bounds keep a caller from waiting on a model that loops or stalls: at most
`max_tool_steps` rounds of tool calls (the last request forces `reply_to_caller`),
and one deadline for the whole turn, which every request's timeout counts down to.
Hitting either raises `TurnAbandoned`; the brain then hands the turn to the guided brain.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, Literal

from referraldesk.conversation.brain import TurnContext
from referraldesk.conversation.llm.history import tool_message
from referraldesk.conversation.llm.options import SLOT_TOOL, offered_options, remembered_slots
from referraldesk.conversation.llm.prompts import system_prompt
from referraldesk.conversation.llm.reply import REPLY_TOOL_NAME, FinalReply, parse_reply
from referraldesk.conversation.llm.toolcalls import answer_without_running, as_action, run_call
from referraldesk.conversation.outcomes import merge_outcome
from referraldesk.conversation.turn import Action, AgentTurn
from referraldesk.llm import (
    ChatClient,
    ChatCompletion,
    LLMMalformedResponse,
    Message,
    ToolCallRequest,
)

# A successful call of these settles what the conversation achieved.
OUTCOME_OF_TOOL = {
    "schedule_appointment": "booked",
    "reschedule_appointment": "rescheduled",
    "cancel_appointment": "cancelled",
    "transfer_to_staff": "transferred",
}
VERIFYING_TOOL = "lookup_patient"
_FORCE_REPLY = {"type": "function", "function": {"name": REPLY_TOOL_NAME}}


class TurnAbandoned(Exception):
    """The model did not reply within the turn's bounds; `reason` says which one."""

    def __init__(self, reason: str) -> None:
        super().__init__(f"the LLM turn was abandoned: {reason}")
        self.reason = reason


@dataclass
class TurnLoop:
    """The state of one turn as it runs; `messages` is the history, appended in place."""

    ctx: TurnContext
    tools: list[dict[str, Any]]
    messages: list[Message]
    slots: dict[str, dict[str, Any]]
    verified: bool
    max_tool_steps: int
    deadline: float
    monotonic: Callable[[], float]
    model_calls: int = 0
    tool_calls: int = 0
    outcome: str | None = None
    actions: list[dict[str, Any]] = field(default_factory=list)

    def run(self, client: ChatClient) -> AgentTurn:
        for step in range(self.max_tool_steps + 1):
            final = step == self.max_tool_steps
            turn = self._handle(self._ask(client, final), final)
            if turn is not None:
                return turn
        raise TurnAbandoned("max_tool_steps")

    def carried_into(self, turn: AgentTurn) -> AgentTurn:
        """`turn` (another brain's) with what this turn's tools already did.

        A booking made before the model failed stands: the conversation's outcome
        and the channel's actions (a confirmation text) must not be lost with it.
        """
        done = [action for raw in self.actions if (action := as_action(raw)) is not None]
        known = {(action.type, action.reason) for action in turn.actions}
        extra = [action for action in done if (action.type, action.reason) not in known]
        outcome = merge_outcome(turn.outcome, self.outcome)
        return turn.model_copy(update={"actions": [*turn.actions, *extra], "outcome": outcome})

    @property
    def allowed(self) -> set[str]:
        return {tool["function"]["name"] for tool in self.tools} - {REPLY_TOOL_NAME}

    def _ask(self, client: ChatClient, final: bool) -> ChatCompletion:
        remaining = self.deadline - self.monotonic()
        if remaining <= 0:
            raise TurnAbandoned("timeout")
        verified = self.verified or self.ctx.verified_patient_id is not None
        system = {"role": "system", "content": system_prompt(self.ctx, verified)}
        completion = client.complete(
            [system, *self.messages],
            tools=self.tools,
            tool_choice=_FORCE_REPLY if final else "auto",
            timeout_seconds=remaining,
        )
        self.model_calls += 1
        self.messages.append(completion.assistant_message())
        return completion

    def _handle(self, completion: ChatCompletion, final: bool) -> AgentTurn | None:
        """The turn when the model replied; None when it called tools and must be asked again."""
        if not completion.tool_calls:
            return self._plain_reply(completion)
        replies = [call for call in completion.tool_calls if call.name == REPLY_TOOL_NAME]
        others = [call for call in completion.tool_calls if call.name != REPLY_TOOL_NAME]
        if others:
            # On the last step the model was told to reply; running more tools would
            # act on the practice in a turn that is about to be abandoned.
            if final:
                raise TurnAbandoned("max_tool_steps")
            for call in others:
                self._run(call)
            for call in replies:
                self._decline(call, "reply_to_caller came with other tool calls and was not said")
            return None
        return self._reply(replies)

    def _run(self, call: ToolCallRequest) -> None:
        step = run_call(self.ctx, call, self.allowed)
        self.tool_calls += 1
        self.messages.append(step.message)
        if not step.ok:
            return
        if step.name == SLOT_TOOL:
            self.slots = remembered_slots(step.data or {})
        if step.name == VERIFYING_TOOL:
            self.verified = True
        self.outcome = merge_outcome(self.outcome, OUTCOME_OF_TOOL.get(step.name))
        self.actions.extend(step.actions)

    def _decline(self, call: ToolCallRequest, why: str) -> None:
        hint = "Read the tool results above, then call reply_to_caller alone."
        self.messages.append(answer_without_running(call, "invalid_argument", why, hint).message)

    def _reply(self, replies: list[ToolCallRequest]) -> AgentTurn | None:
        first, *extra = replies
        parsed = parse_reply(first.arguments)
        if isinstance(parsed, list):
            for call in replies:
                self._decline(call, "reply_to_caller was not said: " + "; ".join(parsed))
            return None
        # Endpoints refuse a history where a tool call has no answer, even this one.
        self.messages.append(tool_message(first.id, {"ok": True, "said": True}))
        for call in extra:
            self._decline(call, "only the first reply_to_caller of a turn is said")
        return self._turn(parsed)

    def _plain_reply(self, completion: ChatCompletion) -> AgentTurn:
        text = (completion.content or "").strip()
        if not text:
            raise LLMMalformedResponse("the model answered with neither text nor a tool call")
        plain = FinalReply(text, None, "none", (), False, None)
        return self._turn(plain)

    def _turn(self, reply: FinalReply) -> AgentTurn:
        actions = [action for raw in self.actions if (action := as_action(raw)) is not None]
        outcome = self.outcome
        reason = None
        if reply.transfer_reason:
            outcome = merge_outcome(outcome, "transferred")
            reason = reply.transfer_reason
            if not any(action.type == "transfer" for action in actions):
                actions.append(Action(type="transfer", reason=reply.transfer_reason))
        if reply.end_conversation:
            actions.append(Action(type="end"))
        language = reply.language or _language(self.ctx.language)
        return AgentTurn(
            reply=reply.text,
            language=language,
            awaiting=reply.awaiting,  # type: ignore[arg-type]  # checked by parse_reply
            options=offered_options(reply.offered_slot_ids, self.slots, language),
            actions=actions,
            outcome=outcome,  # type: ignore[arg-type]  # one of OUTCOME_OF_TOOL's values
            outcome_reason=reason,
        )


def _language(value: str) -> Literal["en", "es"]:
    return "es" if value == "es" else "en"
