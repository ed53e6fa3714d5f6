"""Cancelling: find the appointment, say which one it is, cancel only on a clear yes."""

from __future__ import annotations

from referraldesk.conversation.guided.flows import handoff, visits, wrapup
from referraldesk.conversation.guided.step import Step


def advance(step: Step) -> None:
    appointment = step.frame.appointment or visits.choose(step, which_key="cancel.which")
    if appointment is None:
        return
    step.reply.ask(
        "confirm", "cancel.confirm", pending="cancel", **visits.describe(appointment, step.lang)
    )


def on_confirm(step: Step) -> bool:
    """The caller answers "your dermatology appointment on ... — cancel it?"."""
    frame, heard = step.frame, step.heard
    assert heard is not None
    appointment = frame.appointment
    if appointment is None:
        return False
    if heard.yes:
        _cancel(step, appointment)
        return True
    if heard.no:
        frame.appointment = None
        step.reply.say("cancel.kept")
        wrapup.ask_anything_else(step)
        return True
    return False


def _cancel(step: Step, appointment: dict[str, object]) -> None:
    outcome = step.call(
        "cancel_appointment",
        appointment_id=appointment["id"],
        reason=f"caller asked by {step.ctx.channel}",
    )
    if not outcome.ok:
        handoff.transfer(step, "cancellation failed", key="transfer.booking_failed")
        return
    step.reply.say("cancel.done", **visits.describe(appointment, step.lang))
    step.reply.conclude("cancelled")
    step.frame.outcome = "cancelled"
    step.frame.appointment = None
    wrapup.ask_anything_else(step)
