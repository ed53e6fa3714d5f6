"""Who is calling: full name and date of birth, then `lookup_patient`.

Nothing about a patient is read before this succeeds. A failed lookup never says
which part did not match; the third failure hands the caller to a person.
"""

from __future__ import annotations

from datetime import date

from referraldesk.conversation.guided.flows import handoff
from referraldesk.conversation.guided.step import Step, error_code
from referraldesk.conversation.phrasebook import long_date

MAX_FAILED_VERIFICATIONS = 3


def advance(step: Step) -> bool:
    """Ask for what identity still needs, or verify; True once the caller is verified."""
    frame = step.frame
    if frame.verified:
        return True
    if not frame.given:
        step.reply.ask("name", "ask.name")
        return False
    if not frame.surnames:
        step.reply.ask("name", "ask.surnames", given=frame.given)
        return False
    if not frame.dob:
        step.reply.ask("dob", "ask.dob")
        return False
    if not frame.dob_confirmed:
        confirm_dob(step)
        return False
    return verify(step)


def confirm_dob(step: Step) -> None:
    said = long_date(date.fromisoformat(step.frame.dob or ""), step.lang)
    step.reply.ask("confirm", "confirm.dob", pending="dob", dob=said)


def verify(step: Step) -> bool:
    frame = step.frame
    outcome = step.call(
        "lookup_patient", given_names=frame.given, surnames=frame.surnames[:2], dob=frame.dob
    )
    if outcome.ok and outcome.data:
        frame.verified = True
        frame.patient_id = outcome.data.get("patient_id")
        frame.plan = frame.plan or outcome.data.get("plan")
        step.reply.say("verify.ok")
        return True
    if error_code(outcome) == "ambiguous":
        handoff.transfer(step, "identity ambiguous", key="transfer.verify")
        return False
    return _failed(step)


def _failed(step: Step) -> bool:
    frame = step.frame
    counted = int(step.ctx.extra.get("failed_verifications", 0) or 0)
    frame.failed_verifications = max(frame.failed_verifications, counted) + 1
    frame.forget_identity()
    if frame.failed_verifications >= MAX_FAILED_VERIFICATIONS:
        handoff.transfer(step, "identity not verified", key="transfer.verify")
        return False
    step.reply.ask("name", "verify.failed")
    return False


def on_dob_confirm(step: Step) -> bool:
    """The caller answers "is the date of birth April 3, 1985?"; the planner goes on."""
    frame, heard = step.frame, step.heard
    assert heard is not None
    if heard.u.dob:
        take_dob(step)
    elif heard.yes or heard.no and _corrected_day(step):
        frame.dob_confirmed = True
    elif heard.no and frame.dob_alternative:
        frame.dob, frame.dob_alternative = frame.dob_alternative, None
    elif heard.no:
        frame.dob = None
    return False


def take_dob(step: Step) -> None:
    """Keep the date of birth just heard; an ambiguous one is read back before use."""
    heard = step.heard
    assert heard is not None
    step.frame.dob = heard.u.dob
    step.frame.dob_alternative = heard.u.dob_alternative
    step.frame.dob_confirmed = not heard.u.dob_ambiguous


def _corrected_day(step: Step) -> bool:
    """ "No, the 4th": keep the month and year, take the new day."""
    heard, frame = step.heard, step.frame
    if heard is None or not frame.dob or len(heard.dates) != 1:
        return False
    old = date.fromisoformat(frame.dob)
    try:
        frame.dob = old.replace(day=heard.dates[0].day).isoformat()
    except ValueError:
        return False
    return True
