"""The LLM brain: any OpenAI-compatible chat-completions endpoint with tool calling.

The model sees the tool catalog's schemas and acts only through `ctx.call_tool`, so
it gets no more power than the guided brain, and the runtime's guardrails sit below
it all the same. It answers through `reply_to_caller`, which keeps every turn typed.

When the endpoint fails, stalls, loops or answers garbage, the turn is handed to the
guided brain, and so is every later turn of that conversation: a caller should not
hear two different agents take turns.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence
from typing import Any

from structlog.contextvars import bound_contextvars

from referraldesk.conversation.brain import Brain, TurnContext
from referraldesk.conversation.llm.fallback import guided_turn, load_guided, transfer_turn
from referraldesk.conversation.llm.history import trimmed
from referraldesk.conversation.llm.loop import TurnAbandoned, TurnLoop
from referraldesk.conversation.llm.reply import REPLY_TOOL
from referraldesk.conversation.turn import AgentTurn
from referraldesk.llm import ChatClient, LLMError, shared_client
from referraldesk.logging import get_logger
from referraldesk.settings import Settings, get_settings

log = get_logger(__name__)

# The brain's memory lives under this key of the conversation's state.
MEMORY_KEY = "llm"


class LLMBrain:
    """A `Brain` driven by a chat-completions model.

    `client` defaults to the process's shared client for the configured endpoint,
    taken at the first turn (so a missing REFERRALDESK_LLM_BASE_URL sends turns to
    the fallback instead of failing here);
    `tool_schemas` defaults to `catalog.schemas()`; `fallback` returns the brain that
    takes over, or None to hand the caller to a person; `monotonic` is the clock of
    the turn's time bound (seconds).
    """

    name = "llm"

    def __init__(
        self,
        client: ChatClient | None = None,
        *,
        settings: Settings | None = None,
        tool_schemas: Sequence[dict[str, Any]] | None = None,
        fallback: Callable[[], Brain | None] = load_guided,
        monotonic: Callable[[], float] = time.monotonic,
    ) -> None:
        self._settings = settings or get_settings()
        self._client = client
        self._tool_schemas = list(tool_schemas) if tool_schemas is not None else None
        self._fallback = fallback
        self._monotonic = monotonic

    def start(self, ctx: TurnContext) -> AgentTurn:
        return self._answer(ctx, None)

    def respond(self, ctx: TurnContext, text: str) -> AgentTurn:
        return self._answer(ctx, text)

    def _answer(self, ctx: TurnContext, text: str | None) -> AgentTurn:
        memory = _memory(ctx)
        if memory["fallen_back"]:
            return self._hand_over(ctx, text)
        started = self._monotonic()
        loop = self._loop(ctx, memory, text, started)
        try:
            with bound_contextvars(conversation_id=ctx.conversation_id):
                turn = loop.run(self._chat_client())
        except (LLMError, TurnAbandoned) as exc:
            self._log_fallback(ctx, loop, exc, started)
            # The guided brain keeps its own frame; the chat history is of no more use.
            memory.update(fallen_back=True, fallback_reason=_reason(exc), messages=[], slots={})
            return loop.carried_into(self._hand_over(ctx, text))

        memory.update(messages=trimmed(loop.messages), slots=loop.slots, verified=loop.verified)
        log.info(
            "llm_turn",
            conversation_id=ctx.conversation_id,
            model_calls=loop.model_calls,
            tool_calls=loop.tool_calls,
            latency_ms=_elapsed_ms(self._monotonic, started),
            awaiting=turn.awaiting,
            outcome=turn.outcome,
        )
        return turn

    def _loop(
        self, ctx: TurnContext, memory: dict[str, Any], text: str | None, started: float
    ) -> TurnLoop:
        # The turn works on copies: a turn that falls back leaves the memory as it was.
        messages = list(memory["messages"])
        if text is not None:
            messages.append({"role": "user", "content": _with_what_was_heard(ctx, text)})
        return TurnLoop(
            ctx=ctx,
            tools=[*self._schemas(), REPLY_TOOL],
            messages=messages,
            slots=dict(memory["slots"]),
            verified=bool(memory["verified"]),
            max_tool_steps=self._settings.llm_max_tool_steps,
            deadline=started + self._settings.llm_timeout_seconds,
            monotonic=self._monotonic,
        )

    def _chat_client(self) -> ChatClient:
        if self._client is None:
            self._client = shared_client(self._settings)
        return self._client

    def _schemas(self) -> list[dict[str, Any]]:
        if self._tool_schemas is None:
            # Imported here: the catalog pulls in every tool and service module, which
            # a brain given its schemas (tests, a narrower agent) has no use for.
            from referraldesk.tools import catalog

            self._tool_schemas = catalog.schemas()
        return self._tool_schemas

    def _hand_over(self, ctx: TurnContext, text: str | None) -> AgentTurn:
        guided = self._fallback()
        if guided is None:
            return transfer_turn(ctx)
        return guided_turn(guided, ctx, text)

    def _log_fallback(
        self, ctx: TurnContext, loop: TurnLoop, exc: Exception, started: float
    ) -> None:
        log.warning(
            "llm_brain_fallback",
            conversation_id=ctx.conversation_id,
            error=type(exc).__name__,
            reason=_reason(exc),
            status=getattr(exc, "status", None),
            model_calls=loop.model_calls,
            tool_calls=loop.tool_calls,
            latency_ms=_elapsed_ms(self._monotonic, started),
        )


def _memory(ctx: TurnContext) -> dict[str, Any]:
    memory: dict[str, Any] = ctx.state.setdefault(MEMORY_KEY, {})
    memory.setdefault("messages", [])
    memory.setdefault("slots", {})
    memory.setdefault("verified", False)
    memory.setdefault("fallen_back", False)
    return memory


def _reason(exc: Exception) -> str:
    return exc.reason if isinstance(exc, TurnAbandoned) else type(exc).__name__


def _elapsed_ms(monotonic: Callable[[], float], started: float) -> float:
    return round((monotonic() - started) * 1000, 1)


def _with_what_was_heard(ctx: TurnContext, text: str) -> str:
    """The caller's words, after a note of how much of the last reply they heard when
    they spoke over it: the model must not take "the second one" of a list never heard."""
    heard = ctx.extra.get("last_reply_heard")
    if heard is None:
        return text
    return f'[The caller spoke over your last reply; they heard only: "{heard}"]\n{text}'
