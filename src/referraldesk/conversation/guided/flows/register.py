"""New patients: name, date of birth, phone, plan, specialty and reason, then the record.

The catalog registers without verifying, so the new record is verified at once with
`lookup_patient` on the same name and date of birth; booking goes on from there.
"""

from __future__ import annotations

from referraldesk.conversation.guided.flows import book, handoff, identify
from referraldesk.conversation.guided.step import Step, error_code
from referraldesk.conversation.phrasebook import join_words

# The plan name the catalog takes for a caller without insurance.
SELF_PAY = "self pay"


def advance(step: Step) -> None:
    """Ask for what registration still needs, or register and go on to booking."""
    if step.frame.verified:
        step.frame.goal = "book"
        book.advance(step)
        return
    if not _asked_what_is_missing(step):
        _register(step)


def _asked_what_is_missing(step: Step) -> bool:
    """Ask the first thing registration lacks; False when nothing is missing."""
    frame, reply, heard = step.frame, step.reply, step.heard
    if not frame.given:
        reply.ask("name", "register.ask_name")
    elif not frame.surnames:
        reply.ask("name", "ask.surnames", given=frame.given)
    elif not frame.dob:
        reply.ask("dob", "register.ask_dob")
    elif not frame.dob_confirmed:
        identify.confirm_dob(step)
    elif not frame.phone:
        invalid = heard is not None and heard.u.phone_invalid
        reply.ask("phone", "ask.phone.invalid" if invalid else "ask.phone")
    elif not frame.plan and not frame.plan_unknown:
        _ask_plan(step)
    elif not frame.specialty:
        reply.ask("specialty", "ask.specialty")
    elif frame.reason is None and not frame.reason_asked:
        reply.ask("reason", "ask.reason.again" if frame.reason_retried else "ask.reason")
    else:
        return False
    return True


def _ask_plan(step: Step) -> None:
    candidates = step.frame.plan_candidates
    if len(candidates) > 1:
        step.reply.ask("plan", "ask.plan.which", choices=join_words(candidates, step.lang, "or"))
        return
    step.reply.ask("plan", "ask.plan")


def _register(step: Step) -> None:
    frame = step.frame
    outcome = step.call(
        "create_new_patient",
        given_names=frame.given,
        surnames=frame.surnames[:2],
        dob=frame.dob,
        phone=frame.phone,
        preferred_language=frame.lang,
        plan=frame.plan or SELF_PAY,
    )
    code = None if outcome.ok else error_code(outcome)
    if outcome.ok or code == "duplicate":
        _verify_new_record(step, already=code == "duplicate")
        return
    field = getattr(outcome.error, "field", None)
    if code == "invalid_argument" and field == "phone":
        frame.phone = None
        step.reply.ask("phone", "ask.phone.invalid")
        return
    if code in ("not_found", "ambiguous") and field == "plan":
        frame.plan = None
        step.reply.ask("plan", "ask.plan.again")
        return
    handoff.transfer(
        step, f"registration failed: {code or 'unknown error'}", key="transfer.register_failed"
    )


def _verify_new_record(step: Step, *, already: bool) -> None:
    frame = step.frame
    step.reply.say("register.already" if already else "register.done")
    outcome = step.call(
        "lookup_patient", given_names=frame.given, surnames=frame.surnames[:2], dob=frame.dob
    )
    if not outcome.ok or not outcome.data:
        handoff.transfer(step, "new record could not be verified", key="transfer.register_failed")
        return
    frame.verified = True
    frame.patient_id = outcome.data.get("patient_id")
    frame.plan = frame.plan or outcome.data.get("plan")
    # A brand-new record has no referral; a record that existed already may.
    frame.referrals_checked = not already
    frame.goal = "book"
    book.advance(step)
