"""The bodies of the FHIR scheduling writes, checked before anything reads them.

A client may send any JSON; every shape we read is checked here (with fhir.resources
models where R4 defines the type) so a wrong one is a 4xx OperationOutcome naming
the element, never an AttributeError deep in a route.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

from fhir.resources.R4B.codeableconcept import CodeableConcept
from pydantic import ValidationError

from referraldesk.errors import InvalidArgument
from referraldesk.scheduling.fhir.serving import parameter_parts, parse_json

Resource = dict[str, Any]


@dataclass(frozen=True)
class StatusChange:
    status: str | None
    reason: str | None = None


def status_change_of_put(raw: bytes) -> StatusChange:
    """PUT Appointment: its status, and the cancelationReason's words when it has one."""
    body = parse_json(raw)
    if body.get("resourceType", "Appointment") != "Appointment":
        raise InvalidArgument(
            f"PUT takes the Appointment itself, not {body.get('resourceType')!r}",
            field="resourceType",
        )
    return StatusChange(_status(body.get("status"), "Appointment.status"), _reason(body))


def status_change_of_patch(raw: bytes) -> StatusChange:
    """JSON Patch: the value of its `replace /status` operation, if it has one."""
    operations = _json(raw)
    if not isinstance(operations, list) or not all(isinstance(op, dict) for op in operations):
        raise InvalidArgument(
            'a JSON Patch is a list of operations: [{"op": "replace", "path": "/status", '
            '"value": "cancelled"}]',
            field="body",
        )
    for op in operations:
        if op.get("op") == "replace" and op.get("path") == "/status":
            return StatusChange(_status(op.get("value"), "/status"))
    return StatusChange(None)


def find_parameters(raw: bytes) -> dict[str, list[str]]:
    """$find's Parameters by name: each value[x] as text, a Reference as its reference."""
    values: dict[str, list[str]] = {}
    for part in parameter_parts(parse_json(raw)):
        name = part.get("name")
        if not isinstance(name, str) or not name:
            raise InvalidArgument(
                "each $find parameter needs a name (start, end, specialty, practitioner, "
                "location, _count)",
                field="Parameters.parameter.name",
            )
        given = _parameter_value(part, name)
        if given is not None:
            values.setdefault(name, []).append(given)
    return values


def _parameter_value(part: Resource, name: str) -> str | None:
    given = next((part[key] for key in part if key.startswith("value")), None)
    if isinstance(given, dict):
        given = given.get("reference") or given.get("code")
    if given is None:
        return None
    # bool is an int to Python; neither true nor a list means anything to $find.
    if isinstance(given, bool) or not isinstance(given, str | int):
        raise InvalidArgument(
            f"$find parameter {name!r} needs a simple value (valueDateTime, valueCode, "
            "valueInteger or valueReference)",
            field=f"Parameters.parameter[{name}]",
        )
    return str(given)


def _status(value: Any, where: str) -> str | None:
    if value is None or isinstance(value, str):
        return value
    raise InvalidArgument(f"{where} must be a status code such as cancelled", field=where)


def _reason(body: Resource) -> str | None:
    given = body.get("cancelationReason")
    if given is None:
        return None
    try:
        concept = CodeableConcept.model_validate(given)
    except (ValidationError, TypeError, ValueError):
        raise InvalidArgument(
            'Appointment.cancelationReason must be a CodeableConcept, e.g. {"text": "patient '
            'request"}',
            field="Appointment.cancelationReason",
        ) from None
    words = concept.text or next(
        (coding.display or coding.code for coding in concept.coding or [] if coding.display
         or coding.code),
        None,
    )
    return str(words)[:200] if words else None


def _json(raw: bytes) -> Any:
    try:
        return json.loads(raw or b"null")
    except ValueError:
        raise InvalidArgument("the body is not JSON", field="body") from None
