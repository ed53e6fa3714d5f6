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

from referraldesk.conversation.guided.frame import Frame
from referraldesk.conversation.guided.step import Step
from referraldesk.conversation.phrasebook import (
    join_words,
    say,
    short_slot_label,
    spoken_datetime,
    with_article,
)
from referraldesk.conversation.phrasebook.phrasebook import calendar
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
    use_window: bool = True,
) -> list[dict[str, Any]]:
    """Return new slots for the frame's preference, the caller's language first.

    The caller's days (or the span they named, "next week") bound the search;
    `date_from` replaces its start and `date_to` caps its end (an urgent referral's
    target date). `use_dates` / `use_window` False search without the caller's days /
    hours, for the earliest times that exist at all.
    """
    frame = step.frame
    wanted = offer_size(step.ctx.channel)
    base: dict[str, Any] = {"specialty": specialty, "limit": SEARCH_LIMIT}
    if frame.plan:
        base["plan"] = frame.plan
    if frame.window and use_window:
        base["windows"] = [frame.window]
    first, last = preferred_days(frame) if use_dates else (None, None)
    start = date_from or first
    end = min(day for day in (date_to, last) if day is not None) if date_to or last else None
    if start is not None:
        base["date_from"] = start.isoformat()
    if end is not None:
        base["date_to"] = end.isoformat()
    found: list[dict[str, Any]] = []
    spoken_by_provider = False
    for language in (frame.lang, None):
        arguments = dict(base, language=language) if language else base
        fresh = [slot for slot in _fetch(step, arguments) if slot["id"] not in frame.shown]
        found += [
            slot for slot in spread(fresh, wanted) if slot["id"] not in {s["id"] for s in found}
        ]
        found = found[:wanted]
        spoken_by_provider = spoken_by_provider or (language is not None and bool(found))
        if len(found) >= wanted:
            break
    if found and frame.lang != "en" and not spoken_by_provider:
        _note_language(step, found)
    return sorted(found, key=lambda slot: slot["start"])


def _note_language(step: Step, found: list[dict[str, Any]]) -> None:
    """Say that no provider with these openings speaks the caller's language."""
    names = list(dict.fromkeys(with_article(slot["provider"], step.lang) for slot in found))
    wanted = calendar(step.lang)["languages"].get(step.lang, step.lang)
    step.reply.say("offer.language_note", providers=join_words(names, step.lang), wanted=wanted)


def preferred_days(frame: Frame) -> tuple[date | None, date | None]:
    """The first and last day the caller asked for: their dates, else their span."""
    if frame.dates:
        days = sorted(date.fromisoformat(day) for day in frame.dates)
        return days[0], days[-1]
    if frame.date_range:
        return (
            date.fromisoformat(frame.date_range["start"]),
            date.fromisoformat(frame.date_range["end"]),
        )
    return None, None


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


def present(
    step: Step, slots: list[dict[str, Any]], *, intro: str = "offer.intro", **intro_params: object
) -> None:
    """Offer `slots`: options on every channel, read aloud briefly on voice."""
    frame, reply, lang = step.frame, step.reply, step.lang
    frame.offered = slots
    frame.shown = [*frame.shown, *(slot["id"] for slot in slots)]
    frame.chosen = None
    reply.fresh = True
    reply.options = [_option(slot, lang) for slot in slots]
    if step.ctx.channel == "voice":
        if intro != "offer.intro":
            reply.say(intro, **intro_params)
        read_aloud(step, slots)
        return
    listed = "\n".join(
        say("offer.item", lang, n=n, label=option.label)
        for n, option in enumerate(reply.options, 1)
    )
    reply.say(intro, **intro_params)
    reply.parts.append(listed)
    reply.ask("slot_choice", "offer.ask")


def read_aloud(step: Step, slots: list[dict[str, Any]]) -> None:
    """Say the offer on a call and ask which one: "I have Tuesday at 7:30 with ..."."""
    spoken = [_spoken_item(slot, step.lang) for slot in slots]
    step.reply.options = options_of(slots, step.lang)
    step.reply.ask("slot_choice", "offer.voice", slots=join_words(spoken, step.lang))


def heard_of_offer(step: Step) -> list[dict[str, Any]]:
    """The offered slots the caller heard in full.

    All of them, unless the caller spoke over the offer on a call: then only those
    read out before they cut in, so "the second one" cannot book a time never heard.
    """
    cut_off_at = step.ctx.extra.get("last_reply_heard")
    offered = step.frame.offered
    if cut_off_at is None or step.ctx.channel != "voice":
        return offered
    heard = _comparable(cut_off_at)
    return [slot for slot in offered if _comparable(_spoken_item(slot, step.lang)) in heard]


def offer_was_cut_off(step: Step) -> bool:
    return len(heard_of_offer(step)) < len(step.frame.offered)


def named_unheard(step: Step) -> bool:
    """Whether the caller named an offered slot they spoke over before hearing it."""
    if step.heard is None or not offer_was_cut_off(step):
        return False
    labels = [option.label for option in options_of(step.frame.offered, step.lang)]
    return choose_among(step, step.frame.offered, labels) is not None


def _spoken_item(slot: dict[str, Any], lang: str) -> str:
    return say("offer.spoken_item", lang, **describe(slot, lang))


def _comparable(text: str) -> str:
    # Speech engines report what was said with their own spacing and punctuation.
    return " ".join("".join(c if c.isalnum() else " " for c in text.casefold()).split())


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
    if step.heard is None:
        return None
    offered = heard_of_offer(step)
    if not offered:
        return None
    labels = [option.label for option in options_of(offered, step.lang)]
    return choose_among(step, offered, labels)


def choose_among(
    step: Step, offered: list[dict[str, Any]], labels: list[str] | None = None
) -> dict[str, Any] | None:
    """Return the item of `offered` (each with id and local ISO start) the caller named.

    `labels` are the options' labels as shown: a channel may send the label of the
    button pressed, or the runtime the label of the number typed.
    """
    assert step.heard is not None
    named = [
        dict(item, label=label) for item, label in zip(offered, labels or [], strict=False)
    ] or offered
    chosen_id = match_slot_choice(step.heard.text, named, step.lang, step.local_now())
    return next((item for item in offered if item["id"] == chosen_id), None)
