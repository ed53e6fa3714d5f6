"""Slots the model offers, as the channel's `Option`s, from the last slot search.

The model names offered slots by id only; times and providers come from the tool's
own result (`get_available_slots`' SlotView), so a model cannot offer a time that was
never found, and an id it made up is dropped rather than shown. Labels are the
phrasebook's, the same the guided brain shows.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from referraldesk.conversation.phrasebook import short_slot_label
from referraldesk.conversation.turn import Option

SLOT_TOOL = "get_available_slots"
# Enough for any follow-up ("the third one", "the later Tuesday") without bloating the frame.
MAX_REMEMBERED_SLOTS = 30


def remembered_slots(data: dict[str, Any]) -> dict[str, dict[str, str]]:
    """What an Option needs of each slot in one get_available_slots result, by slot id."""
    found: dict[str, dict[str, str]] = {}
    for slot in (data.get("slots") or [])[:MAX_REMEMBERED_SLOTS]:
        found[slot["slot_id"]] = {
            "start": slot["start"],
            "provider": slot["provider_name"],
            "specialty": slot["specialty"],
        }
    return found


def offered_options(
    ids: tuple[str, ...], slots: dict[str, dict[str, str]], language: str
) -> list[Option]:
    """Options for the slot ids the model offered, in its order; unknown ids dropped."""
    return [
        _option(slot_id, slots[slot_id], language)
        for slot_id in dict.fromkeys(ids)
        if slot_id in slots
    ]


def _option(slot_id: str, slot: dict[str, str], language: str) -> Option:
    start = datetime.fromisoformat(slot["start"])
    return Option(
        id=slot_id,
        kind="slot",
        label=short_slot_label(start, slot["provider"], language),
        start=slot["start"],
        provider=slot["provider"],
        specialty=slot["specialty"],
    )
