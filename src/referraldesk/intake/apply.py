"""Applying what a message says: a new referral, a change to one, or a cancellation.

The same facts from any door end here, so HL7, FHIR, CSV and PDF referrals are
deduped, matched to patients and triaged the same way. The placer id (the referring
practice's own id for the referral) names the referral across messages: a second
message with the same id is the same referral, never a new one. The referring
practice is found by NPI, then by name (referrals/referrers.py).

A new referral gives its patient the outreach consents the practice's policy takes
from a referral (patients/referral_consent.py). A change of urgency restarts the
timely-access clock: the target is counted again from the message that asked for it.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from sqlalchemy import select
from sqlalchemy.orm import Session

from referraldesk.audit import trail
from referraldesk.audit.trail import Actor
from referraldesk.clock import now
from referraldesk.errors import Conflict, NotFound
from referraldesk.intake.facts import (
    CANCEL,
    MISSING,
    MODIFY,
    IntakeProblems,
    Problem,
    ReferralFacts,
)
from referraldesk.intake.patients import patient_for
from referraldesk.intake.specialties import SpecialtyChoice, resolve_specialty
from referraldesk.logging import get_logger
from referraldesk.models import Referral
from referraldesk.referrals.lifecycle import CANCELLED, TERMINAL
from referraldesk.referrals.referrers import find_referring_practice
from referraldesk.referrals.schemas import ReferralIn
from referraldesk.referrals.service import intake_referral, target_for, transition
from referraldesk.referrals.targets import URGENT

log = get_logger(__name__)

CREATED = "created"
DUPLICATE = "duplicate"
UPDATED = "updated"
CANCELLED_NOW = "cancelled"
UNCHANGED = "unchanged"
REASON_LIMIT = 4000
NO_PROVIDER = "not named in the message"
# While a referral has not been booked, a change may still move it to another specialty.
_SPECIALTY_MAY_CHANGE = frozenset({"received", "needs_info", "accepted", "contacting"})


@dataclass(frozen=True)
class Applied:
    """What a message did to which referral."""

    referral: Referral
    result: str
    patient_created: bool = False
    detail: str = ""

    def describe(self) -> str:
        """One line for the sender: what happened, the referral id and its status."""
        placer = f" (placer id {self.referral.placer_id})" if self.referral.placer_id else ""
        base = {
            CREATED: f"referral {self.referral.id}{placer} received",
            DUPLICATE: f"duplicate: referral {self.referral.id}{placer} is already on file",
            UPDATED: f"referral {self.referral.id}{placer} updated",
            CANCELLED_NOW: f"referral {self.referral.id}{placer} cancelled",
            UNCHANGED: f"referral {self.referral.id}{placer} unchanged",
        }[self.result]
        extra = f"; {self.detail}" if self.detail else ""
        return f"{base}, status {self.referral.status}{extra}"


def apply_facts(
    session: Session, actor: Actor, facts: ReferralFacts, *, source: str, message_id: str | None
) -> Applied:
    """Apply one message's facts; raises a DomainError (IntakeProblems among them)."""
    existing = referral_by_placer(
        session, facts.referring_practice, facts.placer_id, facts.referring_npi
    )
    if facts.action == CANCEL:
        return _cancel(session, actor, facts, existing, message_id)
    if facts.action == MODIFY and existing is not None:
        return _modify(session, actor, facts, existing)
    if existing is not None:
        trail.record(session, actor, "duplicate", "referral", existing.id,
                     patient_id=existing.patient_id,
                     reason=f"same placer id sent again (intake message {message_id})")
        log.info("intake_duplicate", referral_id=existing.id, intake_message_id=message_id)
        return Applied(existing, DUPLICATE)
    applied = _create(session, actor, facts, source=source, message_id=message_id)
    if facts.action == MODIFY:
        detail = "no earlier referral with this placer id, so it was taken in as new"
        return Applied(applied.referral, CREATED, applied.patient_created, detail)
    return applied


def referral_by_placer(
    session: Session, practice_name: str, placer_id: str | None, npi: str | None = None
) -> Referral | None:
    """The referral a practice (found by NPI, then by name) sent under `placer_id`."""
    if not placer_id:
        return None
    practice = find_referring_practice(session, practice_name, npi)
    if practice is None:
        return None
    return session.scalar(select(Referral).where(
        Referral.referring_practice_id == practice.id, Referral.placer_id == placer_id
    ))


def _create(session: Session, actor: Actor, facts: ReferralFacts, *, source: str,
            message_id: str | None) -> Applied:
    if facts.patient is None:
        raise IntakeProblems([Problem("patient", "a new referral needs its patient", MISSING)])
    choice = _specialty(session, facts)
    match = patient_for(session, actor, facts.patient)
    reason, notes = _reason_and_notes(facts, match.notes)
    referral_in = ReferralIn(
        patient_id=match.patient.id, specialty=choice.key, reason=reason, urgency=facts.urgency,
        referring_provider=facts.referring_provider or NO_PROVIDER,
        referring_practice=facts.referring_practice, referring_npi=facts.referring_npi,
        icd10=facts.icd10, notes=notes, placer_id=facts.placer_id,
        requested_provider_id=choice.provider_id,
        authorization_number=facts.authorization_number,
        authorization_from=facts.authorization_from,
        authorization_until=facts.authorization_until,
        authorization_required=facts.authorization_required,
    )
    result = intake_referral(session, actor, referral_in, source=source,
                             source_message_id=message_id)
    if result.created and (facts.window_start or facts.window_end):
        _keep_window(session, actor, result.referral, facts.window_start, facts.window_end)
    return Applied(result.referral, CREATED if result.created else DUPLICATE, match.created)


