"""Consent to automated outreach taken from a referral, as far as the practice allows.

A referral carries the phone number the patient gave their own provider for their
care. Under the TCPA, calls about the patient's treatment to a number given to a
healthcare provider are usually covered by that (the FCC's 2015 declaratory ruling
on HIPAA-covered healthcare calls); texts are held to more in practice, since
carriers' messaging rules (CTIA, 10DLC registration) ask for an explicit opt-in.
DESIGN.md leaves the choice to the practice, so the practice file sets it under
`policy.outreach.consent_from_referral`:

- `calls` (the default): automated calls only; texts wait for the patient's own yes;
- `calls_and_texts`: both, when the practice's counsel says texts are covered too;
- `none`: nothing from referrals; staff or the patient record every consent.

A consent of a kind already on file, given or withdrawn, is never overridden: a
patient who said STOP stays stopped whatever later referrals say. Nor is a number
that said it: a patient newly on file with a number that texted STOP, or asked on a
call from it not to be called, gets no consent of that kind from a referral (the
TCPA protects the number's subscriber, whoever the record is for), until a call or
text from the number gives that kind back (a START texted from it). Staff or the
patient may still record one.
"""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session, selectinload

from referraldesk.audit.trail import Actor
from referraldesk.db.encrypted import blind_match
from referraldesk.models import Consent, Conversation, Patient
from referraldesk.patients.consents import OUTREACH_KINDS, record_consent
from referraldesk.practice.policy import current_policy

SOURCE = "referral"
KINDS_BY_CHOICE: dict[str, tuple[str, ...]] = {
    "none": (),
    "calls": ("automated_calls",),
    "calls_and_texts": ("automated_calls", "texts"),
}


def kinds_from_referral(session: Session) -> tuple[str, ...]:
    """The consent kinds a referral gives under the practice's policy."""
    return KINDS_BY_CHOICE[current_policy(session).outreach.consent_from_referral]


def consent_from_referral(
    session: Session, actor: Actor, patient: Patient, referral_id: str
) -> list[Consent]:
    """Record the consents the referral gives the patient: kinds not on file, and not
    withdrawn from one of the patient's numbers for another record."""
    on_file = {consent.kind for consent in patient.consents}
    stopped = stopped_by_the_number(session, patient)
    return [
        record_consent(
            session, actor, patient.id, kind, True, SOURCE, note=f"referral {referral_id}"
        )
        for kind in kinds_from_referral(session)
        if kind not in on_file and kind not in stopped
    ]


def stopped_by_the_number(session: Session, patient: Patient) -> set[str]:
    """The outreach kinds a caller on one of the patient's numbers withdrew, from that
    number, for another patient (the withdrawal still in force, and not
    reversed since by a call or text from the number: a START turns texts back on)."""
    stopped: set[str] = set()
    for phone in patient.phones:
        said_there = _said_from(session, phone.e164, other_than=patient.id)
        for consent in sorted(said_there, key=lambda c: c.recorded_at):
            if consent.granted:
                stopped.discard(consent.kind)
            elif _in_force(consent):
                stopped.add(consent.kind)
    return stopped


def _said_from(session: Session, e164: str, *, other_than: str) -> list[Consent]:
    """Outreach consents given or withdrawn in a call or text from that number, for the
    active patients other than `other_than` (one query, however many share the number:
    a clinic's main line or a labor contractor's phone may be on hundreds of records)."""
    return list(
        session.scalars(
            select(Consent)
            .join(Conversation, Conversation.id == Consent.conversation_id)
            .join(Patient, Patient.id == Consent.patient_id)
            .where(
                blind_match(Conversation.caller_phone_index, "phone", e164),
                Consent.kind.in_(OUTREACH_KINDS),
                Consent.patient_id != other_than,
                Patient.status == "active",
            )
            .options(selectinload(Consent.patient).selectinload(Patient.consents))
        )
    )


def _in_force(consent: Consent) -> bool:
    """Whether the consent is its patient's latest of its kind."""
    latest = max(
        (c for c in consent.patient.consents if c.kind == consent.kind),
        key=lambda c: c.recorded_at,
    )
    return latest.id == consent.id
