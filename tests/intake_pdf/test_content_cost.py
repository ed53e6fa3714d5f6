"""A PDF small on the wire cannot make its text layer cost minutes: the drawing
instructions pypdf would parse are counted, forms as often as they are drawn, and a
file over the budget is refused before any text is read."""

from __future__ import annotations

import io
import zlib

import pytest
from pypdf import PageObject, PdfReader
from tests.intake_pdf.documents import Case, digital_pdf, make_cases

from referraldesk.intake.pdf import reading
from referraldesk.intake.pdf.content_cost import page_content_bytes

SHOW_TEXT = b"BT /F1 12 Tf (A) Tj ET\n"
FONT = b"/Font << /F1 3 0 R >>"


def _stream(data: bytes, dictionary: bytes = b"") -> bytes:
    packed = zlib.compress(data, 9)
    return (b"<< %s /Length %d /Filter /FlateDecode >>\nstream\n" % (dictionary, len(packed))
            + packed + b"\nendstream")


def raw_pdf(pages: int, page_content: bytes, form_content: bytes | None = None) -> bytes:
    """Pages that all draw one content stream; with `form_content`, a form XObject /X too."""
    form = 5 + pages
    resources = b"<< %s /XObject << /X %d 0 R >> >>" % (FONT, form) if form_content is not None \
        else b"<< %s >>" % FONT
    kids = b" ".join(b"%d 0 R" % (5 + number) for number in range(pages))
    objects = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Count %d /Kids [ %s ] >>" % (pages, kids),
        b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>",
        _stream(page_content),
        *[b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Resources %s "
          b"/Contents 4 0 R >>" % resources] * pages,
    ]
    if form_content is not None:
        objects.append(_stream(form_content, b"/Type /XObject /Subtype /Form "
                                             b"/BBox [0 0 612 792] /Resources %s" % resources))
    out = io.BytesIO()
    out.write(b"%PDF-1.4\n")
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


def _first_page(data: bytes) -> PageObject:
    return PdfReader(io.BytesIO(data)).pages[0]


@pytest.fixture
def texts_read(monkeypatch: pytest.MonkeyPatch) -> list[int]:
    """Counts the pages whose text pypdf was asked for."""
    calls: list[int] = []
    extract_text = PageObject.extract_text

    def counted(page: PageObject, *args: object, **options: object) -> str:
        calls.append(1)
        return extract_text(page, *args, **options)  # type: ignore[arg-type]

    monkeypatch.setattr(PageObject, "extract_text", counted)
    return calls


def test_a_form_is_counted_each_time_the_page_draws_it() -> None:
    page_content, form_content = b"/X Do\n/X Do\n", SHOW_TEXT * 10

    cost = page_content_bytes(_first_page(raw_pdf(1, page_content, form_content)), 10_000)

    assert cost == len(page_content) + 2 * len(form_content)


def test_a_form_that_draws_itself_is_counted_once_as_pypdf_reads_it() -> None:
    form_content = SHOW_TEXT + b"/X Do\n"

    cost = page_content_bytes(_first_page(raw_pdf(1, b"/X Do\n", form_content)), 10_000)

    assert cost == len(b"/X Do\n") + len(form_content)


@pytest.mark.parametrize("case", make_cases(4), ids=lambda case: case.layout)
def test_a_printed_referral_costs_a_few_kilobytes_and_is_read(case: Case) -> None:
    data = digital_pdf(case)

    assert page_content_bytes(_first_page(data), reading.MAX_PAGE_CONTENT_BYTES) < 2_000
    assert reading.read_pdf(data).read_by == reading.TEXT_LAYER


def test_a_small_form_drawn_thousands_of_times_is_refused_before_any_text_is_read(
    texts_read: list[int]
) -> None:
    data = raw_pdf(1, b"/X Do\n" * 5_000, SHOW_TEXT * 20)

    with pytest.raises(reading.UnreadablePdf) as refused:
        reading.read_pdf(data)

    assert len(data) < 2_000
    assert str(refused.value).startswith(
        "page 1 holds over 500,000 bytes of drawing instructions, the most read from one page")
    assert texts_read == []


def test_pages_sharing_one_stream_are_refused_by_the_file_total(texts_read: list[int]) -> None:
    data = raw_pdf(8, SHOW_TEXT * (400_000 // len(SHOW_TEXT)))

    with pytest.raises(reading.UnreadablePdf) as refused:
        reading.read_pdf(data)

    assert str(refused.value).startswith(
        "pages 1 to 6 hold over 2,000,000 bytes of drawing instructions in all")
    assert texts_read == []
