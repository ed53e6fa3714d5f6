"""Breaking PDF intake with files that are small on the wire and large inside: a page
whose text layer decompresses to megabytes, shared by every page of the file.

The cost of reading a text layer is its decompressed drawing instructions, not the
file's size: before they were counted, a 4 KB file of eight pages sharing one 1 MB
stream took 15 s to read and stored 348,000 characters, and pypdf lets a stream reach
75 MB over 50 pages, over an hour of one worker for a file under 100 KB. Now the cost
is counted first (intake/pdf/content_cost.py) and such a file refused in milliseconds.
"""

from __future__ import annotations

import io
import zlib
from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Engine, func, select
from tests.security.conftest import World, bearer

from referraldesk.audit.trail import Actor
from referraldesk.db.session import session_scope, use_engine
from referraldesk.intake.pdf.service import read_stored_pdf, receive_pdf
from referraldesk.models.intake import FAILED, IntakeMessage

SENDER = Actor(name="integration:fax-server", role="integration")
# One line of text-showing operators, repeated to a megabyte.
TEXT_OPERATORS = b"BT /F1 12 Tf (A) Tj ET\n"


def pdf_sharing_one_stream(pages: int, decoded_bytes: int) -> bytes:
    """A PDF whose pages all show the same Flate-compressed content stream."""
    content = zlib.compress(TEXT_OPERATORS * (decoded_bytes // len(TEXT_OPERATORS)), 9)
    kids = b" ".join(b"%d 0 R" % (5 + number) for number in range(pages))
    objects = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Count %d /Kids [ %s ] >>" % (pages, kids),
        b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>",
        b"<< /Length %d /Filter /FlateDecode >>\nstream\n" % len(content) + content
        + b"\nendstream",
        *[b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] "
          b"/Resources << /Font << /F1 3 0 R >> >> /Contents 4 0 R >>"] * pages,
    ]
    out = io.BytesIO(b"%PDF-1.4\n")
    out.seek(0, io.SEEK_END)
    offsets = []
    for number, body in enumerate(objects, 1):
        offsets.append(out.tell())
        out.write(b"%d 0 obj\n%s\nendobj\n" % (number, body))
    table = out.tell()
    out.write(b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1))
    out.writelines(b"%010d 00000 n \n" % offset for offset in offsets)
    out.write(b"trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n"
              % (len(objects) + 1, table))
    return out.getvalue()


@pytest.fixture
def current_engine(engine: Engine) -> Iterator[Engine]:
    # The reading job opens its own sessions on the current engine.
    use_engine(engine)
    yield engine
    use_engine(None)


@pytest.mark.parametrize(("body", "content_type"), [
    (b"PK\x03\x04" + b"\x00" * 200, "application/pdf"),
    (b"<html><body>" + b"x" * 2000, "application/pdf"),
    (b"", "application/pdf"),
    (b"%PDF-1.4", "text/plain"),
    (b"%PDF-1.4", "application/x-www-form-urlencoded"),
])
def test_what_is_not_a_pdf_is_refused_and_not_kept(
    client: TestClient, world: World, engine: Engine, body: bytes, content_type: str
) -> None:
    response = client.post("/api/referrals/pdf", content=body,
                           headers={**bearer(world.tokens["integration"]),
                                    "Content-Type": content_type})

    assert response.status_code in (415, 422)
    assert response.json()["error"]["field"] in ("file", "content-type")
    with session_scope(engine) as session:
        assert session.scalar(select(func.count()).select_from(IntakeMessage)) == 0


def test_the_shared_stream_file_is_small_on_the_wire() -> None:
    assert len(pdf_sharing_one_stream(pages=2, decoded_bytes=1_000_000)) < 4_000


def test_a_page_whose_text_layer_inflates_to_megabytes_is_failed_with_why(
    current_engine: Engine
) -> None:
    with session_scope() as session:
        message_id = receive_pdf(session, SENDER, pdf_sharing_one_stream(2, 1_000_000),
                                 door="api").id

    status = read_stored_pdf(message_id)

    assert status == FAILED
    with session_scope() as session:
        message = session.get(IntakeMessage, message_id)
        assert message is not None and message.document is not None
        assert (message.error or "").startswith(
            "document: page 1 holds over 500,000 bytes of drawing")
