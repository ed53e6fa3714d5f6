"""The FHIR R4 Task a FHIR-speaking referrer receives on every change of a referral.

The Task's `status` follows the lifecycle's mapping and `businessStatus` carries our
own state; `focus` and `basedOn` name the referrer's ServiceRequest by the placer id
they gave it. A booked visit travels as an output with its start, a consult note
as a text attachment.
"""

from __future__ import annotations

import base64
import json
from typing import Any

from fhir.resources.task import Task

from referraldesk.clock import now
from referraldesk.models import Appointment, Referral
from referraldesk.referrals import lifecycle

REFERRAL_SYSTEM = "https://referraldesk.org/fhir/referral-id"


def build_task(
    referral: Referral, kind: str, appointment: Appointment | None, note: str | None
) -> str:
    """The Task as JSON, checked against the FHIR R4 model."""
    task: dict[str, Any] = {
        "resourceType": "Task",
        "id": referral.id,
        "identifier": [{"system": REFERRAL_SYSTEM, "value": referral.id}],
        "status": lifecycle.fhir_task_status(kind),
        "businessStatus": lifecycle.fhir_business_status(kind),
        "intent": "order",
        "focus": _service_request(referral),
        "basedOn": [_service_request(referral)],
        "authoredOn": referral.received_at.isoformat(),
        "lastModified": now().isoformat(),
    }
    if kind in lifecycle.LEAKING and referral.leakage_reason:
        task["statusReason"] = {"text": referral.leakage_reason.replace("_", " ")}
    outputs = _outputs(appointment if kind == lifecycle.SCHEDULED else None, note)
    if outputs:
        task["output"] = outputs
    Task.model_validate(task)
    return json.dumps(task, ensure_ascii=False, sort_keys=True)


def _service_request(referral: Referral) -> dict[str, Any]:
    if referral.placer_id:
        return {"type": "ServiceRequest", "identifier": {"value": referral.placer_id}}
    return {"reference": f"ServiceRequest/{referral.id}"}


def _outputs(appointment: Appointment | None, note: str | None) -> list[dict[str, Any]]:
    outputs: list[dict[str, Any]] = []
    if appointment is not None:
        outputs.append(
            {
                "type": {"text": "appointment start"},
                "valueDateTime": appointment.start_at.isoformat(),
            }
        )
    if note:
        data = base64.b64encode(note.encode("utf-8")).decode("ascii")
        outputs.append(
            {
                "type": {"text": "consult note"},
                "valueAttachment": {"contentType": "text/plain; charset=utf-8", "data": data},
            }
        )
    return outputs
