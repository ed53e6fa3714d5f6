"""Intake: failed messages to fix and replay, a faxed referral typed in, a CSV uploaded.

PDF and fax files are uploaded here too; their fields, read by machine, are
confirmed or corrected on the message's page (`intake_pdf.html`).
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Form, Query, Request, UploadFile
from starlette.responses import RedirectResponse, Response

from referraldesk.admin.deps import DbSession, Viewer, form_values, require
from referraldesk.admin.queries import intake as queries
from referraldesk.admin.queries.intake_pdf import pdf_review_fields
from referraldesk.admin.rendering import render
from referraldesk.audit import trail
from referraldesk.errors import InvalidArgument, NotFound
from referraldesk.intake import queue
from referraldesk.intake.csv_rows import import_csv
from referraldesk.intake.hl7.framing import decode
from referraldesk.intake.pdf import review
from referraldesk.intake.pdf.fields import FIELDS
from referraldesk.intake.pdf.reading import ocr_available
from referraldesk.intake.pdf.service import queue_reading, receive_pdf
from referraldesk.settings import get_settings

router = APIRouter()

Viewing = Annotated[Viewer, Depends(require("intake"))]
Acting = Annotated[Viewer, Depends(require("intake", "act"))]
MAX_UPLOAD_BYTES = 5 * 1024 * 1024
# An uploaded file served back: no script, no plugins, no requests, its own origin.
DOCUMENT_CSP = "default-src 'none'; sandbox; frame-ancestors 'none'"
NOTICES = {"replayed": "Replayed: this is the new attempt.",
           "uploaded": "The file is kept. Check the fields read from it, correct any, then "
                       "take the referral in.",
           "still_wrong": "Not taken in yet: see what is wrong below. Your corrections are kept."}


@router.get("/intake")
def queue_page(request: Request, session: DbSession, viewer: Viewing,
               page: Annotated[int, Query(ge=1, le=10_000)] = 1) -> Response:
    messages, total = queries.failed_page(session, page)
    context = {"messages": messages, "total": total, "page": page,
               "page_size": queries.PAGE_SIZE, "ocr_available": ocr_available()}
    trail.record(session, viewer.actor, "read", "intake_message", None,
                 reason=f"intake queue page {page}")
    return render(request, "intake_queue.html", context, viewer=viewer, page="intake")


@router.get("/intake/fax")
def fax_form(request: Request, session: DbSession, viewer: Acting) -> Response:
    return _fax_page(request, session, viewer, values={}, problems=[])


def _fax_page(request: Request, session: DbSession, viewer: Viewer, *, values: dict[str, str],
              problems: list[str], status_code: int = 200) -> Response:
    context = {"values": values, "problems": problems, **queries.form_choices(session)}
    return render(request, "intake_fax.html", context, viewer=viewer, page="intake",
                  status_code=status_code)


@router.post("/intake/fax")
def enter_fax(request: Request, session: DbSession, viewer: Acting,
              values: Annotated[dict[str, str], Depends(form_values)]) -> Response:
    entry = queries.FaxEntry.from_form(values)
    try:
        with session.begin_nested():
            referral = queries.enter_fax_referral(session, viewer.actor, entry)
    except InvalidArgument as exc:
        return _fax_page(request, session, viewer, values=values,
                         problems=exc.message.split("\n"), status_code=422)
    return RedirectResponse(f"/admin/referrals/{referral.id}?done=created", status_code=303)


@router.post("/intake/csv")
def upload_csv(request: Request, session: DbSession, viewer: Acting,
               file: UploadFile) -> Response:
    content = file.file.read(MAX_UPLOAD_BYTES + 1)
    if len(content) > MAX_UPLOAD_BYTES:
        limit_mb = MAX_UPLOAD_BYTES // 1024 // 1024
        raise InvalidArgument(f"{file.filename} is larger than {limit_mb} MB; "
                              "split it into smaller files", field="file")
    if not content.strip():
        raise InvalidArgument(f"{file.filename or 'the file'} is empty; choose the CSV file",
                              field="file")
    report = import_csv(session, viewer.actor, decode(content),
                        source_name=file.filename or "upload.csv")
    context = {"report": report, "filename": file.filename}
    return render(request, "intake_csv.html", context, viewer=viewer, page="intake")


@router.post("/intake/pdf")
def upload_pdf(session: DbSession, viewer: Acting, file: UploadFile) -> Response:
    """Keep an uploaded PDF or fax; a job reads its fields, the coordinator confirms them next."""
    limit = get_settings().max_pdf_bytes
    content = file.file.read(limit + 1)
    if len(content) > limit:
        raise InvalidArgument(f"the file is larger than {limit // 1024 // 1024} MB; "
                              "upload the referral pages only", field="file")
    # The file name is not kept: a fax's often carries the patient's name.
    message = receive_pdf(session, viewer.actor, content, door="dashboard")
    queue_reading(session, message.id)
    return RedirectResponse(f"/admin/intake/{message.id}?done=uploaded", status_code=303)


@router.get("/intake/{message_id}")
def message_page(message_id: str, request: Request, session: DbSession, viewer: Viewing,
                 done: str | None = None) -> Response:
    message = queue.get_message(session, message_id)
    trail.record(session, viewer.actor, "read", "intake_message", message.id,
                 reason="intake message view")
    context: dict[str, object] = {"message": message, "flash": NOTICES.get(done or "")}
    if message.channel == "pdf":
        context["fields"] = pdf_review_fields(message)
        return render(request, "intake_pdf.html", context, viewer=viewer, page="intake")
    return render(request, "intake_message.html", context, viewer=viewer, page="intake")


@router.get("/intake/{message_id}/document")
def document(message_id: str, session: DbSession, viewer: Viewing) -> Response:
    """The PDF exactly as it arrived."""
    message = queue.get_message(session, message_id)
    if message.document is None:
        raise NotFound(f"intake message {message_id} has no file; it came by {message.channel}",
                       field="message_id")
    trail.record(session, viewer.actor, "read", "intake_message", message.id,
                 reason="original PDF viewed")
    # A download, never a page of this origin: a crafted PDF opened inline could run
    # script with the dashboard's cookies. The sandbox CSP covers browsers that
    # render it anyway.
    return Response(message.document, media_type="application/pdf",
                    headers={"Content-Disposition": f'attachment; filename="{message.id}.pdf"',
                             "Content-Security-Policy": DOCUMENT_CSP,
                             "X-Content-Type-Options": "nosniff",
                             "Cache-Control": "no-store"})


@router.post("/intake/{message_id}/confirm")
def confirm_pdf(message_id: str, session: DbSession, viewer: Acting,
                values: Annotated[dict[str, str], Depends(form_values)]) -> Response:
    """Take a PDF's referral in with the fields as the coordinator left them."""
    corrections = {name: values[name] for name in FIELDS if name in values}
    outcome = review.confirm(session, viewer.actor, message_id, corrections)
    if outcome.applied:
        return RedirectResponse(f"/admin/referrals/{outcome.referral_id}?done=created",
                                status_code=303)
    return RedirectResponse(f"/admin/intake/{message_id}?done=still_wrong", status_code=303)


@router.post("/intake/{message_id}/replay")
def replay(
    message_id: str,
    session: DbSession,
    viewer: Acting,
    body: Annotated[str | None, Form(max_length=1_000_000)] = None,
    corrected: Annotated[str, Form()] = "",
) -> Response:
    """Replay a failed message as it was, or with the body a person corrected."""
    fixed = body.replace("\r\n", "\n") if corrected == "yes" and body is not None else None
    original = queue.get_message(session, message_id)
    if fixed is not None and original.channel.startswith("hl7"):
        # HL7 segments end in carriage returns; a browser's textarea sends line feeds.
        fixed = fixed.replace("\n", "\r")
    outcome = queue.replay(session, viewer.actor, message_id, fixed)
    return RedirectResponse(f"/admin/intake/{outcome.message.id}?done=replayed", status_code=303)
