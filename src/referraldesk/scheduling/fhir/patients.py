"""Who a booked FHIR Appointment is for: a Patient we hold, or one it carries.

A booking system sends the patient contained in the Appointment (name, birth date,
phone, and a contained Coverage naming the plan). We match by name and date of
birth as the agent does; a patient we have not met is registered, with the plan
the Coverage names or as self-pay.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy.orm import Session

from referraldesk.audit.trail import Actor
from referraldesk.errors import InvalidArgument, NotFound
from referraldesk.models import Patient
from referraldesk.patients.identity import find_patient
from referraldesk.patients.service import register_patient

Resource = dict[str, Any]
SELF_PAY = "self pay"


def patient_for_booking(session: Session, actor: Actor, appointment: Resource) -> Patient:
    reference = _patient_reference(appointment)
    if not reference.startswith("#"):
        patient = session.get(Patient, reference.removeprefix("Patient/"))
        if patient is None:
            raise NotFound(f"no {reference}", field="Appointment.participant.actor")
        return patient
    contained = _contained(appointment)
    given, family, dob = _identity(contained.get(reference[1:]))
    try:
        return find_patient(session, given, family, dob)
    except NotFound:
        return _register(session, actor, contained, reference[1:], given, family, dob)


def _register(
    session: Session,
    actor: Actor,
    contained: dict[str, Resource],
    patient_key: str,
    given: str,
    family: str,
    dob: str,
) -> Patient:
    patient = contained[patient_key]
    phone = next(
        (t.get("value") for t in patient.get("telecom") or [] if t.get("system") == "phone"), None
    )
    if not phone:
        raise InvalidArgument(
            "a patient new to this practice needs a phone in Patient.telecom",
            field="Patient.telecom",
        )
    surnames = family.split()
    return register_patient(
        session,
        actor,
        {
            "given_names": given,
            "surnames": surnames if len(surnames) <= 2 else [family],
            "dob": dob,
            "phone": phone,
            "preferred_language": _language(patient),
            "plan": _plan_name(contained) or SELF_PAY,
        },
    )


def _patient_reference(appointment: Resource) -> str:
    for participant in appointment.get("participant") or []:
        reference = (participant.get("actor") or {}).get("reference") or ""
        if reference.startswith(("Patient/", "#")):
            return reference
    raise InvalidArgument(
        "Appointment.participant needs the patient: a contained Patient (#id) or Patient/id",
        field="Appointment.participant",
    )


def _contained(appointment: Resource) -> dict[str, Resource]:
    return {
        str(item.get("id")): item
        for item in appointment.get("contained") or []
        if isinstance(item, dict) and item.get("id")
    }


def _identity(patient: Resource | None) -> tuple[str, str, str]:
    if not patient or patient.get("resourceType") != "Patient":
        raise InvalidArgument(
            "the participant's #reference must name a contained Patient",
            field="Appointment.contained",
        )
    name = (patient.get("name") or [{}])[0]
    given = " ".join(name.get("given") or [])
    family = name.get("family") or ""
    dob = patient.get("birthDate") or ""
    missing = [
        label
        for label, value in (("name.given", given), ("name.family", family), ("birthDate", dob))
        if not value
    ]
    if missing:
        raise InvalidArgument(
            f"the contained Patient lacks {', '.join(missing)}; both are needed to match",
            field=f"Patient.{missing[0]}",
        )
    return given, family, dob


def _plan_name(contained: dict[str, Resource]) -> str | None:
    for item in contained.values():
        if item.get("resourceType") == "Coverage":
            for payor in item.get("payor") or []:
                if payor.get("display"):
                    return str(payor["display"])
    return None


def _language(patient: Resource) -> str:
    for item in patient.get("communication") or []:
        for coding in (item.get("language") or {}).get("coding") or []:
            if coding.get("code") in ("en", "es"):
                return str(coding["code"])
    return "en"
