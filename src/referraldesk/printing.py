"""Plain printed documents: status letters, referrer digests, data-rights exports.

fpdf2's core fonts cover Latin-1, so Spanish names keep their accents; a character
outside it prints as "?" rather than failing the document.
"""

from __future__ import annotations

from collections.abc import Iterable

from fpdf import FPDF
from fpdf.enums import XPos, YPos

FONT = "Helvetica"


class Printout:
    """A letter-size page flow: a title, then headings, lines and label/value facts."""

    def __init__(self, title: str, *, size: int, line_mm: float, label_mm: float) -> None:
        self.size = size
        self.line_mm = line_mm
        self.label_mm = label_mm
        self._pdf = FPDF(format="letter")
        self._pdf.set_auto_page_break(auto=True, margin=15)
        self._pdf.add_page()
        self._pdf.set_font(FONT, style="B", size=14)
        self._flow(title, height=line_mm + 3)
        self._pdf.set_font(FONT, size=size)

    def heading(self, text: str) -> None:
        self.gap()
        self._pdf.set_font(FONT, style="B", size=12)
        self._flow(text, height=self.line_mm + 2)
        self._pdf.set_font(FONT, size=self.size)

    def line(self, text: str) -> None:
        """Text that wraps onto as many lines as it needs."""
        self._flow(text, height=self.line_mm)

    def bold(self, text: str) -> None:
        self._pdf.set_font(FONT, style="B", size=self.size)
        self.line(text)
        self._pdf.set_font(FONT, size=self.size)

    def facts(self, rows: Iterable[tuple[str, str]]) -> None:
        """Label in bold on the left, its value wrapping in the column beside it."""
        for label, value in rows:
            self._pdf.set_font(FONT, style="B", size=self.size)
            self._pdf.cell(self.label_mm, self.line_mm, _latin1(f"{label}:"))
            self._pdf.set_font(FONT, size=self.size)
            self._flow(value, height=self.line_mm)

    def gap(self) -> None:
        self._pdf.ln(self.line_mm / 2)

    def to_bytes(self) -> bytes:
        return bytes(self._pdf.output())

    def _flow(self, text: str, *, height: float) -> None:
        self._pdf.multi_cell(0, height, _latin1(text), new_x=XPos.LMARGIN, new_y=YPos.NEXT)


def _latin1(text: str) -> str:
    return text.encode("latin-1", "replace").decode("latin-1")
