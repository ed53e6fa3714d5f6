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

from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from referraldesk.audit.trail import Actor
from referraldesk.logging import get_logger
from referraldesk.models import Consent, Patient, Practice
from referraldesk.patients.consents import record_consent

log = get_logger(__name__)

SOURCE = "referral"
DEFAULT_CHOICE = "calls"
KINDS_BY_CHOICE: dict[str, tuple[str, ...]] = {
    "none": (),
    "calls": ("automated_calls",),
    "calls_and_texts": ("automated_calls", "texts"),
}


def kinds_from_referral(session: Session) -> tuple[str, ...]:
    """The consent kinds a referral gives under the practice's policy."""
    policy: dict[str, Any] = session.scalar(select(Practice.policy).limit(1)) or {}
    outreach = policy.get("outreach")
    choice = (outreach if isinstance(outreach, dict) else {}).get(
        "consent_from_referral", DEFAULT_CHOICE
    )
    if choice not in KINDS_BY_CHOICE:
        # The practice file's schema refuses other values; a hand-edited row must not
        # start automatic calls, so anything unknown gives nothing.
        log.warning("consent_from_referral_unknown", choice=str(choice)[:40])
        return ()
    return KINDS_BY_CHOICE[choice]


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
