"""The resources we send a FHIR scheduling server: the Appointment to book, with the
patient contained (the server matches or registers them), and its cancellation."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from referraldesk.models import Location, Patient, Provider
from referraldesk.patients.service import primary_plan
from referraldesk.scheduling.fhir.resources import (
    BOOKING_REF_SYSTEM,
    LOCATION_SYSTEM,
    NPI_SYSTEM,
    instant,
)

Resource = dict[str, Any]


def appointment_to_book(
    *,
    booking_ref: str,
    slot_reference: str,
    start: datetime,
    end: datetime,
    patient: Patient,
    provider: Provider,
    location: Location,
    practitioner_reference: str | None,
) -> Resource:
    """A booked Appointment for one Slot; `booking_ref` (our appointment id) makes a
    retry find the first attempt instead of booking twice."""
    practitioner: Resource = {
        "identifier": {"system": NPI_SYSTEM, "value": provider.npi},
        "display": provider.display_name,
    }
    if practitioner_reference:
        practitioner["reference"] = practitioner_reference
    return {
        "resourceType": "Appointment",
        "identifier": [{"system": BOOKING_REF_SYSTEM, "value": booking_ref}],
        "status": "booked",
        "slot": [{"reference": slot_reference}],
        "start": instant(start),
        "end": instant(end),
        "contained": _patient_and_coverage(patient),
        "participant": [
            {"actor": {"reference": "#patient"}, "status": "accepted"},
            {"actor": practitioner, "status": "accepted"},
            {
                "actor": {
                    "identifier": {"system": LOCATION_SYSTEM, "value": location.key},
                    "display": location.name,
                },
                "status": "accepted",
            },
        ],
    }


def book_parameters(appointment: Resource) -> Resource:
    return {
        "resourceType": "Parameters",
        "parameter": [{"name": "appointment", "resource": appointment}],
    }


def cancelled(resource: Resource, reason: str) -> Resource:
    return {**resource, "status": "cancelled", "cancelationReason": {"text": reason[:200]}}


def _patient_and_coverage(patient: Patient) -> list[Resource]:
    person: Resource = {
        "resourceType": "Patient",
        "id": "patient",
        "name": [{"family": " ".join(patient.surnames), "given": patient.given_names.split()}],
        "birthDate": patient.dob.isoformat(),
        "communication": [{"language": {"coding": [{"code": patient.preferred_language}]}}],
    }
    if patient.primary_phone:
        person["telecom"] = [{"system": "phone", "value": patient.primary_phone}]
    contained = [person]
    plan = primary_plan(patient)
    if plan is not None:
        contained.append(
            {
                "resourceType": "Coverage",
                "id": "coverage",
                "status": "active",
                "beneficiary": {"reference": "#patient"},
                "payor": [{"display": plan.name}],
            }
        )
    return contained
