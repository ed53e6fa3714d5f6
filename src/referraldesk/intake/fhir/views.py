"""What the FHIR door answers with: OperationOutcome, ServiceRequest and Task, in R4.

The referral is the ServiceRequest (its id is the referral id); a Task focused on
it tells the sender where the referral stands: Task.status from
`referrals.lifecycle.FHIR_TASK_STATUS`, our own state in Task.businessStatus.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from referraldesk.intake.facts import (
    CONFLICT,
    INTERNAL,
    MISSING,
    NOT_FOUND,
    UNSUPPORTED,
    Problem,
)
from referraldesk.models import Referral
from referraldesk.referrals.lifecycle import (
    CANCELLED,
    TERMINAL,
    fhir_business_status,
    fhir_task_status,
)

PLACER_SYSTEM = "https://referraldesk.org/fhir/NamingSystem/placer-id"
_ISSUE_CODES = {MISSING: "required", NOT_FOUND: "not-found", CONFLICT: "conflict",
                UNSUPPORTED: "not-supported", INTERNAL: "exception"}


def operation_outcome(problems: Sequence[Problem], severity: str = "error") -> dict[str, Any]:
    """One issue per problem, with its FHIRPath expression where it has one."""
    issues = []
    for problem in problems:
        issue: dict[str, Any] = {"severity": severity,
                                 "code": _ISSUE_CODES.get(problem.kind, "invalid"),
                                 "diagnostics": str(problem)}
        if "." in problem.where or problem.where[:1].isupper():
            issue["expression"] = [problem.where.split(" ", 1)[0]]
        issues.append(issue)
    return {"resourceType": "OperationOutcome", "issue": issues}


def information(text: str, code: str = "informational") -> dict[str, Any]:
    return {"resourceType": "OperationOutcome",
            "issue": [{"severity": "information", "code": code, "diagnostics": text}]}


def service_request_view(referral: Referral) -> dict[str, Any]:
    """The referral as a ServiceRequest, as we hold it."""
    view: dict[str, Any] = {
        "resourceType": "ServiceRequest",
        "id": referral.id,
        "status": _service_request_status(referral.status),
        "intent": "order",
        "priority": "urgent" if referral.urgency == "urgent" else "routine",
        "code": {"text": referral.specialty_key},
        "subject": {"reference": f"Patient/{referral.patient_id}"},
        "authoredOn": referral.received_at.isoformat(),
    }
    if referral.placer_id:
        view["identifier"] = [{"type": {"coding": [{
            "system": "http://terminology.hl7.org/CodeSystem/v2-0203", "code": "PLAC"}]},
            "system": PLACER_SYSTEM, "value": referral.placer_id}]
    if referral.icd10:
        view["reasonCode"] = [{"coding": [{"system": "http://hl7.org/fhir/sid/icd-10-cm",
                                           "code": code}]} for code in referral.icd10]
    if referral.target_date:
        period = {"end": referral.target_date.isoformat()}
        if referral.requested_from:
            period["start"] = referral.requested_from.isoformat()
        view["occurrencePeriod"] = period
    return view


def task_view(referral: Referral) -> dict[str, Any]:
    """The Task that tells the referrer how their referral is going."""
    return {
        "resourceType": "Task",
        "id": referral.id,
        "status": fhir_task_status(referral.status),
        "businessStatus": fhir_business_status(referral.status),
        "intent": "order",
        "focus": {"reference": f"ServiceRequest/{referral.id}"},
        "for": {"reference": f"Patient/{referral.patient_id}"},
        "authoredOn": referral.received_at.isoformat(),
        "lastModified": referral.updated_at.isoformat(),
    }


def search_bundle(resources: list[dict[str, Any]]) -> dict[str, Any]:
    return {"resourceType": "Bundle", "type": "searchset", "total": len(resources),
            "entry": [{"resource": resource, "search": {"mode": "match"}}
                      for resource in resources]}


def _service_request_status(status: str) -> str:
    if status == CANCELLED:
        return "revoked"
    return "completed" if status in TERMINAL else "active"


def patients_response(patients: Sequence[tuple[str, str]]) -> dict[str, Any]:
    """A transaction-response Bundle: per Patient, our id and "created" or "matched"."""
    entries = [{"response": {
        "status": "201 Created" if result == "created" else "200 OK",
        "location": f"Patient/{patient_id}",
        "outcome": information(f"{result}: patient {patient_id}", "informational"),
    }} for patient_id, result in patients]
    return {"resourceType": "Bundle", "type": "transaction-response", "entry": entries}
