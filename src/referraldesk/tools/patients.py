"""Patient tools: verify the caller, find records by phone, register, insurance, consent.

`lookup_patient` is the only way a conversation becomes verified. Before that the
agent learns nothing about any patient: a failed lookup says only "no match" (never
which part was wrong, and always with the code `not_found` so the runtime can count
attempts), and a phone lookup says only whether the number is on file.
A match sets `ctx.verified_patient_id`; the conversation runtime copies it to the
conversation row (and to its turn), so this module never writes that row itself.
"""

from __future__ import annotations

from datetime import date
from typing import Literal

from pydantic import BaseModel, Field
from sqlalchemy.orm import Session

from referraldesk.errors import Duplicate, NotFound
from referraldesk.models import Patient
from referraldesk.patients import consents, identity
from referraldesk.patients import service as patient_service
from referraldesk.patients.schemas import parse_patient
from referraldesk.tools import access, recording
from referraldesk.tools.contract import PatientArgs, ToolArgs, ToolContext, ToolOutput
from referraldesk.tools.registry import tool
from referraldesk.tools.windows import WindowArg

_NAME = "Given name(s) exactly as the caller says them, e.g. 'María José'."
_SURNAMES = "One or two surnames in the caller's order, e.g. ['Pérez', 'Núñez']."
_SOURCES = {"voice": "voice", "sms": "sms", "chat": "chat", "terminal": "chat"}
# Channels whose caller number came from the carrier on a signed webhook. A web chat's
# number is only what the visitor typed, so it cannot speak for that number's owner.
_CARRIER_CHANNELS = frozenset({"sms", "voice"})


class LookupPatientArgs(ToolArgs):
    given_names: str = Field(min_length=1, max_length=200, description=_NAME)
    surnames: list[str] = Field(min_length=1, max_length=2, description=_SURNAMES)
    dob: date = Field(description="Date of birth, YYYY-MM-DD.")


class PatientSummary(ToolOutput):
    patient_id: str
    first_name: str
    given_names: str
    surnames: list[str]
    preferred_language: str
    plan: str | None
    # Masked, "***-***-0143": enough to confirm which number, never to dial it.
    phones: list[str]


class LookupByPhoneArgs(ToolArgs):
    phone: str | None = Field(
        default=None,
        description="Phone number in any common format; null: the number the caller is using.",
    )


class PhoneMatches(ToolOutput):
    on_file: bool
    count: int
    # Staff and integrations only; always null for the agent, before or after verification.
    patients: list[PatientSummary] | None


class CreatePatientArgs(ToolArgs):
    given_names: str = Field(min_length=1, max_length=200, description=_NAME)
    surnames: list[str] = Field(min_length=1, max_length=2, description=_SURNAMES)
    dob: date = Field(description="Date of birth, YYYY-MM-DD.")
    phone: str | None = Field(
        default=None, description="Phone number, any format; null: the number the caller is using."
    )
    preferred_language: Literal["en", "es"] | None = Field(
        default=None, description="en or es; null: the conversation's language."
    )
    plan: str = Field(
        min_length=1,
        max_length=200,
        description="Insurance plan name as the caller says it (loosely matched); "
        "'self pay' when uninsured.",
    )
    member_id: str | None = Field(
        default=None, max_length=64, description="Plan member id; null: unknown."
    )
    contact_windows: list[WindowArg] | None = Field(
        default=None, description="When the patient can be reached; null: any time."
    )


class NewPatient(ToolOutput):
    patient_id: str
    verified: bool
    next_step: str


class InsuranceArgs(PatientArgs):
    """get_patient_insurance takes nothing beyond the patient it acts on."""


class CoverageView(BaseModel):
    plan_key: str
    plan_name: str
    payer: str
    kind: str
    is_primary: bool
    # The agent sees only the last four characters ("...1234").
    member_id: str | None
    valid_until: date | None


class Insurance(ToolOutput):
    coverages: list[CoverageView]


class ConsentArgs(PatientArgs):
    kinds: list[Literal["recording", "automated_calls", "texts"]] = Field(
        min_length=1,
        max_length=3,
        description="recording: of this call; automated_calls: reminder and outreach calls; "
        "texts: text messages.",
    )
    granted: bool = Field(description="true: the patient agrees; false: the patient opts out.")


class ConsentRecorded(ToolOutput):
    kinds: list[str]
    granted: bool
    # How many records changed: an unverified caller's opt-out applies to every
    # patient with the caller's number on file.
    patients_updated: int
    # Every consent now in force; null when the caller is not verified.
    in_force: dict[str, bool] | None


@tool()
def lookup_patient(session: Session, ctx: ToolContext, args: LookupPatientArgs) -> PatientSummary:
    """Verify the caller's identity by full name and date of birth. On a unique match
    the conversation is verified as that patient and a short summary is returned;
    every patient tool needs this first. not_found never says which part was wrong:
    ask the caller to repeat both. ambiguous: ask for the full name with both surnames."""
    patient = identity.find_patient(session, args.given_names, args.surnames, args.dob)
    ctx.verified_patient_id = patient.id
    recording.audit(
        session,
        ctx,
        "read",
        "patient",
        patient.id,
        patient_id=patient.id,
        reason="identity verified by name and date of birth",
    )
    return summary_of(patient)