def _specialty(session: Session, facts: ReferralFacts) -> SpecialtyChoice:
    choice = resolve_specialty(session, facts.specialty)
    if choice is None:
        raise IntakeProblems([Problem(
            "specialty", "the message does not say which specialty is wanted; name it (PRD RT "
                         "in HL7 v2, ServiceRequest.code or performerType in FHIR)", MISSING)])
    return choice


def _reason_and_notes(facts: ReferralFacts, extra: list[str]) -> tuple[str, str | None]:
    notes = [*facts.notes, *extra]
    reason = facts.reason.strip()
    if len(reason) > REASON_LIMIT:
        notes.insert(0, f"Full reason for referral: {reason}")
        reason = reason[:REASON_LIMIT - 3] + "..."
    return reason, "\n\n".join(notes) or None


def _keep_window(session: Session, actor: Actor, referral: Referral,
                 start: date | None, end: date | None) -> None:
    # The referrer's own window wins over the timely-access default: the patient
    # was told "between these dates", and outreach works to that end date.
    referral.requested_from = start
    if end is not None:
        referral.target_date = end
    session.flush()
    trail.record(session, actor, "update", "referral", referral.id, patient_id=referral.patient_id,
                 reason="requested window from the referring practice")


def _modify(session: Session, actor: Actor, facts: ReferralFacts, referral: Referral) -> Applied:
    if referral.status in TERMINAL:
        raise Conflict(f"referral {referral.id} (placer id {referral.placer_id}) is "
                       f"{referral.status}; send a new referral instead of a change",
                       field="placer_id")
    changed = _changes(session, facts, referral)
    if not changed:
        return Applied(referral, UNCHANGED)
    session.flush()
    trail.record(session, actor, "update", "referral", referral.id, patient_id=referral.patient_id,
                 reason=f"changed by the referring practice: {', '.join(changed)}")
    return Applied(referral, UPDATED, detail=f"changed {', '.join(changed)}")


def _changes(session: Session, facts: ReferralFacts, referral: Referral) -> list[str]:
    reason, notes = _reason_and_notes(facts, [])
    wanted: dict[str, object] = {"urgency": facts.urgency}
    if reason:
        wanted["reason"] = reason
    if notes:
        wanted["notes"] = notes
    if facts.icd10:
        wanted["icd10"] = list(facts.icd10)
    wanted |= _authorization(facts)
    choice = resolve_specialty(session, facts.specialty)
    if choice is not None and referral.status in _SPECIALTY_MAY_CHANGE:
        wanted["specialty_key"] = choice.key
    changed = [name for name, value in wanted.items() if getattr(referral, name) != value]
    for name in changed:
        setattr(referral, name, wanted[name])
    return changed + _retarget(session, facts, referral, changed)


def _authorization(facts: ReferralFacts) -> dict[str, object]:
    # Only what the message says: a change that leaves authorization out keeps it.
    sent = {"authorization_number": facts.authorization_number,
            "authorization_from": facts.authorization_from,
            "authorization_until": facts.authorization_until}
    return {name: value for name, value in sent.items() if value is not None}


def _retarget(session: Session, facts: ReferralFacts, referral: Referral,
              changed: list[str]) -> list[str]:
    """Move the target date to what the change asks for; the names of what moved."""
    if facts.window_end:
        wanted = {"target_date": facts.window_end, "requested_from": facts.window_start}
    elif "urgency" in changed or ("authorization_number" in changed
                                  and referral.urgency == URGENT):
        # The referrer's window, if any, was asked for under the old terms. The clock
        # restarts at a change of urgency (this message is the new request); an
        # authorization arriving for an urgent referral (96 h instead of 48 h) keeps
        # counting from receipt.
        counted_from = now() if "urgency" in changed else referral.received_at
        required = facts.authorization_required
        if required is None:
            required = bool(referral.authorization_number)
        target = target_for(session, counted_from, referral.urgency,
                            authorization_required=required)
        wanted = {"target_date": target, "requested_from": None}
    else:
        return []
    moved = [name for name, value in wanted.items() if getattr(referral, name) != value]
    for name in moved:
        setattr(referral, name, wanted[name])
    return moved


def _cancel(session: Session, actor: Actor, facts: ReferralFacts, referral: Referral | None,
            message_id: str | None) -> Applied:
    if referral is None:
        raise NotFound(f"no referral from {facts.referring_practice} with placer id "
                       f"{facts.placer_id!r} to cancel; check the placer id", field="placer_id")
    if referral.status == CANCELLED:
        return Applied(referral, UNCHANGED, detail="it was already cancelled")
    if referral.status in TERMINAL:
        raise Conflict(f"referral {referral.id} is already {referral.status}; there is nothing "
                       "left to cancel", field="placer_id")
    transition(session, actor, referral, CANCELLED,
               reason=facts.change_reason or "cancelled by the referring practice",
               source_message_id=message_id)
    return Applied(referral, CANCELLED_NOW)
