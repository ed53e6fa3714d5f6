"""Handoff tools: reach a person, and text the patient a booking confirmation.

Both only describe what the channel must do (an action); the channel transfers the
call or sends the text. transfer_to_staff needs no verified caller: anyone can
always reach a person.
"""

from __future__ import annotations

from typing import Any, Literal

from pydantic import Field
from sqlalchemy import select
from sqlalchemy.orm import Session

from referraldesk.errors import InvalidArgument, NotFound, OptedOut
from referraldesk.models import Consent, Patient, Practice, StaffTask
from referraldesk.patients.phones import normalize_phone
from referraldesk.tools import access, recording
from referraldesk.tools.contract import (
    AGENT_ROLE,
    STAFF_ROLES,
    PatientArgs,
    ToolArgs,
    ToolContext,
    ToolOutput,
)
from referraldesk.tools.formatting import local
from referraldesk.tools.messages import confirmation_text
from referraldesk.tools.registry import tool


class TransferArgs(ToolArgs):
    reason: str = Field(
        min_length=1,
        max_length=200,
        description="Why a person is needed, in a few words (shown in the staff worklist).",
    )
    urgency: Literal["routine", "soon", "urgent"] = Field(
        description="routine: today is fine; soon: within the hour; urgent: at once."
    )
    summary: str = Field(
        min_length=1,
        max_length=2000,
        description="What the caller wants and what was done so far, for the person taking over.",
    )
    callback_phone: str | None = Field(
        default=None,
        description="Number to call back, any format; null: the number the caller is using.",
    )


class Transferred(ToolOutput):
    task_id: str
    urgency: str
    staff_phone: str | None
    callback_phone: str | None

    def actions(self) -> list[dict[str, Any]]:
        return [
            {
                "type": "transfer",
                "reason": "staff_requested",
                "task_id": self.task_id,
                "urgency": self.urgency,
                "to": self.staff_phone,
            }
        ]


class ConfirmationArgs(PatientArgs):
    appointment_id: str = Field(description="Id of the booked appointment to confirm by text.")


class Confirmation(ToolOutput):
    to: str
    body: str
    language: str

    def actions(self) -> list[dict[str, Any]]:
        return [{"type": "send_sms", "to": self.to, "body": self.body}]


@tool(roles=frozenset({AGENT_ROLE, *STAFF_ROLES}), writes=True)
def transfer_to_staff(session: Session, ctx: ToolContext, args: TransferArgs) -> Transferred:
    """Hand the caller to a person: opens a task in the staff worklist with the reason,
    urgency and a summary, and asks the channel to transfer (voice) or to promise a
    call back (text, chat). Works before verification; use it whenever the caller asks
    for a person or the agent cannot help."""
    practice = session.scalar(select(Practice).limit(1))
    callback = _callback_phone(args.callback_phone, ctx.caller_phone)
    task = StaffTask(
        kind="transfer",
        conversation_id=ctx.conversation_id,
        patient_id=ctx.verified_patient_id,
        reason=args.reason,
        urgency=args.urgency,
        summary=args.summary,
        callback_phone=callback,
        created_at=ctx.now(),
    )
    session.add(task)
    session.flush()
    if task.patient_id is not None:
        recording.audit(session, ctx, "create", "staff_task", task.id, patient_id=task.patient_id)
    return Transferred(
        task_id=task.id,
        urgency=task.urgency,
        callback_phone=callback,
        staff_phone=practice.staff_phone if practice else None,
    )


@tool()
def send_confirmation(session: Session, ctx: ToolContext, args: ConfirmationArgs) -> Confirmation:
    """Build the text message confirming a booked appointment, in the patient's
    language, for the channel to send to the phone on file (a send_sms action). The
    text names only the first name, date, time and site. Fails with opted_out when
    the patient declined texts."""
    patient = access.subject_patient(session, ctx, args)
    appointment = access.owned_appointment(session, patient, args.appointment_id)
    if appointment.status != "booked":
        raise InvalidArgument(
            f"appointment {appointment.id!r} is {appointment.status}, not booked; only a "
            "booked appointment is confirmed",
            field="appointment_id",
        )
    _check_texts_allowed(patient)
    phone = _mobile(patient)
    language = patient.preferred_language or ctx.language
    practice = session.scalar(select(Practice).limit(1))
    body = confirmation_text(
        practice=practice.name if practice else "",
        first_name=patient.given_names.split()[0],
        local_start=local(appointment.start_at, appointment.timezone),
        site=appointment.location.name,
        language=language,
    )
    recording.audit(
        session,
        ctx,
        "read",
        "appointment",
        appointment.id,
        patient_id=patient.id,
        reason="booking confirmation text",
    )
    return Confirmation(to=phone, body=body, language=language)


def _callback_phone(given: str | None, caller_phone: str | None) -> str | None:
    return normalize_phone(given) if given else caller_phone


def _check_texts_allowed(patient: Patient) -> None:
    texts: list[Consent] = [c for c in patient.consents if c.kind == "texts"]
    if texts and not texts[-1].granted:
        raise OptedOut(
            "the patient opted out of text messages; confirm by voice instead",
            hint="Read the date, time and site to the caller instead of texting.",
        )


def _mobile(patient: Patient) -> str:
    mobiles = [p for p in patient.phones if p.kind == "mobile"]
    chosen = next((p for p in mobiles if p.is_primary), mobiles[0] if mobiles else None)
    if chosen is None:
        raise NotFound(
            "the patient has no mobile number on file to text",
            hint="Confirm by voice, or ask staff to add a mobile number.",
        )
    return chosen.e164
