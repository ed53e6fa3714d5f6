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
    """The reply, then the options as a numbered list (a number picks one).

    A reply that already lists every option (the guided agent writes its own list on
    text channels) is sent as it is: a text message pays for every character twice.
    """
    lines = [turn.reply]
    listed = all(option.label in turn.reply for option in turn.options)
    options = [] if listed else numbered_options(turn)
    if options:
        lines.extend(options)
        if with_hint:
            lines.append(_PICK_HINT[turn.language])
    return "\n".join(lines)
