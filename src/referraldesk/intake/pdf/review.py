"""A coordinator confirms or corrects a PDF's fields, and only then is the referral made.

The fields are the CSV door's columns, checked by the same rules (`row_facts`)
and applied by the same code, so a PDF referral is deduped, matched to its
patient and triaged like any other. A confirmation that does not pass keeps the
corrections and says what is still wrong; the file itself is never changed.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from sqlalchemy.orm import Session

from referraldesk.audit import trail
from referraldesk.audit.trail import Actor
from referraldesk.errors import Conflict, InvalidArgument
from referraldesk.intake.apply import Applied, apply_facts
from referraldesk.intake.csv_rows import row_facts
from referraldesk.intake.facts import Problem
from referraldesk.intake.pdf.fields import FIELDS
from referraldesk.intake.pdf.service import CHANNEL
from referraldesk.intake.queue import Outcome, attempt, get_message, settle_applied
from referraldesk.logging import get_logger
from referraldesk.models.intake import FAILED, NEEDS_REVIEW, IntakeMessage

log = get_logger(__name__)

CORRECTED = 1.0


def confirm(session: Session, actor: Actor, message_id: str,
            corrections: Mapping[str, Any] | None = None) -> Outcome:
    """Apply a PDF's fields, with the `corrections` a person made; keep them either way."""
    message = get_message(session, message_id)
    _check_reviewable(message)
    fields = _corrected_fields(message, corrections or {})
    values = {name: str(item["value"]) for name, item in fields.items()}
    result = attempt(session, message, lambda: _apply(session, actor, message, values))
    corrected = sorted(name for name, item in fields.items() if item.get("corrected"))
    message.extracted = {**(message.extracted or {}), "fields": fields}
    if isinstance(result, list):
        return _still_wrong(message, result)
    summary = result.describe()
    settle_applied(message, result.referral.id, summary)
    trail.record(session, actor, "update", "intake_message", message.id,
                 reason="PDF fields confirmed" + (f", corrected: {', '.join(corrected)}"
                                                  if corrected else ""))
    log.info("intake_pdf_confirmed", intake_message_id=message.id,
             referral_id=result.referral.id, corrected=len(corrected))
    return Outcome(message, applied=True, reply=summary, summary=summary,
                   referral_id=result.referral.id, referral_status=result.referral.status)


def _check_reviewable(message: IntakeMessage) -> None:
    if message.channel != CHANNEL:
        raise InvalidArgument(f"intake message {message.id} came by {message.channel}, not as a "
                              "PDF; replay it with a corrected body instead of fields",
                              field="fields")
    if message.status not in (NEEDS_REVIEW, FAILED):
        raise Conflict(f"intake message {message.id} is {message.status}; only a PDF waiting "
                       "for review can be confirmed", field="message_id")


def _corrected_fields(message: IntakeMessage,
                      corrections: Mapping[str, Any]) -> dict[str, dict[str, Any]]:
    unknown = sorted(set(corrections) - set(FIELDS))
    if unknown:
        raise InvalidArgument(f"unknown field(s) {', '.join(unknown)}; the fields are: "
                              f"{', '.join(FIELDS)}", field="fields")
    stored = (message.extracted or {}).get("fields", {})
    fields = {name: dict(stored.get(name) or {"value": "", "confidence": 0.0})
              for name in FIELDS}
    for name, value in corrections.items():
        if not isinstance(value, str | int | float) or isinstance(value, bool):
            raise InvalidArgument(f"field {name} must be text", field=f"fields.{name}")
        text = str(value).strip()
        if text != str(fields[name].get("value", "")):
            fields[name] = {"value": text, "confidence": CORRECTED, "corrected": True}
    return fields


def _apply(session: Session, actor: Actor, message: IntakeMessage,
           values: dict[str, str]) -> Applied:
    facts = row_facts(session, values, 1)
    return apply_facts(session, actor, facts, source=CHANNEL, message_id=message.id)


def _still_wrong(message: IntakeMessage, problems: list[Problem]) -> Outcome:
    # row_facts names "row 1, column X": a PDF has fields, not rows.
    named = [Problem(problem.where.replace("row 1, column ", "field "), problem.message,
                     problem.kind) for problem in problems]
    message.status = NEEDS_REVIEW
    message.error = "\n".join(str(problem) for problem in named)
    log.info("intake_pdf_still_wrong", intake_message_id=message.id, problems=len(named))
    return Outcome(message, applied=False, reply=message.error, summary=message.error,
                   problems=named)
