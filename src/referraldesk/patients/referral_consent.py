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
TCPA protects the number's subscriber, whoever the record is for). Staff or the
patient may still record one.
"""

from __future__ import annotations

from sqlalchemy.orm import Session

from referraldesk.audit.trail import Actor
from referraldesk.models import Consent, Conversation, Patient
from referraldesk.patients.consents import OUTREACH_KINDS, record_consent
from referraldesk.patients.identity import find_by_phone
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
    number, for another patient on file with it (the withdrawal still in force)."""
    stopped: set[str] = set()
    for phone in patient.phones:
        for other in find_by_phone(session, phone.e164):
            if other.id == patient.id:
                continue
            latest: dict[str, Consent] = {}
            for consent in sorted(other.consents, key=lambda c: c.recorded_at):
                latest[consent.kind] = consent
            stopped.update(
                kind
                for kind, consent in latest.items()
                if kind in OUTREACH_KINDS
                and not consent.granted
                and _said_from(session, consent, phone.e164)
            )
    return stopped


def _said_from(session: Session, consent: Consent, e164: str) -> bool:
    """Whether the consent was withdrawn in a call or text from that number."""
    if consent.conversation_id is None:
        return False
    conversation = session.get(Conversation, consent.conversation_id)
    return conversation is not None and conversation.caller_phone == e164
