"""Opt-outs a patient asks the front desk for: outreach (calls and texts) and non-care use.

They are consent withdrawals, the same records a STOP text, "no me llamen" on a call or
a chat opt-out leave through the `record_consent` tool: every channel ends up in
`patients.consents.record_consent`, and outreach reads the consents in force at the
moment of each round, so an opt-out from any door stops calls and texts at once.
"""

from __future__ import annotations

from sqlalchemy.orm import Session

from referraldesk.audit import trail
from referraldesk.audit.trail import Actor
from referraldesk.errors import InvalidArgument
from referraldesk.models import Consent
from referraldesk.patients import consents
from referraldesk.rights.identifiers import refuse_patient_details
from referraldesk.rights.permissions import authorize, required_reason
from referraldesk.rights.requests import complete_request, open_request_of, subject


def opt_out(
    session: Session,
    actor: Actor,
    patient_id: str,
    *,
    reason: str,
    outreach: bool = True,
    non_care_use: bool = True,
) -> list[Consent]:
    """Withdraw outreach and/or non-care use for the patient; answers an open opt-out request."""
    authorize(actor, "opt_out")
    why = required_reason(reason)
    if not (outreach or non_care_use):
        raise InvalidArgument("choose what to opt out of: outreach, non-care use or both",
                              field="outreach")
    patient = subject(session, patient_id)
    refuse_patient_details(why, patient, "reason")

    recorded: list[Consent] = []
    if outreach:
        recorded += consents.opt_out_everywhere(session, actor, patient.id, "staff")
    if non_care_use:
        recorded.append(consents.record_consent(
            session, actor, patient.id, "non_care_use", False, "staff"))
    kinds = ", ".join(consent.kind for consent in recorded)
    trail.record(session, actor, "opt_out", "patient", patient.id, patient_id=patient.id,
                 reason=f"{why} ({kinds} withdrawn)")
    request = open_request_of(session, patient.id, "opt_out")
    if request is not None:
        complete_request(session, actor, request.id)
    return recorded
