"""Offering open slots: the search, the labels, and reading which one the caller took.

A search asks the catalog for providers who speak the caller's language first and
fills up with the others, only in network for the caller's plan, inside the caller's
windows and, for an urgent referral, by its target date. Slots already offered in
this conversation are never offered again, so "none of those work" always brings
new times.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from referraldesk.conversation.guided.step import Step
from referraldesk.conversation.phrasebook import (
    join_words,
    say,
    short_slot_label,
    spoken_datetime,
    with_article,
)
from referraldesk.conversation.turn import Option
from referraldesk.understanding import match_slot_choice

VOICE_OFFER = 3
TEXT_OFFER = 5
# Slots asked of the catalog per search: enough to skip those already offered and to
# spread an offer over several days.
SEARCH_LIMIT = 20
# In a first pass an offer takes at most this many slots from one day.
PER_DAY = 2


def offer_size(channel: str) -> int:
    """Three slots are as many as a listener keeps in mind; a screen shows five."""
    return VOICE_OFFER if channel == "voice" else TEXT_OFFER


def search(
    step: Step,
    *,
    specialty: str,
    date_from: date | None = None,
    date_to: date | None = None,
    use_dates: bool = True,
) -> list[dict[str, Any]]:
    """Return new slots for the frame's preference, the caller's language first."""
    frame = step.frame
    wanted = offer_size(step.ctx.channel)
    base: dict[str, Any] = {"specialty": specialty, "limit": SEARCH_LIMIT}
    if frame.plan:
        base["plan"] = frame.plan
    if frame.window:
        base["windows"] = [frame.window]
    days = sorted(date.fromisoformat(d) for d in frame.dates) if use_dates else []
    start = date_from or (days[0] if days else None)
    end = date_to or (days[-1] if days else None)
    if start is not None:
        base["date_from"] = start.isoformat()
    if end is not None:
        base["date_to"] = end.isoformat()
    found: list[dict[str, Any]] = []
    for language in (frame.lang, None):
        arguments = dict(base, language=language) if language else base
        fresh = [slot for slot in _fetch(step, arguments) if slot["id"] not in frame.shown]
        found += [
            slot for slot in spread(fresh, wanted) if slot["id"] not in {s["id"] for s in found}
        ]
        found = found[:wanted]
        if len(found) >= wanted:
            break
    return sorted(found, key=lambda slot: slot["start"])


def spread(slots: list[dict[str, Any]], wanted: int) -> list[dict[str, Any]]:
    """Take `wanted` slots, earliest first, but no more than PER_DAY from one day while
    other days have room: a choice of days helps more than five times in one morning."""
    chosen: list[dict[str, Any]] = []
    per_day: dict[str, int] = {}
    for slot in slots:
        day = slot["start"][:10]
        if len(chosen) < wanted and per_day.get(day, 0) < PER_DAY:
            chosen.append(slot)
            per_day[day] = per_day.get(day, 0) + 1
    for slot in slots:
        if len(chosen) < wanted and slot not in chosen:
            chosen.append(slot)
    return sorted(chosen, key=lambda slot: slot["start"])


def _fetch(step: Step, arguments: dict[str, Any]) -> list[dict[str, Any]]:
    data = step.data("get_available_slots", **arguments)
    if not data:
        return []
    return [slot_view(raw) for raw in data.get("slots", [])]


def slot_view(raw: dict[str, Any]) -> dict[str, Any]:
    """A catalog slot as the frame keeps it: id, local ISO start, provider, site, specialty."""
    provider = raw.get("provider")
    if isinstance(provider, dict):
        provider_name, provider_id = provider.get("name", ""), provider.get("id")
        specialty = raw.get("specialty") or provider.get("specialty")
    else:
        provider_name, provider_id = (
            raw.get("provider_name") or provider or "",
            raw.get("provider_id"),
        )
        specialty = raw.get("specialty")
    location = raw.get("location")
    if isinstance(location, dict):
        location = location.get("name")
    return {
        "id": raw.get("slot_id") or raw["id"],
        "start": raw["start"],
        "provider": provider_name,
        "provider_id": provider_id,
        "location": location or raw.get("location_name") or "",
        "specialty": specialty,
    }


def present(step: Step, slots: list[dict[str, Any]], *, intro: str = "offer.intro") -> None:
    """Offer `slots`: options on every channel, read aloud briefly on voice."""
    frame, reply, lang = step.frame, step.reply, step.lang
    frame.offered = slots
    frame.shown = [*frame.shown, *(slot["id"] for slot in slots)]
    frame.chosen = None
    reply.fresh = True
    reply.options = [_option(slot, lang) for slot in slots]
    if step.ctx.channel == "voice":
        spoken = [say("offer.spoken_item", lang, **describe(slot, lang)) for slot in slots]
        if intro != "offer.intro":
            reply.say(intro)
        reply.ask("slot_choice", "offer.voice", slots=join_words(spoken, lang))
        return
    listed = "\n".join(
        say("offer.item", lang, n=n, label=option.label)
        for n, option in enumerate(reply.options, 1)
    )
    reply.say(intro)
    reply.parts.append(listed)
    reply.ask("slot_choice", "offer.ask")


def options_of(offered: list[dict[str, Any]], lang: str) -> list[Option]:
    return [_option(slot, lang) for slot in offered]


def _option(slot: dict[str, Any], lang: str) -> Option:
    start = datetime.fromisoformat(slot["start"])
    return Option(
        id=slot["id"],
        kind="slot",
        label=short_slot_label(start, slot["provider"], lang),
        start=slot["start"],
        provider=slot["provider"] or None,
        specialty=slot.get("specialty"),
    )


def describe(slot: dict[str, Any], lang: str) -> dict[str, str]:
    """The params a confirmation says a slot with: when, provider, location."""
    return {
        "when": spoken_datetime(datetime.fromisoformat(slot["start"]), lang),
        "provider": with_article(slot["provider"], lang),
        "location": slot["location"],
    }


def pick(step: Step) -> dict[str, Any] | None:
    """Return the offered slot the caller named ("the first", "Tuesday at 7:30"), or None."""
    frame, heard = step.frame, step.heard
    if heard is None or not frame.offered:
        return None
    return choose_among(step, frame.offered)


def choose_among(step: Step, offered: list[dict[str, Any]]) -> dict[str, Any] | None:
    """Return the item of `offered` (each with id and local ISO start) the caller named."""
    assert step.heard is not None
    chosen_id = match_slot_choice(step.heard.text, offered, step.lang, step.local_now())
    return next((item for item in offered if item["id"] == chosen_id), None)
