"""What our FHIR scheduling server offers; clients read it to choose $find or Slot search."""

from __future__ import annotations

from typing import Any

FIND = "find"
BOOK = "book"


def capability_statement() -> dict[str, Any]:
    def resource(kind: str, interactions: list[str], params: list[str]) -> dict[str, Any]:
        return {
            "type": kind,
            "interaction": [{"code": code} for code in interactions],
            "searchParam": [{"name": name, "type": "string"} for name in params],
        }

    appointment = resource(
        "Appointment",
        ["read", "search-type", "create", "update", "patch"],
        ["identifier", "status", "practitioner"],
    )
    appointment["conditionalCreate"] = True
    appointment["operation"] = [
        {
            "name": FIND,
            "definition": "http://fhir.org/guides/argonaut/scheduling/OperationDefinition/appointment-find",
        },
        {
            "name": BOOK,
            "definition": "http://fhir.org/guides/argonaut/scheduling/OperationDefinition/appointment-book",
        },
    ]
    return {
        "resourceType": "CapabilityStatement",
        "status": "active",
        "kind": "instance",
        "fhirVersion": "4.0.1",
        "format": ["application/fhir+json"],
        "rest": [
            {
                "mode": "server",
                "resource": [
                    resource("Practitioner", ["read", "search-type"], []),
                    resource("PractitionerRole", ["search-type"], ["practitioner", "specialty"]),
                    resource("Location", ["read", "search-type"], []),
                    resource("Schedule", ["search-type"], ["actor", "specialty"]),
                    resource(
                        "Slot",
                        ["read", "search-type"],
                        ["schedule", "schedule.actor", "start", "status", "specialty", "_count"],
                    ),
                    appointment,
                ],
            }
        ],
    }


def operations(statement: dict[str, Any], resource_type: str) -> set[str]:
    """The operation names a CapabilityStatement lists for one resource type."""
    names: set[str] = set()
    for rest in statement.get("rest") or []:
        for item in rest.get("resource") or []:
            if item.get("type") == resource_type:
                names.update(str(op.get("name")) for op in item.get("operation") or [])
    return names
