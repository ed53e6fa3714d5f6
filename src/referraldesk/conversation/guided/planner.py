"""What to do next: the goal decides the flow; identity comes before any patient data.

`advance` moves the caller's goal forward from whatever the frame holds now, so facts
volunteered early are used and only what is missing is asked. `reask` puts the
current question again, in the current language, after a side answer (a question
about hours, a refusal) without moving the dialogue.
"""

from __future__ import annotations

from referraldesk.conversation.guided.flows import (
    book,
    cancel,
    decline,
    handoff,
    identify,
    info,
    register,
    reschedule,
    visits,
    wrapup,
)
from referraldesk.conversation.guided.frame import PATIENT_GOALS
from referraldesk.conversation.guided.step import Step

GOAL_OF_INTENT = {
    "book": "book",
    "new_patient": "register",
    "reschedule": "reschedule",
    "cancel": "cancel",
    "appointment_question": "appointments",
    "decline_referral": "decline",
}
# Goals a newer intent does not replace: a new patient who says "book" is still
# registering, and moving an appointment is a kind of booking.
_KEEPS = {("register", "book"), ("reschedule", "book"), ("book", "register")}


def update_goal(step: Step) -> None:
    """Take the goal the caller names; a named specialty alone means booking."""
    frame, heard = step.frame, step.heard
    if heard is None:
        return
    goal = GOAL_OF_INTENT.get(heard.intent or "")
    if goal == "register" and frame.verified:
        goal = "book"
    if goal is None and frame.goal is None and heard.u.specialty:
        goal = "book"
    if goal is None or goal == frame.goal or (frame.goal, goal) in _KEEPS and not _new_caller(step):
        return
    frame.start_goal(goal)
    frame.awaiting = "none"
    if goal == "decline":
        decline.remember_why(step)


def _new_caller(step: Step) -> bool:
    return (
        step.frame.goal == "book"
        and not step.frame.verified
        and step.heard is not None
        and step.heard.intent == "new_patient"
    )


def advance(step: Step) -> None:
    """Move the frame's goal one step: ask what is missing, or act."""
    goal = step.frame.goal
    if goal is None:
        step.reply.ask("none", "ask.how_can_help")
        return
    if goal == "register":
        register.advance(step)
        return
    if goal in PATIENT_GOALS and not identify.advance(step):
        return
    {
        "book": book.advance,
        "reschedule": reschedule.advance,
        "cancel": cancel.advance,
        "appointments": visits.answer,
        "decline": decline.advance,
    }[goal](step)


def reask(step: Step) -> None:
    """Put the pending question again without counting it as asked once more."""
    frame, reply = step.frame, step.reply
    reply.resumed = True
    if frame.pending == "handoff":
        handoff.offer(step, frame.resume_awaiting or "none")
    elif frame.pending == "dob" and frame.dob:
        identify.confirm_dob(step)
    elif frame.pending == "slot" and frame.chosen:
        book.confirm(step, frame.chosen)
    elif frame.awaiting == "slot_choice" and frame.pending is None and frame.offered:
        book.reoffer(step)
    elif frame.awaiting == "anything_else":
        wrapup.ask_anything_else(step)
    elif frame.goal is None:
        reply.ask("none", "ask.how_can_help")
    else:
        advance(step)


def answer_topic(step: Step, topic: str) -> None:
    """Answer a side question, then go back to the goal or ask "anything else?"."""
    info.answer(step, topic)
    if step.frame.goal is not None and step.frame.awaiting not in ("none", "anything_else"):
        reask(step)
        return
    step.reply.conclude("answered", topic)
    step.frame.outcome = step.frame.outcome or "answered"
    wrapup.ask_anything_else(step)
