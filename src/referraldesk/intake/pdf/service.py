"""A PDF referral taken in: kept whole, read, and left for a coordinator to confirm.

`receive_pdf` stores the file byte for byte before reading it, so a damaged
file, a scanned fax on a machine without Tesseract, or a bug while reading
still leaves it in the intake queue (status failed, with why). A file that reads
waits as `needs_review` with the fields found and a confidence for each; no
referral exists until `review.confirm` is called.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from referraldesk.audit.trail import Actor
from referraldesk.errors import DomainError, InvalidArgument
from referraldesk.intake.facts import SpecialtyHints
from referraldesk.intake.pdf.fields import BY_SHAPE, Extraction, extract
from referraldesk.intake.pdf.reading import OCR, ReadPdf, looks_like_pdf, read_pdf
from referraldesk.intake.pdf.values import UNSURE
from referraldesk.intake.queue import Outcome, attempt, record, settle_failed
from referraldesk.intake.specialties import resolve_specialty
from referraldesk.logging import get_logger
from referraldesk.models import Specialty
from referraldesk.models.intake import NEEDS_REVIEW, IntakeMessage
from referraldesk.patients.service import resolve_plan

log = get_logger(__name__)

CONTENT_TYPE = "application/pdf"
CHANNEL = "pdf"


def receive_pdf(session: Session, actor: Actor, data: bytes, *, sender: str) -> Outcome:
    """Keep the PDF in the intake queue and read its fields; raises InvalidArgument for non-PDFs."""
    if not data.strip():
        raise InvalidArgument(f"{sender} is empty; send the PDF file", field="file")
    if not looks_like_pdf(data):
        raise InvalidArgument(f"{sender} is not a PDF (it does not start with %PDF-); send the "
                              "referral as a PDF file", field="file")
    message = record(session, actor, CHANNEL, "", CONTENT_TYPE, sender=sender)
    message.document = data
    session.flush()
    result = attempt(session, message, lambda: read_pdf(data))
    if isinstance(result, list):
        reply = "; ".join(str(problem) for problem in result)
        message.extracted = {"fields": Extraction().as_json(), "read_by": None}
        settle_failed(message, result, reply)
        return Outcome(message, applied=False, reply=reply, summary=reply, problems=result)
    extraction = resolved(session, extract(result.text), result)
    message.body = result.text
    message.extracted = _extracted_json(extraction, result)
    message.control_id = extraction.fields["placer_id"].value[:100] or None
    message.status = NEEDS_REVIEW
    message.reply = summary_of(message)
    log.info("intake_pdf_read", intake_message_id=message.id, read_by=result.read_by,
             pages=result.pages, found=_found_count(extraction))
    return Outcome(message, applied=False, reply=message.reply, summary=message.reply)


def resolved(session: Session, extraction: Extraction, read: ReadPdf) -> Extraction:
    """The specialty and plan as this practice names them; OCR lowers every confidence."""
    fields = extraction.fields
    _resolve_specialty(session, extraction)
    plan = fields["plan"]
    if plan.value:
        try:
            plan.value = resolve_plan(session, plan.value).name
        except DomainError:
            plan.confidence = min(plan.confidence, UNSURE)
    if OCR in read.read_by and read.ocr_confidence is not None:
        # Tesseract's own word confidence: a clean scan barely lowers the figures.
        factor = 0.5 + 0.5 * read.ocr_confidence
        for found in fields.values():
            found.confidence = round(found.confidence * factor, 3)
    return extraction


def _resolve_specialty(session: Session, extraction: Extraction) -> None:
    found = extraction.fields["specialty"]
    codes = [code.strip() for code in extraction.fields["icd10"].value.split(",") if code.strip()]
    choice = resolve_specialty(session, SpecialtyHints(texts=[found.value] if found.value else [],
                                                       icd10=codes))
    known = set(session.scalars(select(Specialty.key)).all())
    if choice is None:
        return
    if choice.key not in known:
        found.confidence = min(found.confidence, UNSURE)
    elif found.value:
        found.value = choice.key
    else:
        # Only the diagnosis pointed at it.
        extraction.put("specialty", choice.key, BY_SHAPE * 0.8)


def _extracted_json(extraction: Extraction, read: ReadPdf) -> dict[str, Any]:
    return {"fields": extraction.as_json(), "language": extraction.language,
            "read_by": read.read_by, "pages": read.pages, "ocr_pages": read.ocr_pages,
            "ocr_confidence": read.ocr_confidence}


def _found_count(extraction: Extraction) -> int:
    return sum(1 for found in extraction.fields.values() if found.value)


def summary_of(message: IntakeMessage) -> str:
    """One line for staff: how the file was read and how many fields were found."""
    extracted = message.extracted or {}
    fields = extracted.get("fields", {})
    found = sum(1 for item in fields.values() if item.get("value"))
    how = {"text": "its text layer", "ocr": "OCR"}.get(extracted.get("read_by") or "",
                                                       "its text layer and OCR")
    return (f"read from {how}: {found} of {len(fields)} fields found; waits for a coordinator "
            "to confirm or correct them")
