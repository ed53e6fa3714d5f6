"""A PDF referral taken in: kept whole at once, read afterwards, left for a coordinator.

`receive_pdf` stores the file byte for byte (status `reading`) in the door's
short transaction; `read_stored_pdf` reads it later, in a job or after the
command's commit. Reading a scan takes seconds a page, so it runs with no
transaction open: one to fetch the file, one to store what was read. Whatever
goes wrong while reading (a damaged file, no Tesseract, a page OCR gave up on,
a bug) leaves the file in the queue as `failed`, with why. A file that reads
waits as `needs_review` with the fields found and a confidence for each; no
referral exists until `review.confirm` is called.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from referraldesk.audit import trail
from referraldesk.audit.trail import Actor
from referraldesk.db.session import session_scope
from referraldesk.errors import DomainError, InvalidArgument
from referraldesk.intake.facts import INTERNAL, INVALID, Problem, SpecialtyHints
from referraldesk.intake.pdf.fields import BY_SHAPE, Extraction, extract
from referraldesk.intake.pdf.reading import OCR, ReadPdf, looks_like_pdf, read_pdf
from referraldesk.intake.pdf.values import UNSURE
from referraldesk.intake.queue import attempt, record, settle_failed
from referraldesk.intake.specialties import resolve_specialty
from referraldesk.logging import get_logger
from referraldesk.models import Specialty
from referraldesk.models.intake import NEEDS_REVIEW, READING, IntakeMessage
from referraldesk.patients.service import resolve_plan

log = get_logger(__name__)

CONTENT_TYPE = "application/pdf"
CHANNEL = "pdf"
READER = Actor(name="system:pdf_reader", role="system")
# The doors a PDF comes in by, as `sender` names them (with the actor, never the file).
DOORS = ("api", "dashboard", "file", "folder")


def receive_pdf(session: Session, actor: Actor, data: bytes, *, door: str) -> IntakeMessage:
    """Keep the PDF in the intake queue to be read; raises InvalidArgument for non-PDFs.

    The upload's file name is not kept or repeated: fax servers name files after
    the patient ("GARCIA_MARIA_1988-03-14.pdf").
    """
    if door not in DOORS:
        raise InvalidArgument(f"door {door!r} is not one of {', '.join(DOORS)}", field="door")
    if not data.strip():
        raise InvalidArgument("the file is empty; send the PDF file", field="file")
    if not looks_like_pdf(data):
        raise InvalidArgument("the file is not a PDF (it does not start with %PDF-); send the "
                              "referral as a PDF file", field="file")
    message = record(session, actor, CHANNEL, "", CONTENT_TYPE, sender=f"{actor.name} ({door})")
    message.document = data
    message.status = READING
    message.extracted = {"fields": Extraction().as_json(), "read_by": None}
    session.flush()
    return message


def queue_reading(session: Session, message_id: str) -> None:
    """Read the stored PDF in a job once `session` commits (the HTTP doors)."""
    from referraldesk.jobs.app import queue_after_commit
    from referraldesk.jobs.pdf_tasks import read_pdf_message

    queue_after_commit(session, read_pdf_message, message_id)


def read_stored_pdf(message_id: str) -> str | None:
    """Read a kept PDF and store its fields; the entry's new status (None: nothing to do).

    Safe to run twice: only an entry still `reading` is read, and only the first
    run to finish stores its result.
    """
    with session_scope() as session:
        message = session.get(IntakeMessage, message_id)
        if message is None or message.status != READING or message.document is None:
            return None
        data = message.document
    # No transaction is open here: OCR may take a minute and must block no one.
    result = _read(message_id, data)
    with session_scope() as session:
        # The chain before the row: this transaction audits after locking it.
        trail.lock_chain(session)
        message = session.get(IntakeMessage, message_id, with_for_update=True)
        if message is None or message.status != READING:
            return None
        _store(session, message, result)
        trail.record(session, READER, "update", "intake_message", message.id,
                     reason=f"PDF read: {message.status}")
        return message.status


def _read(message_id: str, data: bytes) -> ReadPdf | list[Problem]:
    try:
        return read_pdf(data)
    except DomainError as exc:
        return [Problem(exc.field or "document", exc.message, INVALID)]
    except Exception as exc:  # protects the queue: a bug in a reader still leaves the file kept
        # No traceback: its messages may quote the file's text.
        log.error("intake_pdf_read_error", intake_message_id=message_id,
                  error=type(exc).__name__)
        return [Problem("document", f"internal error ({type(exc).__name__}) while reading the "
                                    "PDF; it is kept: type the fields in", INTERNAL)]


def _store(session: Session, message: IntakeMessage, read: ReadPdf | list[Problem]) -> None:
    if isinstance(read, list):
        _fail(message, read)
        return
    text = read
    extraction = attempt(session, message, lambda: resolved(session, extract(text.text), text))
    if isinstance(extraction, list):
        _fail(message, extraction)
        return
    message.body = read.text
    message.extracted = _extracted_json(extraction, read)
    message.control_id = extraction.fields["placer_id"].value[:100] or None
    message.status, message.error = NEEDS_REVIEW, None
    message.reply = summary_of(message)
    log.info("intake_pdf_read", intake_message_id=message.id, read_by=read.read_by,
             pages=read.pages, found=_found_count(extraction))


def _fail(message: IntakeMessage, problems: list[Problem]) -> None:
    settle_failed(message, problems, "; ".join(str(problem) for problem in problems))


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
