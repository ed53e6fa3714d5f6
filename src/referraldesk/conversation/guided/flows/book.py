"""Booking: the referral on file, the specialty, the caller's times, the offer, the booking.

Rescheduling shares everything after "which appointment": the same offer and the
same confirmation, and the commit moves the old appointment instead of adding one.
"""

from __future__ import annotations

from datetime import date
from typing import Any

from referraldesk.conversation.guided import slots
from referraldesk.conversation.guided.absorb import take_time_preference
from referraldesk.conversation.guided.flows import handoff, referral, wrapup
from referraldesk.conversation.guided.step import Step, error_code, tool_actions
from referraldesk.conversation.phrasebook import spoken_date


def advance(step: Step) -> None:
    """Ask for what booking still needs, or offer slots."""
    frame = step.frame
    if not frame.referrals_checked:
        referral.check(step)
    if not frame.specialty:
        step.reply.ask("specialty", "ask.specialty")
        return
    if not frame.has_time_preference:
        ask_time_preference(step)
        return
    offer(step)


def ask_time_preference(step: Step) -> None:
    frame = step.frame
    target = referral.target_date(frame)
    if target is not None and frame.awaiting != "time_preference":
        step.reply.say("referral.urgent", date=spoken_date(target, step.lang))
    if frame.offered or frame.awaiting == "time_preference":
        step.reply.ask("time_preference", "ask.time_preference.other")
    else:
        step.reply.ask("time_preference", "ask.time_preference")


def offer(step: Step) -> None:
    """Search and offer; when nothing fits, say so and ask for another preference."""
    frame = step.frame
    specialty = frame.specialty or ""
    target = referral.target_date(frame)
    found = slots.search(step, specialty=specialty, date_to=target)
    if found:
        slots.present(step, found, intro="offer.more" if frame.shown else "offer.intro")
        return
    if step.calendar_down:
        calendar_down(step)
        return
    if target is not None:
        _offer_by_target(step, target)
        return
    first_day, _ = slots.preferred_days(frame)
    if first_day is not None:
        nearby = slots.search(step, specialty=specialty, date_from=first_day, use_dates=False)
        if nearby:
            slots.present(step, nearby, intro="offer.nearest")
            return
    _nothing_fits(step)


def _offer_by_target(step: Step, target: date) -> None:
    """An urgent referral: the earliest times by its target date, whatever was asked;
    a person only when there are none at all."""
    frame = step.frame
    specialty = frame.specialty or ""
    earliest = slots.search(
        step, specialty=specialty, date_to=target, use_dates=False
    ) or slots.search(step, specialty=specialty, date_to=target, use_dates=False, use_window=False)
    said = spoken_date(target, step.lang)
    if earliest:
        first_day, _ = slots.preferred_days(frame)
        late = first_day is not None and first_day > target
        frame.clear_time_preference()
        intro = "offer.urgent_after_target" if late else "offer.urgent_earliest"
        slots.present(step, earliest, intro=intro, date=said)
        return
    handoff.transfer(
        step, "urgent referral, no slot in window", key="transfer.urgent", urgency="soon", date=said
    )


def calendar_down(step: Step) -> None:
    """The practice's calendar did not answer: staff call back to book; no time is promised."""
    handoff.transfer(
        step, "the practice calendar did not answer", key="transfer.calendar_down", urgency="soon"
    )


def _nothing_fits(step: Step) -> None:
    frame = step.frame
    if not frame.window and not frame.dates:
        handoff.transfer(step, "no open slots for the specialty", key="transfer.no_slots")
        return
    frame.clear_time_preference()
    step.reply.say("offer.none_fit")
    step.reply.ask("time_preference", "ask.time_preference.other")


