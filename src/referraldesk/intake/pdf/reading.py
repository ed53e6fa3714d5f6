"""The text of a PDF: its text layer where it has one, OCR where it does not.

A fax is usually an image-only PDF; a PDF printed from an EHR has a text layer.
Each page is read on its own, so a typed cover sheet in front of scanned pages
still has its pages OCR'd. Only the first pages are OCR'd: the referral form is
at the front, and the chart notes behind it would cost seconds a page.
"""

from __future__ import annotations

import io
import math
import os
import shutil
from dataclasses import dataclass, field
from functools import lru_cache
from typing import TYPE_CHECKING

from referraldesk.errors import InvalidArgument
from referraldesk.settings import get_settings

if TYPE_CHECKING:
    from pypdf import PageObject

PDF_MAGIC = b"%PDF-"
# A fax is 200 dpi ("fine" mode): rendering finer adds pixels, not detail, and
# doubles Tesseract's time. A PDF's unit is 1/72 inch.
OCR_DPI = 200
OCR_LANGUAGES = "eng+spa"
MAX_OCR_PAGES = 4
# Only the first pages' text layers are read: a 10 MB file may hold thousands of
# pages, and the referral form is at the front.
MAX_TEXT_PAGES = 50
# pypdf reads a text layer at about 3 s a decoded megabyte, however small the file
# (content_cost.py): a referral's page is a few kilobytes of drawing instructions.
MAX_PAGE_CONTENT_BYTES = 500_000
MAX_FILE_CONTENT_BYTES = 2_000_000
# The largest page the PDF format allows (200 inches a side); beyond it a page is
# a trap, not a referral form.
MAX_PAGE_POINTS = 14_400
# Fewer letters than this on a page means it is a picture of a page (a scan).
MIN_TEXT_LAYER_CHARS = 40
TEXT_LAYER = "text"
OCR = "ocr"


class UnreadablePdf(InvalidArgument):
    """The file is a PDF we cannot read (damaged, encrypted, scanned without OCR)."""


@dataclass
class ReadPdf:
    """What was read: the text, how, and how sure OCR was (0..1, None without OCR)."""

    text: str
    read_by: str
    pages: int
    ocr_pages: list[int] = field(default_factory=list)
    ocr_confidence: float | None = None


def looks_like_pdf(data: bytes) -> bool:
    """True when the bytes start like a PDF (some senders put a few bytes before %PDF)."""
    return PDF_MAGIC in data[:1024]


@lru_cache(maxsize=1)
def ocr_available() -> bool:
    """True when the Tesseract program is installed (the dashboard says so when not)."""
    return shutil.which("tesseract") is not None


def read_pdf(data: bytes) -> ReadPdf:
    """Read the first pages' text layers; OCR the first pages that have none.

    Runs without any database session: OCR takes seconds a page, and nothing may
    wait on it. Raises UnreadablePdf naming what is wrong and what to do.
    """
    texts, page_count = _text_layers(data)
    scanned = [number for number, text in enumerate(texts)
               if len(text.strip()) < MIN_TEXT_LAYER_CHARS][:MAX_OCR_PAGES]
    if not scanned:
        return ReadPdf("\n".join(texts), TEXT_LAYER, page_count)
    if not ocr_available():
        raise UnreadablePdf(
            f"page {scanned[0] + 1} has no text layer (a scanned fax), and Tesseract OCR is not "
            "installed here; install it (apt-get install tesseract-ocr tesseract-ocr-spa), then "
            "send the file again, or type the fields in", field="document")
    confidences = []
    for number, (text, confidence) in zip(scanned, _ocr_pages(data, scanned), strict=True):
        texts[number] = text
        confidences.append(confidence)
    read_by = OCR if len(scanned) == len(texts) else f"{TEXT_LAYER}+{OCR}"
    return ReadPdf("\n".join(texts), read_by, page_count, [n + 1 for n in scanned],
                   round(sum(confidences) / len(confidences), 3))


def _text_layers(data: bytes) -> tuple[list[str], int]:
    """The text of the first MAX_TEXT_PAGES pages, and how many pages the file has."""
    from pypdf import PdfReader
    from pypdf.errors import PyPdfError

    try:
        reader = PdfReader(io.BytesIO(data))
        if reader.is_encrypted and not reader.decrypt(""):
            raise UnreadablePdf("the PDF is password-protected; ask the sender for a copy "
                                "without a password", field="document")
        pages = reader.pages
        read = [pages[number] for number in range(min(len(pages), MAX_TEXT_PAGES))]
        _refuse_costly_text_layers(read)
        return [page.extract_text() or "" for page in read], len(pages)
    except UnreadablePdf:
        raise
    except (PyPdfError, ValueError, KeyError, TypeError, OSError) as exc:
        # pypdf signals damaged files with several exception types.
        raise UnreadablePdf(f"the PDF cannot be read ({type(exc).__name__}); it may be "
                            "damaged or cut short: ask the sender to send it again",
                            field="document") from exc


def _refuse_costly_text_layers(pages: list[PageObject]) -> None:
    """Raise UnreadablePdf before reading text layers that would hold a worker for minutes."""
    from referraldesk.intake.pdf.content_cost import page_content_bytes

    spent = 0
    for number, page in enumerate(pages, 1):
        cost = page_content_bytes(page, MAX_PAGE_CONTENT_BYTES)
        if cost > MAX_PAGE_CONTENT_BYTES:
            raise UnreadablePdf(
                f"page {number} holds over {MAX_PAGE_CONTENT_BYTES:,} bytes of drawing "
                "instructions, the most read from one page; ask the sender to print the "
                "referral again or fax it, or type the fields in", field="document")
        spent += cost
        if spent > MAX_FILE_CONTENT_BYTES:
            raise UnreadablePdf(
                f"pages 1 to {number} hold over {MAX_FILE_CONTENT_BYTES:,} bytes of drawing "
                "instructions in all, the most read from one file; ask the sender for the "
                "referral pages alone, or type the fields in", field="document")


