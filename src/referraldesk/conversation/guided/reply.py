"""The agent turn being built: sentences from the phrasebook, what it awaits, what it offers."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from referraldesk.conversation.phrasebook import say
from referraldesk.conversation.turn import Action, AgentTurn, Option


@dataclass
class Reply:
    """An agent turn under construction; flows add to it, the brain finishes it."""

    lang: str
    parts: list[str] = field(default_factory=list)
    awaiting: str = "none"
    pending: str | None = None
    options: list[Option] = field(default_factory=list)
    actions: list[Action] = field(default_factory=list)
    outcome: str | None = None
    outcome_reason: str | None = None
    # True when the turn answers a side question and re-asks, which is not a new ask.
    resumed: bool = False
    # True when the question is new though its kind is not (a new list of slots).
    fresh: bool = False

    def say(self, key: str, **params: object) -> Reply:
        self.parts.append(say(key, self.lang, **params))
        return self

    def ask(
        self, awaiting: str, key: str, *, pending: str | None = None, **params: object
    ) -> Reply:
        """Say `key` and wait for `awaiting`; `pending` names what a yes or no will answer."""
        self.say(key, **params)
        self.awaiting = awaiting
        self.pending = pending
        return self

    def act(self, kind: str, **details: Any) -> Reply:
        known = {name: details.pop(name) for name in ("reason", "to", "body") if name in details}
        self.actions.append(Action(type=kind, extra=details, **known))  # type: ignore[arg-type]
        return self

    def end(self) -> Reply:
        if not any(action.type == "end" for action in self.actions):
            self.act("end")
        self.awaiting = "none"
        self.pending = None
        return self

    def conclude(self, outcome: str, reason: str | None = None) -> Reply:
        self.outcome = outcome
        self.outcome_reason = reason
        return self

    @property
    def ends(self) -> bool:
        return any(action.type in ("end", "transfer") for action in self.actions)

    @property
    def text(self) -> str:
        """The parts as one message; a multi-line part (a list of slots) gets lines of its own."""
        parts = [part for part in self.parts if part]
        text = parts[0] if parts else ""
        for previous, part in zip(parts, parts[1:], strict=False):
            text += ("\n" if "\n" in previous or "\n" in part else " ") + part
        return text

    def turn(self) -> AgentTurn:
        return AgentTurn(
            reply=self.text,
            language="es" if self.lang == "es" else "en",
            awaiting=self.awaiting,  # type: ignore[arg-type]
            options=self.options,
            actions=self.actions,
            outcome=self.outcome,  # type: ignore[arg-type]
            outcome_reason=self.outcome_reason,
        )
