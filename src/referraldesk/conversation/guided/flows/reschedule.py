"""Rescheduling: find the appointment, then the same offer as booking; the commit moves it."""

from __future__ import annotations

from referraldesk.conversation.guided.flows import book, visits
from referraldesk.conversation.guided.step import Step


def advance(step: Step) -> None:
    frame = step.frame
    if frame.appointment is None:
        appointment = visits.choose(step, which_key="reschedule.which")
        if appointment is None:
            return
        step.reply.say("reschedule.found", **visits.describe(appointment, step.lang))
    # The new visit is with the same specialty; the referral check is not needed.
    frame.referrals_checked = True
    frame.specialty = (frame.appointment or {}).get("specialty") or frame.specialty
    if not frame.has_time_preference:
        book.ask_time_preference(step)
        return
    book.offer(step)
