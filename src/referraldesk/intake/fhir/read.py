"""Reading a FHIR R4 ServiceRequest or transaction Bundle, and checking it conforms.

fhir.resources 8 validates FHIR R5 by default; referring systems send R4, which its
`R4B` models read (R4B changed nothing these resources use). The models check
element names and datatypes; code values they take as any string, so the
ServiceRequest's required codes are checked here too. Every problem is reported at
once, each with its FHIRPath expression.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

from fhir.resources.R4B.bundle import Bundle
from fhir.resources.R4B.servicerequest import ServiceRequest
from pydantic import ValidationError

from referraldesk.intake.facts import (
    INVALID,
    MISSING,
    NOT_FOUND,
    UNSUPPORTED,
    IntakeProblems,
    Problem,
)

Resource = dict[str, Any]

STATUSES = ("draft", "active", "on-hold", "revoked", "completed", "entered-in-error", "unknown")
INTENTS = ("proposal", "plan", "directive", "order", "original-order", "reflex-order",
           "filler-order", "instance-order", "option")
PRIORITIES = ("routine", "urgent", "asap", "stat")
_MODELS: dict[str, type[Any]] = {"ServiceRequest": ServiceRequest, "Bundle": Bundle}
_DATE_HINT = {
    "Date": "a FHIR date: YYYY-MM-DD (2026-03-04)",
    "DateTime": "a FHIR dateTime: YYYY-MM-DD or YYYY-MM-DDThh:mm:ss+zz:zz "
                "(2026-03-04T09:15:00-08:00)",
}


@dataclass
class FhirRequest:
    """The ServiceRequest, where it sits, and every resource a reference may point at."""

    service_request: Resource
    path: str
    resources: dict[str, Resource]
    # The Bundle entry's request.method: PUT updates a referral already on file.
    method: str = "POST"

    def resolve(self, reference: Resource | None) -> Resource | None:
        if not reference or not isinstance(reference.get("reference"), str):
            return None
        return self.resources.get(reference["reference"])


def read_request(body: str) -> FhirRequest:
    """Parse and check a posted body; raises IntakeProblems listing every problem."""
    resource = _json(body)
    kind = resource.get("resourceType")
    if not isinstance(kind, str) or kind not in _MODELS:
        raise IntakeProblems([Problem("resourceType", f"{kind!r} is not taken here; post a "
                                      "ServiceRequest or a transaction Bundle", UNSUPPORTED)])
    problems = _model_problems(_MODELS[kind], resource, kind)
    request = _locate(resource, problems)
    if request is not None:
        problems.extend(_rule_problems(request, {p.where for p in problems}))
    if problems or request is None:
        raise IntakeProblems(problems)
    return request


def _json(body: str) -> Resource:
    try:
        value = json.loads(body)
    except json.JSONDecodeError as exc:
        raise IntakeProblems([Problem("body", f"not JSON ({exc.msg} at line {exc.lineno}, "
                                              f"column {exc.colno})", UNSUPPORTED)]) from exc
    except RecursionError as exc:
        # Thousands of nested arrays or objects: no FHIR resource is shaped like that.
        raise IntakeProblems([Problem("body", "the JSON is nested too deeply to be a FHIR "
                                              "resource", UNSUPPORTED)]) from exc
    if not isinstance(value, dict):
        raise IntakeProblems([Problem("body", "a FHIR resource is a JSON object", UNSUPPORTED)])
    return value


def _model_problems(model: type[Any], resource: Resource, kind: str) -> list[Problem]:
    try:
        model.model_validate(resource)
    except ValidationError as exc:
        return [_problem(kind, error) for error in exc.errors(include_url=False)]
    return []


def _problem(kind: str, error: Any) -> Problem:
    where = expression(kind, error["loc"])
    value = error.get("input")
    if error["type"] == "missing":
        return Problem(where, "is required", MISSING)
    if error["type"] == "extra_forbidden":
        return Problem(where, "is not an element of this resource in FHIR R4; remove it")
    message = str(error["msg"])
    if "DateTime value" in message:
        return Problem(where, f"{value!r} is not {_DATE_HINT['DateTime']}")
    if "Date value" in message or "valid date" in message:
        return Problem(where, f"{value!r} is not {_DATE_HINT['Date']}")
    return Problem(where, f"{value!r}: {message}" if isinstance(value, str | int) else message)


def expression(kind: str, loc: tuple[Any, ...]) -> str:
    """A pydantic location as FHIRPath: ('entry', 3, 'x') -> Bundle.entry[3].x."""
    path = kind
    for part in loc:
        path += f"[{part}]" if isinstance(part, int) else f".{part}"
    return path


def _list(value: Any) -> list[Any]:
    # A hostile or broken sender may put any JSON where FHIR wants an array.
    return value if isinstance(value, list) else []


def _locate(resource: Resource, problems: list[Problem]) -> FhirRequest | None:
    if resource.get("resourceType") == "ServiceRequest":
        contained = {f"#{item['id']}": item for item in _list(resource.get("contained"))
                     if isinstance(item, dict) and item.get("id")}
        return FhirRequest(resource, "ServiceRequest", contained)
    entries = [entry for entry in _list(resource.get("entry")) if isinstance(entry, dict)]
    found = [(i, entry["resource"]) for i, entry in enumerate(entries)
             if isinstance(entry.get("resource"), dict)
             and entry["resource"].get("resourceType") == "ServiceRequest"]
    if len(found) != 1:
        problems.append(Problem("Bundle.entry", f"the Bundle holds {len(found)} ServiceRequests; "
                                                "send exactly one referral per Bundle",
                                MISSING if not found else INVALID))
        return None
    index, service_request = found[0]
    request = entries[index].get("request")
    method = str(request.get("method") or "POST").upper() if isinstance(request, dict) else "POST"
    return FhirRequest(service_request, f"Bundle.entry[{index}].resource", _bundle_index(entries),
                       method)


def _bundle_index(entries: list[Resource]) -> dict[str, Resource]:
    index: dict[str, Resource] = {}
    for entry in entries:
        resource = entry.get("resource")
        if not isinstance(resource, dict):
            continue
        if isinstance(entry.get("fullUrl"), str):
            index[entry["fullUrl"]] = resource
        if resource.get("id"):
            index[f"{resource.get('resourceType')}/{resource['id']}"] = resource
        for item in resource.get("contained") or []:
            if isinstance(item, dict) and item.get("id"):
                index[f"#{item['id']}"] = item
    return index


def _rule_problems(request: FhirRequest, reported: set[str]) -> list[Problem]:
    sr, path = request.service_request, request.path
    problems = [
        *_code_problem(sr, path, "status", STATUSES, required=True),
        *_code_problem(sr, path, "intent", INTENTS, required=True),
        *_code_problem(sr, path, "priority", PRIORITIES, required=False),
        *_subject_problem(request),
    ]
    return [problem for problem in problems if problem.where not in reported]


def _code_problem(sr: Resource, path: str, name: str, codes: tuple[str, ...],
                  *, required: bool) -> list[Problem]:
    value = sr.get(name)
    if value is None:
        return [Problem(f"{path}.{name}", "is required", MISSING)] if required else []
    if value not in codes:
        return [Problem(f"{path}.{name}", f"{value!r} is not a {name} code; use one of "
                                          f"{', '.join(codes)}")]
    return []


def _subject_problem(request: FhirRequest) -> list[Problem]:
    where = f"{request.path}.subject"
    subject = request.service_request.get("subject")
    if not isinstance(subject, dict):
        return []
    reference = subject.get("reference")
    if not isinstance(reference, str) or not reference.strip():
        return [Problem(f"{where}.reference", "the subject has no reference: point it at the "
                                              "Patient (contained '#id', a Bundle entry's "
                                              "fullUrl, or Patient/<our id>)", MISSING)]
    local = reference.startswith(("#", "urn:"))
    target = request.resources.get(reference)
    if local and (target is None or target.get("resourceType") != "Patient"):
        return [Problem(f"{where}.reference", f"{reference!r} does not point at a Patient in "
                                              "this request", NOT_FOUND)]
    return []
