"""Who a tool call may act on: the verified patient for the agent, any patient for staff.

Ids the agent hands a tool (appointments, referrals) must belong to its verified
patient; one that belongs to somebody else is reported as not found, exactly like an
id that does not exist, so the answer leaks nothing about other patients.
"""

from __future__ import annotations

from sqlalchemy.orm import Session

from referraldesk.errors import Forbidden, InvalidArgument, NotFound, NotVerified
from referraldesk.models import Appointment, Patient, Referral
from referraldesk.tools.contract import PatientArgs, ToolContext

NOT_VERIFIED_MESSAGE = (
    "the caller's identity is not verified in this conversation, so no patient data "
    "can be read or changed yet"
)


def subject_patient_id(ctx: ToolContext, args: PatientArgs) -> str:
    """The id of the patient this call acts on, or a refusal."""
    if ctx.is_agent:
        if ctx.verified_patient_id is None:
            raise NotVerified(NOT_VERIFIED_MESSAGE)
        if args.patient_id is not None:
            raise InvalidArgument(
                "patient_id is not an argument the agent may send: it acts only on the "
                "patient verified in this conversation; leave it out",
                field="patient_id",
            )
        return ctx.verified_patient_id
    if not ctx.is_privileged:
        raise Forbidden(f"role {ctx.actor.role!r} may not act on patients")
    patient_id = args.patient_id or ctx.verified_patient_id
    if patient_id is None:
        raise InvalidArgument(
            "patient_id is required: name the patient this call acts on", field="patient_id"
        )
    return patient_id


def subject_patient(session: Session, ctx: ToolContext, args: PatientArgs) -> Patient:
    patient_id = subject_patient_id(ctx, args)
    patient = session.get(Patient, patient_id)
    if patient is None or patient.status != "active":
        raise NotFound(f"no patient with id {patient_id!r}", field="patient_id")
    return patient


def owned_appointment(session: Session, patient: Patient, appointment_id: str) -> Appointment:
    appointment = session.get(Appointment, appointment_id)
    if appointment is None or appointment.patient_id != patient.id:
        raise NotFound(
            f"no appointment {appointment_id!r} for this patient",
            field="appointment_id",
            hint="List the patient's appointments with get_patient_appointments.",
        )
    return appointment


def owned_referral(session: Session, patient: Patient, referral_id: str) -> Referral:
    referral = session.get(Referral, referral_id)
    if referral is None or referral.patient_id != patient.id:
        raise NotFound(
            f"no referral {referral_id!r} for this patient",
            field="referral_id",
            hint="List the patient's referrals with get_patient_referrals.",
        )
    return referral
