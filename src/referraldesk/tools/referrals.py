"""Referral tools: what the referring provider asked for, and moving a referral along.

The agent may only record that the patient declines (contacting -> declined); every
other move is for staff, coordinators and integrations, and the referral service
refuses any move the lifecycle does not allow.
"""

from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel, Field
from sqlalchemy import select
from sqlalchemy.orm import Session

from referraldesk.errors import Forbidden
from referraldesk.models import Referral, Specialty
from referraldesk.referrals import service as referral_service
from referraldesk.referrals.lifecycle import DECLINED, LEAKAGE_REASONS, STATES, label
from referraldesk.tools import access, recording
from referraldesk.tools.contract import PatientArgs, ToolContext, ToolOutput
from referraldesk.tools.registry import tool

# What the agent may record on a referral by itself: the patient saying no.
AGENT_MOVES = frozenset({DECLINED})


class ReferralsArgs(PatientArgs):
    include_closed: bool | None = Field(
        default=None,
        description="true: also closed, cancelled and lost referrals; null: open ones only.",
    )


class ReferralView(BaseModel):
    id: str
    status: str
    status_label: str
    specialty: str
    specialty_label: str
    urgency: str
    target_date: str | None
    reason: str
    notes: str | None
    icd10: list[str]
    referring_provider: str | None
    referring_practice: str | None
    appointment_id: str | None
    received_at: str


class ReferralList(ToolOutput):
    referrals: list[ReferralView]


class UpdateReferralArgs(PatientArgs):
    referral_id: str = Field(description="Id of the referral, as get_patient_referrals returns it.")
    status: Literal[STATES] = Field(  # type: ignore[valid-type]
        description="The state to move to; only the lifecycle's next states are accepted."
    )
    reason: str | None = Field(
        default=None,
        max_length=500,
        description="Why, in a sentence, for the history; null: none given.",
    )
    leakage_reason: Literal[LEAKAGE_REASONS] | None = Field(  # type: ignore[valid-type]
        default=None,
        description="Required for rejected, declined, unreachable and expired; null otherwise.",
    )


class ReferralUpdated(ToolOutput):
    referral: ReferralView
    from_status: str


@tool()
def get_patient_referrals(session: Session, ctx: ToolContext, args: ReferralsArgs) -> ReferralList:
    """The verified patient's referrals, newest first: specialty, status, urgency and
    target date (YYYY-MM-DD, the date the visit should happen by), the referring
    provider's reason and notes. Open referrals only unless include_closed is true."""
    patient = access.subject_patient(session, ctx, args)
    if args.include_closed:
        found = list(
            session.scalars(
                select(Referral)
                .where(Referral.patient_id == patient.id)
                .order_by(Referral.received_at.desc(), Referral.id)
            )
        )
    else:
        found = referral_service.open_referrals(session, patient.id)
    recording.audit(session, ctx, "read", "referral", None, patient_id=patient.id)
    return ReferralList(referrals=[referral_view(session, r, ctx.language) for r in found])


@tool(writes=True)
def update_referral_status(
    session: Session, ctx: ToolContext, args: UpdateReferralArgs
) -> ReferralUpdated:
    """Move one of the verified patient's referrals to its next state (illegal_transition
    names the legal ones). The agent may only record that the patient declines
    (status declined, leakage_reason patient_declined)."""
    patient = access.subject_patient(session, ctx, args)
    referral = access.owned_referral(session, patient, args.referral_id)
    if ctx.is_agent and args.status not in AGENT_MOVES:
        raise Forbidden(
            f"the agent may not move a referral to {args.status!r}; it may only record that "
            "the patient declines (declined)",
            field="status",
            hint="Use transfer_to_staff for any other change.",
        )
    from_status = referral.status
    referral_service.transition(
        session,
        ctx.actor,
        referral,
        args.status,
        reason=args.reason,
        leakage_reason=args.leakage_reason,
    )
    return ReferralUpdated(
        referral=referral_view(session, referral, ctx.language), from_status=from_status
    )


def referral_view(session: Session, referral: Referral, language: str) -> ReferralView:
    summary: dict[str, Any] = referral_service.referral_summary(referral)
    specialty = session.get(Specialty, referral.specialty_key)
    specialty_label = referral.specialty_key
    if specialty is not None:
        specialty_label = specialty.label_es if language == "es" else specialty.label_en
    fields = {name: summary[name] for name in ReferralView.model_fields if name in summary}
    return ReferralView(
        **fields, status_label=label(referral.status), specialty_label=specialty_label
    )
