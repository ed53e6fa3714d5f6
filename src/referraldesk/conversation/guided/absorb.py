"""Facts from the caller's message into the frame, whatever was asked.

Callers volunteer several facts at once and correct themselves ("no, Thursday"), so
every fact heard replaces the one held, except where it would be misread: dates
said while a date of birth is awaited are the birth date, not a visit preference,
and nothing about identity changes once the caller is verified.
"""

from __future__ import annotations

import re
from datetime import datetime, timedelta

from referraldesk.conversation.guided import guards
from referraldesk.conversation.guided.flows import identify
from referraldesk.conversation.guided.step import Step
from referraldesk.understanding.text import fold

# While these are awaited, dates and numbers in the answer are that answer.
_FACT_ANSWERS = frozenset({"name", "dob", "phone"})
# Offer and confirmation answers are read by their own handlers.
_CHOICE_ANSWERS = frozenset({"slot_choice", "confirm"})


def absorb(step: Step) -> None:
    """Copy every fact heard into the frame."""
    _name(step)
    if step.heard and step.heard.u.dob and not step.frame.verified:
        identify.take_dob(step)
    _phone(step)
    _plan(step)
    _specialty(step)
    _times(step)
    _reason(step)


def _name(step: Step) -> None:
    frame, heard = step.frame, step.heard
    if heard is None or frame.verified or not heard.u.name.given:
        return
    given, surnames = heard.u.name.given, list(heard.u.name.surnames)
    answering_surnames = frame.awaiting == "name" and frame.given and not frame.surnames
    if answering_surnames and fold(given) != fold(frame.given or ""):
        # "¿Y los apellidos?" - "Ramírez Cruz": every word is a surname.
        surnames = [*given.split(), *surnames][:2]
        given = frame.given or given
    frame.given = given
    frame.surnames = (
        surnames[:2] if surnames else ([] if not answering_surnames else frame.surnames)
    )


def _phone(step: Step) -> None:
    frame, heard = step.frame, step.heard
    if heard is None:
        return
    if heard.u.phone:
        frame.phone = heard.u.phone
        return
    caller = step.ctx.caller_phone
    same_number = guards.means_this_number(heard.text) or heard.yes or heard.intent == "dont_know"
    if frame.awaiting == "phone" and caller and same_number:
        frame.phone = caller


def _plan(step: Step) -> None:
    frame, heard = step.frame, step.heard
    if heard is None or (frame.verified and frame.plan):
        return
    if heard.u.plan:
        frame.plan, frame.plan_candidates = heard.u.plan, []
    elif heard.u.plan_candidates:
        frame.plan_candidates = list(heard.u.plan_candidates)
    elif frame.awaiting == "plan" and heard.intent == "dont_know":
        frame.plan_unknown = True


def _specialty(step: Step) -> None:
    frame, heard = step.frame, step.heard
    if heard is None or not heard.u.specialty or frame.referral or frame.appointment:
        return
    if frame.awaiting == "reason" and frame.specialty:
        return
    frame.specialty = heard.u.specialty


def _times(step: Step) -> None:
    frame, heard = step.frame, step.heard
    if heard is None or frame.awaiting in _FACT_ANSWERS or frame.awaiting in _CHOICE_ANSWERS:
        return
    if frame.goal in ("cancel", "reschedule") and frame.appointment is None:
        frame.appointment_dates = list(heard.u.dates)
        return
    if frame.awaiting == "time_preference" and heard.intent == "dont_know":
        frame.clear_time_preference()
        frame.any_time = True
        return
    if heard.has_time_facts:
        take_time_preference(step)


def take_time_preference(step: Step) -> None:
    """Replace the caller's time preference with what they just said."""
    frame, heard = step.frame, step.heard
    if heard is None:
        return
    kept_window = frame.window
    frame.clear_time_preference()
    frame.window = heard.window
    frame.dates = list(heard.u.dates)
    frame.date_range = heard.date_range if not frame.dates else None
    frame.any_time = heard.soonest
    if not frame.window and (frame.dates or frame.date_range) and not heard.times:
        # "No, Thursday": a new day keeps the hours already asked for.
        frame.window = kept_window
    if not frame.window and heard.times:
        # "At 5": around that time, from it to an hour after.
        start = heard.times[0]
        end = (datetime.combine(datetime.min, start) + timedelta(hours=1)).time()
        frame.window = {
            "after": start.strftime("%H:%M"),
            "before": end.strftime("%H:%M"),
            "weekdays": [],
        }


# "Physical therapy for my back": the words after these name the reason for the visit.
_VOLUNTEERED_REASON = re.compile(
    r"\b(?:for|because of|due to|por|para)\s+(?P<reason>(?:my|mi|mis|el|la|los|las|a|an|un|una)"
    r"\s+[^.?!]{3,})",
    re.IGNORECASE,
)
# Who the visit is for is not why: "for my son" is no reason.
_FAMILY = re.compile(
    r"^(?:my|mi|mis|a|an|un|una)\s+(?:son|daughter|child|kids?|baby|husband|wife|mom|mother|dad"
    r"|father|hij[oa]s?|nin[oa]s?|bebe|esposos?|esposa|mama|papa)\b",
    re.IGNORECASE,
)
# Answers that are no reason at all: a yes, a no, a sound.
_FILLER = re.compile(
    r"^(?:yes|yeah|yep|no|nope|ok(?:ay)?|sure|um+|uh+|hmm+|si|claro|bueno|pues|este|nada"
    r"|i don'?t know|no se)$"
)


def _reason(step: Step) -> None:
    frame, heard = step.frame, step.heard
    if heard is None:
        return
    if frame.awaiting != "reason":
        _volunteered_reason(step)
        return
    if heard.intent == "dont_know":
        frame.reason_asked = True
        return
    said = heard.text.strip()
    if heard.u.yes_no is not None or _FILLER.match(fold(said).strip(" .!?,")):
        # Asked once more, then let go: a visit is booked without a reason too.
        frame.reason_asked = frame.reason_retried
        frame.reason_retried = True
        return
    frame.reason_asked = True
    frame.reason = said[:500]


def _volunteered_reason(step: Step) -> None:
    """Keep "for my back" said with the specialty, so the question is not asked."""
    frame, heard = step.frame, step.heard
    if heard is None or frame.reason or not heard.u.specialty or frame.awaiting in _FACT_ANSWERS:
        return
    found = _VOLUNTEERED_REASON.search(heard.text)
    if found is None or _FAMILY.match(fold(found.group("reason"))):
        return
    frame.reason = found.group("reason").strip(" .,!?")[:500]