@tool()
def lookup_patient_by_phone(
    session: Session, ctx: ToolContext, args: LookupByPhoneArgs
) -> PhoneMatches:
    """Say whether a phone number is on file and for how many patients. It does not
    verify anyone and, for the agent, never returns names: verify with lookup_patient."""
    phone = args.phone or ctx.caller_phone
    if phone is None:
        raise NotFound(
            "no phone number to look up: the caller's number is unknown",
            field="phone",
            hint="Ask the caller for their phone number.",
        )
    found = identity.find_by_phone(session, phone)
    shown = None
    if ctx.is_privileged:
        shown = [summary_of(patient) for patient in found]
        for patient in found:
            recording.audit(
                session,
                ctx,
                "read",
                "patient",
                patient.id,
                patient_id=patient.id,
                reason="lookup by phone",
            )
    # Not even the preferred language goes to the agent before verification: greeting
    # in it would tell whoever holds the phone something about the record.
    return PhoneMatches(on_file=bool(found), count=len(found), patients=shown)


@tool(writes=True)
def create_new_patient(session: Session, ctx: ToolContext, args: CreatePatientArgs) -> NewPatient:
    """Register a patient who is not on file yet. Fails with duplicate when the name
    and date of birth already match a patient (then use lookup_patient). Registering
    does not verify the caller: call lookup_patient with the same name and date of
    birth next."""
    phone = args.phone or ctx.caller_phone
    payload = {
        "given_names": args.given_names,
        "surnames": args.surnames,
        "dob": args.dob,
        "phone": phone or "",
        "preferred_language": args.preferred_language or ctx.language,
        "plan": args.plan,
        "member_id": args.member_id,
        "contact_windows": [w.as_understood() for w in args.contact_windows or []],
    }
    try:
        patient = patient_service.register_patient(session, ctx.actor, parse_patient(payload))
    except Duplicate as exc:
        if ctx.is_privileged:
            raise
        # The service's hint names the existing record's id; the agent gets the way in.
        raise Duplicate(
            exc.message,
            field=exc.field,
            hint="Verify the caller with lookup_patient using this name and date of birth.",
        ) from None
    return NewPatient(
        patient_id=patient.id,
        verified=False,
        next_step="Call lookup_patient with the same name and date of birth to continue.",
    )


@tool()
def get_patient_insurance(session: Session, ctx: ToolContext, args: InsuranceArgs) -> Insurance:
    """The verified patient's insurance on file: plan names, payer, kind (medi_cal,
    medicare, commercial, workers_comp, self_pay), which is primary, and the member id
    (last four characters only for the agent)."""
    patient = access.subject_patient(session, ctx, args)
    recording.audit(session, ctx, "read", "coverage", None, patient_id=patient.id)
    coverages = sorted(patient.coverages, key=lambda c: not c.is_primary)
    return Insurance(
        coverages=[
            CoverageView(
                plan_key=c.plan.key,
                plan_name=c.plan.name,
                payer=c.plan.payer,
                kind=c.plan.kind,
                is_primary=c.is_primary,
                member_id=_member_id(c.member_id, ctx),
                valid_until=c.valid_until,
            )
            for c in coverages
        ]
    )


@tool(writes=True)
def record_consent(session: Session, ctx: ToolContext, args: ConsentArgs) -> ConsentRecorded:
    """Record that the patient agrees to, or opts out of (granted false), call recording,
    automated calls or text messages. On a call or text, an opt-out from calls or texts
    is honoured even before verification, for every patient with the caller's number on
    file; anything else (and any change from a web chat) needs a verified caller.
    Returns the consents now in force when verified."""
    kinds: list[str] = list(dict.fromkeys(args.kinds))
    source = "staff" if ctx.is_privileged else _SOURCES.get(ctx.channel, "chat")
    opt_out_phone = _unverified_opt_out_phone(ctx, args)
    if opt_out_phone is not None:
        patients = identity.find_by_phone(session, opt_out_phone)
        for patient in patients:
            _record(session, ctx, patient, kinds, args.granted, source)
        return ConsentRecorded(
            kinds=kinds, granted=False, patients_updated=len(patients), in_force=None
        )
    patient = access.subject_patient(session, ctx, args)
    _record(session, ctx, patient, kinds, args.granted, source)
    return ConsentRecorded(
        kinds=kinds,
        granted=args.granted,
        patients_updated=1,
        in_force=consents.consents_in_force(patient),
    )


def summary_of(patient: Patient) -> PatientSummary:
    shown = patient_service.patient_summary(patient)
    return PatientSummary(
        patient_id=shown["id"],
        first_name=patient.given_names.split()[0],
        given_names=shown["given_names"],
        surnames=shown["surnames"],
        preferred_language=shown["preferred_language"],
        plan=shown["plan"],
        phones=shown["phones"],
    )


def _unverified_opt_out_phone(ctx: ToolContext, args: ConsentArgs) -> str | None:
    """The caller's number when this is an opt-out an unverified caller may make."""
    # Stopping contact must never wait on an identity check; it reveals nothing either.
    applies = (
        ctx.is_agent
        and ctx.channel in _CARRIER_CHANNELS
        and ctx.verified_patient_id is None
        and args.patient_id is None
        and not args.granted
        and set(args.kinds) <= set(consents.OUTREACH_KINDS)
    )
    return ctx.caller_phone if applies else None


def _record(
    session: Session,
    ctx: ToolContext,
    patient: Patient,
    kinds: list[str],
    granted: bool,
    source: str,
) -> None:
    for kind in kinds:
        consents.record_consent(
            session,
            ctx.actor,
            patient.id,
            kind,
            granted,
            source,
            conversation_id=ctx.conversation_id,
        )


def _member_id(member_id: str | None, ctx: ToolContext) -> str | None:
    if member_id is None or ctx.is_privileged:
        return member_id
    return "..." + member_id[-4:]
