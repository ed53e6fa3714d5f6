"""Field accuracy on the generated test set: digital PDFs, and scanned ones through OCR.

The set is small here (the bench runs a larger one: bench/eval_pdf_intake.py) and
the floors sit a little under the measured figures, so a change that makes the
reading worse fails here first.
"""

from __future__ import annotations

from sqlalchemy.orm import Session
from tests.intake.support import INTEGRATION
from tests.intake_pdf.documents import (
    LAYOUTS,
    accuracy,
    digital_pdf,
    field_hits,
    make_cases,
    scanned_pdf,
)

from referraldesk.intake.pdf.service import read_stored_pdf, receive_pdf
from referraldesk.models.intake import NEEDS_REVIEW


def _measure(db: Session, scanned: bool, count: int) -> tuple[dict[str, float], list[float],
                                                               list[float]]:
    rows, right, wrong = [], [], []
    for index, case in enumerate(make_cases(count, seed=3)):
        data = digital_pdf(case)
        if scanned:
            data = scanned_pdf(data, seed=index)
        message = receive_pdf(db, INTEGRATION, data, door="file")
        db.commit()
        read_stored_pdf(message.id)
        db.refresh(message)
        assert message.status == NEEDS_REVIEW
        fields = message.extracted["fields"]
        hits = field_hits(case, fields)
        rows.append(hits)
        for name, hit in hits.items():
            (right if hit else wrong).append(fields[name]["confidence"])
    return accuracy(rows), right, wrong


def test_digital_pdfs_read_nearly_every_field(db: Session) -> None:
    figures, right, _ = _measure(db, scanned=False, count=2 * len(LAYOUTS))

    assert figures["overall"] >= 0.95
    for field in ("patient_dob", "patient_phone", "specialty", "icd10", "urgency", "plan"):
        assert figures[field] == 1.0, field
    # A letter's sender is guessed from its letterhead: right, but marked to check.
    assert sum(right) / len(right) >= 0.8


def test_scanned_faxes_read_through_ocr(db: Session, tesseract: str) -> None:
    figures, right, wrong = _measure(db, scanned=True, count=len(LAYOUTS))

    assert figures["overall"] >= 0.85
    for field in ("patient_dob", "patient_phone", "member_id", "referring_provider_npi"):
        assert figures[field] == 1.0, field
    # What OCR got wrong is marked less sure than what it got right.
    assert not wrong or sum(wrong) / len(wrong) < sum(right) / len(right)
