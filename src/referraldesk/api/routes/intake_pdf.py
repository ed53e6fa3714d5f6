"""PDF referrals over HTTP: `POST /api/referrals/pdf`, a file kept and read for review.

The body is the PDF itself (`Content-Type: application/pdf`) or a form upload
(`multipart/form-data`, field `file`). The answer is 202 as soon as the file is
kept: the entry is `reading`, and a job reads it (text layer, OCR) into
`needs_review` with its fields, or `failed` with why; `GET /api/intake/{id}`
shows which. A coordinator confirms it before a referral exists. Anything that
is not a PDF is refused (415 or 422) and not kept. The upload's file name is
neither kept nor repeated: fax file names carry patients' names.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Request
from fastapi.responses import JSONResponse
from starlette.datastructures import UploadFile

from referraldesk.api import access
from referraldesk.api.deps import DbSession, require_roles
from referraldesk.audit.trail import Actor
from referraldesk.errors import InvalidArgument
from referraldesk.intake.pdf.service import queue_reading, receive_pdf
from referraldesk.intake.pdf.views import message_view
from referraldesk.settings import get_settings

router = APIRouter(tags=["referrals"])

PDF_PATH = "/api/referrals/pdf"
# Paths that take PDF files and so the larger body limit (`max_pdf_bytes`).
PDF_UPLOAD_PATHS = (PDF_PATH, "/admin/intake/pdf")
Sender = Annotated[Actor, Depends(require_roles(*access.PDF_INTAKE))]


class UnsupportedMediaType(JSONResponse):
    def __init__(self, content_type: str) -> None:
        super().__init__({"error": {
            "code": "invalid_argument", "field": "content-type",
            "message": f"Content-Type {content_type or '(none)'} is not taken here; send the PDF "
                       "as application/pdf, or as multipart/form-data with the field 'file'",
        }}, status_code=415)


async def pdf_upload(request: Request) -> bytes | str:
    """The file's bytes, or the content type we do not take."""
    content_type = request.headers.get("content-type", "").split(";", 1)[0].strip().lower()
    if content_type == "application/pdf":
        return await request.body()
    if content_type != "multipart/form-data":
        return content_type
    # The form's files are temporary files: closed when the block ends.
    async with request.form() as form:
        upload = form.get("file")
        if not isinstance(upload, UploadFile):
            raise InvalidArgument("the form has no file in its 'file' field; attach the PDF "
                                  "there", field="file")
        return await upload.read()


@router.post(PDF_PATH, status_code=202)
def intake_pdf(
    actor: Sender, session: DbSession,
    upload: Annotated[bytes | str, Depends(pdf_upload)],
) -> JSONResponse:
    """Keep a PDF referral in the intake queue; a job reads its fields for a coordinator."""
    if isinstance(upload, str):
        return UnsupportedMediaType(upload)
    limit = get_settings().max_pdf_bytes
    if len(upload) > limit:
        raise InvalidArgument(f"the file is larger than {limit} bytes; send the referral "
                              "pages only", field="file")
    message = receive_pdf(session, actor, upload, door="api")
    # Read after the commit, in a job: OCR must not hold this transaction open.
    queue_reading(session, message.id)
    return JSONResponse(message_view(message), status_code=202)
