"""A PDF cannot take the server down: huge pages, stuck OCR, the door's transaction, lost jobs."""

from __future__ import annotations

import io
import threading
from datetime import timedelta

import pytest
from fastapi.testclient import TestClient
from pypdf import PdfWriter
from sqlalchemy import Engine
from tests.intake.support import INTEGRATION, bearer

from referraldesk import clock
from referraldesk.audit import trail
from referraldesk.db.session import session_scope
from referraldesk.intake.pdf import reading
from referraldesk.intake.pdf.service import read_stored_pdf, receive_pdf
from referraldesk.jobs.pdf_tasks import LOST_AFTER_MINUTES, fail_lost_readings
from referraldesk.models.intake import FAILED, NEEDS_REVIEW, READING, IntakeMessage
from referraldesk.settings import get_settings


def blank_pdf(width_points: float, height_points: float, pages: int = 1) -> bytes:
    writer = PdfWriter()
    for _ in range(pages):
        writer.add_blank_page(width=width_points, height=height_points)
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


@pytest.fixture
def rendered(monkeypatch: pytest.MonkeyPatch) -> list[tuple[int, int]]:
    """The size of every image handed to OCR; the fake OCR reads nothing from it."""
    sizes: list[tuple[int, int]] = []

    def fake_ocr(image: object, timeout_seconds: float) -> tuple[str, float]:
        sizes.append(image.size)  # type: ignore[attr-defined]
        return "", 0.0

    monkeypatch.setattr(reading, "ocr_available", lambda: True)
    monkeypatch.setattr(reading, "_ocr_image", fake_ocr)
    return sizes


def _keep(data: bytes) -> str:
    with session_scope() as session:
        return receive_pdf(session, INTEGRATION, data, door="file").id


def _entry(message_id: str) -> IntakeMessage:
    with session_scope() as session:
        message = session.get(IntakeMessage, message_id)
        session.expunge(message)
        return message


@pytest.mark.parametrize("side", [11_000, 5_000, 612])
def test_a_huge_page_is_rendered_within_the_pixel_budget(
    intake_engine: Engine, rendered: list[tuple[int, int]], side: int
) -> None:
    message_id = _keep(blank_pdf(side, side))

    status = read_stored_pdf(message_id)

    assert status == NEEDS_REVIEW
    (width, height), = rendered
    assert width * height <= get_settings().ocr_max_page_pixels
    # An ordinary page keeps a fax's 200 dpi (612 pt is 8.5 in, 1700 px); a huge
    # one is scaled to the budget, about 2900 px square.
    assert width == height
    assert (width == 1700) if side == 612 else (2800 < width < 2901)


def test_a_page_larger_than_the_pdf_format_allows_fails_with_why(
    intake_engine: Engine, rendered: list[tuple[int, int]]
) -> None:
    message_id = _keep(blank_pdf(20_000, 100))

    assert read_stored_pdf(message_id) == FAILED
    assert rendered == []
    assert "20000 x 100 points, outside 1 to 14400" in _entry(message_id).error


def test_only_the_first_pages_are_read(intake_engine: Engine, rendered: list[tuple[int, int]],
                                       monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(reading, "MAX_TEXT_PAGES", 3)

    read = reading.read_pdf(blank_pdf(612, 792, pages=9))

    assert (read.pages, read.ocr_pages, len(rendered)) == (9, [1, 2, 3], 3)


def test_stuck_ocr_is_stopped_at_its_timeout_and_fails_the_entry(
    intake_engine: Engine, monkeypatch: pytest.MonkeyPatch
) -> None:
    import pytesseract  # type: ignore[import-untyped]

    given: dict[str, object] = {}

    def timed_out(image: object, **options: object) -> dict[str, list[object]]:
        given.update(options)
        raise RuntimeError("Tesseract process timeout")

    monkeypatch.setattr(reading, "ocr_available", lambda: True)
    monkeypatch.setattr(pytesseract, "image_to_data", timed_out)
    monkeypatch.setattr(get_settings(), "ocr_page_timeout_seconds", 7.0)
    message_id = _keep(blank_pdf(612, 792))

    assert read_stored_pdf(message_id) == FAILED
    assert given["timeout"] == 7.0
    assert "OCR of page 1 took longer than 7 seconds" in _entry(message_id).error


def test_other_writes_commit_while_ocr_runs(intake_engine: Engine,
                                            monkeypatch: pytest.MonkeyPatch) -> None:
    started, release = threading.Event(), threading.Event()

    def slow_ocr(image: object, timeout_seconds: float) -> tuple[str, float]:
        started.set()
        release.wait(timeout=30)
        return "", 0.0

    monkeypatch.setattr(reading, "ocr_available", lambda: True)
    monkeypatch.setattr(reading, "_ocr_image", slow_ocr)
    message_id = _keep(blank_pdf(612, 792))
    reader = threading.Thread(target=read_stored_pdf, args=(message_id,))
    reader.start()
    assert started.wait(timeout=30)

    # An audited write, as a booking makes, while OCR is still running: it takes
    # SQLite's write lock and the audit chain, and must not wait for the reading.
    with session_scope() as session:
        trail.record(session, INTEGRATION, "create", "appointment", "a1", reason="booked")
    written_while_reading = _entry(message_id).status
    release.set()
    reader.join(timeout=30)

    assert written_while_reading == READING
    assert _entry(message_id).status == NEEDS_REVIEW


def test_the_door_answers_as_soon_as_the_file_is_kept(
    client: TestClient, secrets: dict[str, str], rendered: list[tuple[int, int]]
) -> None:
    response = client.post("/api/referrals/pdf", content=blank_pdf(11_000, 11_000),
                           headers={**bearer(secrets["integration"]),
                                    "Content-Type": "application/pdf"})
    entry = client.get(f"/api/intake/{response.json()['id']}",
                       headers=bearer(secrets["coordinator"])).json()

    assert response.status_code == 202
    assert response.json()["status"] == READING
    # The job (inline in tests) read it after the door's commit.
    assert (entry["status"], entry["read_by"]) == (NEEDS_REVIEW, "ocr")
    assert len(rendered) == 1


def test_a_reading_whose_job_was_lost_is_failed_not_left_waiting(intake_engine: Engine) -> None:
    waiting = _keep(blank_pdf(612, 792))
    clock.set_now(clock.now() + timedelta(minutes=LOST_AFTER_MINUTES + 1), frozen=True)
    fresh = _keep(blank_pdf(612, 792))

    assert fail_lost_readings() == [waiting]
    assert _entry(waiting).status == FAILED
    assert "did not finish" in _entry(waiting).error
    assert _entry(fresh).status == READING
