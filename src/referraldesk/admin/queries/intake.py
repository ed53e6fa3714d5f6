"""The intake queue as staff work it, and a referral typed in from a fax."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from pydantic import ValidationError
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from referraldesk.audit.trail import Actor
from referraldesk.errors import InvalidArgument
from referraldesk.models import Referral, ReferringPractice, Specialty
from referraldesk.models.intake import FAILED, NEEDS_REVIEW, IntakeMessage
from referraldesk.patients.schemas import PatientIn
from referraldesk.patients.service import DuplicatePatient, register_patient
from referraldesk.referrals.schemas import ReferralIn
from referraldesk.referrals.service import create_referral

PAGE_SIZE = 50
# Stands in for the patient while the referral half of the form is checked.
_NOT_YET = "pending-patient"


def failed_page(session: Session, page: int = 1) -> tuple[list[IntakeMessage], int]:
    """Messages waiting for a person, oldest first, paged: failed ones (as
    `intake.queue.list_failed`) and PDFs whose fields a coordinator must confirm."""
    waiting = IntakeMessage.status.in_((FAILED, NEEDS_REVIEW))
    total = session.scalar(select(func.count()).select_from(IntakeMessage).where(waiting)) or 0
    rows = session.scalars(
        select(IntakeMessage).where(waiting)
        .order_by(IntakeMessage.received_at, IntakeMessage.id)
        .offset((max(page, 1) - 1) * PAGE_SIZE).limit(PAGE_SIZE)
    ).all()
    return list(rows), total


def form_choices(session: Session) -> dict[str, list[str]]:
    specialties = session.scalars(select(Specialty.label_en).order_by(Specialty.label_en)).all()
    practices = session.scalars(
        select(ReferringPractice.name).order_by(ReferringPractice.name)).all()
    return {"specialties": list(specialties), "practices": list(practices)}


@dataclass(frozen=True)
class FaxEntry:
    """What the fax form sends, split into the patient and the referral."""

    patient: dict[str, Any]
    referral: dict[str, Any]

    @classmethod
    def from_form(cls, form: Mapping[str, str]) -> FaxEntry:
        def text(name: str) -> str:
            return (form.get(name) or "").strip()

        surnames = [part for part in (text("surname1"), text("surname2")) if part]
        codes = [code for code in text("icd10").replace(";", ",").split(",") if code.strip()]
        patient = {"given_names": text("given_names"), "surnames": surnames, "dob": text("dob"),
                   "phone": text("phone"), "preferred_language": text("preferred_language") or "en",
                   "plan": text("plan"), "member_id": text("member_id") or None}
        referral = {"specialty": text("specialty"), "reason": text("reason"),
                    "urgency": text("urgency") or "routine",
                    "referring_practice": text("referring_practice"),
                    "referring_provider": text("referring_provider"),
                    "referring_npi": text("referring_npi") or None,
                    "icd10": [code.strip() for code in codes], "notes": text("notes") or None,
                    "placer_id": text("placer_id") or None}
        return cls(patient, referral)


def _problems(model: type[PatientIn] | type[ReferralIn], data: dict[str, Any],
              prefix: str) -> list[str]:
    try:
        model.model_validate(data)
    except ValidationError as exc:
        return [f"{prefix}{'.'.join(str(p) for p in e['loc']) or 'form'}: {e['msg']}"
                for e in exc.errors(include_url=False)]
    return []


def enter_fax_referral(session: Session, actor: Actor, entry: FaxEntry) -> Referral:
    """Take in a referral typed from a fax: find or register the patient, then the referral.

    Both halves are checked before anything is written, and every problem is
    reported at once (InvalidArgument, one line each). A patient already on file
    with the same name and date of birth is used as they are.
    """
    problems = _problems(PatientIn, entry.patient, "patient ")
    problems += _problems(ReferralIn, {**entry.referral, "patient_id": _NOT_YET}, "referral ")
    if problems:
        raise InvalidArgument("\n".join(problems), field="form")
    try:
        with session.begin_nested():
            patient_id = register_patient(session, actor, entry.patient,
                                          identity_confirmed=False).id
    except DuplicatePatient as exc:
        patient_id = exc.existing_id
    return create_referral(session, actor, {**entry.referral, "patient_id": patient_id},
                           source="staff")