def on_choice(step: Step) -> bool:
    """The caller answers an offer: a pick, "none of those", or a new preference."""
    heard, frame = step.heard, step.frame
    assert heard is not None
    chosen = slots.pick(step)
    if chosen is not None:
        confirm(step, chosen)
        return True
    if slots.named_unheard(step):
        # "The second one" of times they spoke over before hearing: read them out again.
        slots.read_aloud(step, frame.offered)
        return True
    if heard.has_time_facts and not heard.soonest:
        take_time_preference(step)
        offer(step)
        return True
    if heard.none_fit or heard.no:
        frame.clear_time_preference()
        step.reply.ask("time_preference", "ask.time_preference.other")
        return True
    heard_offer = slots.heard_of_offer(step)
    if heard.intent == "dont_know" or heard.soonest:
        confirm(step, frame.offered[0])
        return True
    if heard.yes and len(heard_offer) == 1:
        confirm(step, heard_offer[0])
        return True
    if slots.offer_was_cut_off(step):
        slots.read_aloud(step, frame.offered)
        return True
    step.reply.ask("slot_choice", "slot.choose_again")
    step.reply.options = slots.options_of(frame.offered, step.lang)
    return True


def reoffer(step: Step) -> None:
    """Put the same offer again (after a side question), in the current language."""
    step.reply.options = slots.options_of(step.frame.offered, step.lang)
    step.reply.ask("slot_choice", "offer.ask")


def confirm(step: Step, slot: dict[str, Any]) -> None:
    """Read the chosen slot back and ask before booking it."""
    frame = step.frame
    step.reply.fresh = slot["id"] != (frame.chosen or {}).get("id")
    frame.chosen = slot
    params = slots.describe(slot, step.lang)
    if frame.goal == "reschedule" and frame.appointment:
        step.reply.ask("confirm", "confirm.reschedule", pending="slot", **params)
    else:
        step.reply.ask("confirm", "confirm.slot", pending="slot", **params)


def on_confirm(step: Step) -> bool:
    """The caller answers "shall I book it?"."""
    heard, frame = step.heard, step.frame
    assert heard is not None
    if heard.yes and frame.chosen:
        commit(step)
        return True
    other = slots.pick(step)
    if other is not None and other["id"] != (frame.chosen or {}).get("id"):
        confirm(step, other)
        return True
    if heard.has_time_facts and not heard.yes:
        take_time_preference(step)
        offer(step)
        return True
    if heard.no:
        frame.chosen = None
        frame.clear_time_preference()
        step.reply.ask("time_preference", "ask.time_preference.other")
        return True
    if frame.chosen:
        confirm(step, frame.chosen)
        return True
    return False


def commit(step: Step) -> None:
    """Book (or move to) the chosen slot, read it back, text a confirmation."""
    frame = step.frame
    slot = frame.chosen or {}
    if frame.goal == "reschedule" and frame.appointment:
        outcome = step.call(
            "reschedule_appointment", appointment_id=frame.appointment["id"], slot_id=slot["id"]
        )
        done, key = "rescheduled", "rescheduled"
    else:
        arguments: dict[str, Any] = {"slot_id": slot["id"]}
        if frame.referral:
            arguments["referral_id"] = frame.referral["id"]
        outcome = step.call("schedule_appointment", **arguments)
        done, key = "booked", "booked"
    if not outcome.ok:
        _commit_failed(step, error_code(outcome))
        return
    appointment = (outcome.data or {}).get("appointment", outcome.data or {})
    step.reply.say(key, **slots.describe(slot, step.lang))
    _send_confirmation(step, appointment.get("id"))
    step.reply.conclude(done, frame.referral["id"] if frame.referral else None)
    frame.outcome = done
    frame.chosen = None
    frame.offered = []
    wrapup.ask_anything_else(step)


def _send_confirmation(step: Step, appointment_id: str | None) -> None:
    if not appointment_id:
        return
    outcome = step.call("send_confirmation", appointment_id=appointment_id)
    texts = [action for action in tool_actions(outcome) if action.get("type") == "send_sms"]
    for action in texts:
        step.reply.act("send_sms", to=action.get("to"), body=action.get("body"))
    if texts:
        step.reply.say("confirmation.sms")


def _commit_failed(step: Step, code: str | None) -> None:
    frame = step.frame
    frame.chosen = None
    if code in ("slot_taken", "conflict"):
        step.reply.say("booking.taken")
        offer(step)
        return
    if code == "unavailable":
        calendar_down(step)
        return
    handoff.transfer(
        step, f"booking failed: {code or 'unknown error'}", key="transfer.booking_failed"
    )
