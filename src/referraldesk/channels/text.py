"""An agent turn as plain text, for channels without buttons (SMS, the terminal)."""

from __future__ import annotations

from referraldesk.conversation.turn import AgentTurn

_PICK_HINT = {
    "en": "Reply with the number of your choice.",
    "es": "Responda con el número de su opción.",
}


def numbered_options(turn: AgentTurn) -> list[str]:
    """The offered options as "1. label" lines, in the order offered."""
    return [f"{number}. {option.label}" for number, option in enumerate(turn.options, start=1)]


def as_text(turn: AgentTurn, *, with_hint: bool = True) -> str:
    """The reply, then the options as a numbered list (a number picks one)."""
    lines = [turn.reply]
    options = numbered_options(turn)
    if options:
        lines.extend(options)
        if with_hint:
            lines.append(_PICK_HINT[turn.language])
    return "\n".join(lines)
