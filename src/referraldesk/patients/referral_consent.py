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
patient who said STOP stays stopped whatever later referrals say.
"""

from __future__ import annotations

from sqlalchemy.orm import Session

from referraldesk.audit.trail import Actor
from referraldesk.models import Consent, Patient
from referraldesk.patients.consents import record_consent
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
    """Record the consents the referral gives the patient, kinds not on file only."""
    on_file = {consent.kind for consent in patient.consents}
    return [
        record_consent(
            session, actor, patient.id, kind, True, SOURCE, note=f"referral {referral_id}"
        )
        for kind in kinds_from_referral(session)
        if kind not in on_file
    ]
