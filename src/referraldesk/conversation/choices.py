"""A reply that picks an offered option by its number ("2") or its id (a chat button)."""

from __future__ import annotations

import re

from referraldesk.models import Turn

_NUMBER = re.compile(r"^\s*(\d{1,2})\s*[.)]?\s*$")
# A bare number there is an answer (a day of birth, digits of a phone), not a pick.
_NUMERIC_SLOTS = frozenset({"dob", "phone"})


def resolve_choice(text: str, previous: Turn | None) -> str:
    """The option's label when `text` names one of the previous turn's options, else `text`."""
    if previous is None or not previous.options or previous.awaiting in _NUMERIC_SLOTS:
        return text
    for option in previous.options:
        if text.strip() == option.get("id"):
            return str(option.get("label", text))
    match = _NUMBER.match(text)
    if match is None:
        return text
    index = int(match.group(1))
    if 1 <= index <= len(previous.options):
        return str(previous.options[index - 1].get("label", text))
    return text