def render_scale(width_points: float, height_points: float, max_pixels: int) -> float:
    """Pixels per point for OCR: a fax's 200 dpi, less when the page would pass `max_pixels`.

    Raises UnreadablePdf for a page with no area or larger than the PDF format allows.
    """
    if not (0 < width_points <= MAX_PAGE_POINTS and 0 < height_points <= MAX_PAGE_POINTS):
        raise UnreadablePdf(
            f"a page measures {width_points:.0f} x {height_points:.0f} points, outside 1 to "
            f"{MAX_PAGE_POINTS} a side; it is not a page that can be read: ask the sender for "
            "the referral on ordinary pages, or type the fields in", field="document")
    scale = min(OCR_DPI / 72, math.sqrt(max_pixels / (width_points * height_points)))
    # pdfium rounds each side up to a whole pixel: step down until that still fits.
    while math.ceil(width_points * scale) * math.ceil(height_points * scale) > max_pixels:
        scale *= 0.995
    return scale


def _ocr_pages(data: bytes, numbers: list[int]) -> list[tuple[str, float]]:
    import pypdfium2  # type: ignore[import-untyped]  # ships no type hints

    settings = get_settings()
    try:
        document = pypdfium2.PdfDocument(data)
    except pypdfium2.PdfiumError as exc:
        raise UnreadablePdf("the PDF's pages cannot be rendered for OCR; it may be damaged: "
                            "ask the sender to send it again", field="document") from exc
    try:
        return [_ocr_page(document[number], number, settings.ocr_max_page_pixels,
                          settings.ocr_page_timeout_seconds) for number in numbers]
    finally:
        document.close()


def _ocr_page(page: object, number: int, max_pixels: int,
              timeout_seconds: float) -> tuple[str, float]:
    width, height = page.get_size()  # type: ignore[attr-defined]
    scale = render_scale(width, height, max_pixels)
    image = page.render(scale=scale, grayscale=True).to_pil()  # type: ignore[attr-defined]
    try:
        return _ocr_image(image, timeout_seconds)
    except OcrTimeout as exc:
        raise UnreadablePdf(
            f"OCR of page {number + 1} took longer than {timeout_seconds:g} seconds and was "
            "stopped; type the fields in from the PDF", field="document") from exc


class OcrTimeout(Exception):
    """Tesseract ran past its time on a page and was killed."""


def _ocr_image(image: object, timeout_seconds: float) -> tuple[str, float]:
    """One page's text row by row, and Tesseract's mean word confidence (0..1)."""
    import pytesseract  # type: ignore[import-untyped]  # ships no type hints

    # Tesseract's OpenMP threads fight each other on a busy machine: one thread a
    # page measured twice as fast as the default on two shared cores.
    os.environ.setdefault("OMP_THREAD_LIMIT", "1")
    try:
        data = pytesseract.image_to_data(image, lang=OCR_LANGUAGES, timeout=timeout_seconds,
                                         output_type=pytesseract.Output.DICT)
    except RuntimeError as exc:
        # pytesseract kills Tesseract at the timeout and says so only in the message.
        if str(exc) == "Tesseract process timeout":
            raise OcrTimeout() from exc
        raise
    lines: dict[tuple[int, int, int], _Line] = {}
    confidences: list[float] = []
    for index, word in enumerate(data["text"]):
        if not word.strip():
            continue
        key = (data["block_num"][index], data["par_num"][index], data["line_num"][index])
        top, left = data["top"][index], data["left"][index]
        line = lines.setdefault(key, _Line(top, top, left, left))
        line.add(word, top, top + data["height"][index], left + data["width"][index])
        confidences.append(max(float(data["conf"][index]), 0.0))
    mean = sum(confidences) / len(confidences) / 100 if confidences else 0.0
    return "\n".join(_rows(list(lines.values()))), mean


@dataclass
class _Line:
    top: int
    bottom: int
    left: int
    right: int
    words: list[str] = field(default_factory=list)

    def add(self, word: str, top: int, bottom: int, right: int) -> None:
        self.words.append(word)
        self.top, self.bottom = min(self.top, top), max(self.bottom, bottom)
        self.right = max(self.right, right)

    @property
    def text(self) -> str:
        return " ".join(self.words)


def _rows(lines: list[_Line]) -> list[str]:
    """Tesseract's lines put back into rows of the page.

    Tesseract reads a two-column form column by column, so "Patient: ..." and
    "DOB: ..." on one row of the page come out far apart; lines whose middles sit
    inside one row's height are joined left to right, as the form printed them.
    """
    rows: list[list[_Line]] = []
    for line in sorted(lines, key=lambda item: (item.top, item.left)):
        middle = (line.top + line.bottom) / 2
        if rows and rows[-1][0].top <= middle <= rows[-1][0].bottom:
            rows[-1].append(line)
        else:
            rows.append([line])
    return [_joined(sorted(row, key=lambda item: item.left)) for row in rows]


def _joined(row: list[_Line]) -> str:
    # A wide gap is the next column ("   " keeps it apart); a narrow one is the
    # same sentence that Tesseract cut into two blocks.
    text = row[0].text
    for before, line in zip(row, row[1:], strict=False):
        wide = line.left - before.right > (line.bottom - line.top)
        text += ("   " if wide else " ") + line.text
    return text
