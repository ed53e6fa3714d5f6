"""The doors a PDF comes in by (HTTP, files, a watched folder), and its confirmation."""

from __future__ import annotations

import threading
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import func, select
from sqlalchemy.orm import Session
from tests.intake.support import bearer
from tests.intake_pdf.documents import digital_pdf, make_cases, scanned_pdf
from typer.testing import CliRunner

from referraldesk.cli import app as cli_app
from referraldesk.intake.pdf import folder, reading
from referraldesk.models import Patient, Referral
from referraldesk.models.intake import APPLIED, FAILED, NEEDS_REVIEW, READING, IntakeMessage

CASE = make_cases(1, seed=3)[0]
PDF = digital_pdf(CASE)


def _post(client: TestClient, secret: str, data: bytes = PDF,
          content_type: str = "application/pdf") -> object:
    return client.post("/api/referrals/pdf", content=data,
                       headers={**bearer(secret), "Content-Type": content_type})


def _posted(client: TestClient, secrets: dict[str, str], data: bytes = PDF) -> dict:
    """The entry as a coordinator sees it once the door answered and its job ran."""
    response = _post(client, secrets["integration"], data)
    assert response.status_code == 202, response.text
    entry = client.get(f"/api/intake/{response.json()['id']}",
                       headers=bearer(secrets["coordinator"]))
    return entry.json()


def _count(db: Session, model: type) -> int:
    db.expire_all()
    return db.scalar(select(func.count()).select_from(model)) or 0


def test_a_pdf_posted_waits_for_review_with_its_fields(client: TestClient,
                                                       secrets: dict[str, str],
                                                       db: Session) -> None:
    response = _post(client, secrets["integration"])
    body = client.get(f"/api/intake/{response.json()['id']}",
                      headers=bearer(secrets["coordinator"])).json()

    assert response.status_code == 202
    assert (response.json()["status"], response.json()["read_by"]) == (READING, None)
    assert (body["status"], body["read_by"], body["channel"]) == (NEEDS_REVIEW, "text", "pdf")
    assert body["fields"]["patient_dob"] == {"value": CASE.truth["patient_dob"],
                                             "confidence": 0.95}
    message = db.get(IntakeMessage, body["id"])
    assert message.document == PDF  # kept byte for byte
    assert _count(db, Referral) == 0  # nothing proceeds before a coordinator confirms


def test_a_coordinator_may_upload_it_as_a_form(client: TestClient,
                                               secrets: dict[str, str]) -> None:
    response = client.post("/api/referrals/pdf", headers=bearer(secrets["coordinator"]),
                           files={"file": ("fax.pdf", PDF, "application/pdf")})

    assert response.status_code == 202
    assert response.json()["sender"] == "coordinator:coordinator-token (api)"


@pytest.mark.parametrize(("data", "content_type", "status", "field"), [
    (b"MSH|^~\\&|not a pdf", "application/pdf", 422, "file"),
    (b"", "application/pdf", 422, "file"),
    (PDF, "text/plain", 415, "content-type"),
])
def test_what_is_not_a_pdf_is_refused_and_not_kept(
    client: TestClient, secrets: dict[str, str], db: Session, data: bytes, content_type: str,
    status: int, field: str,
) -> None:
    response = _post(client, secrets["integration"], data, content_type)

    assert response.status_code == status
    assert response.json()["error"]["field"] == field
    assert _count(db, IntakeMessage) == 0


def test_a_pdf_over_the_limit_is_refused(client: TestClient, secrets: dict[str, str],
                                         monkeypatch: pytest.MonkeyPatch) -> None:
    from referraldesk.settings import get_settings

    monkeypatch.setattr(get_settings(), "max_pdf_bytes", 1000)
    response = _post(client, secrets["integration"])

    assert response.status_code == 422
    assert "larger than 1000 bytes" in response.json()["error"]["message"]


@pytest.mark.parametrize(("role", "status"), [("staff", 403), ("auditor", 403), (None, 401)])
def test_only_integrations_and_coordinators_send_pdfs(client: TestClient,
                                                      secrets: dict[str, str],
                                                      role: str | None, status: int) -> None:
    headers = bearer(secrets[role]) if role else {}
    response = client.post("/api/referrals/pdf", content=PDF,
                           headers={**headers, "Content-Type": "application/pdf"})

    assert response.status_code == status


def test_a_damaged_pdf_is_kept_whole_with_its_error(client: TestClient,
                                                    secrets: dict[str, str],
                                                    db: Session) -> None:
    damaged = PDF[:200]

    body = _posted(client, secrets, damaged)

    assert body["status"] == FAILED
    assert "cannot be read" in body["error"]
    assert db.get(IntakeMessage, body["id"]).document == damaged


def test_without_tesseract_a_scan_waits_for_typing_and_says_why(
    client: TestClient, secrets: dict[str, str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(reading, "ocr_available", lambda: False)

    scan = _posted(client, secrets, scanned_pdf(PDF))
    text_layer = _posted(client, secrets)

    assert scan["status"] == FAILED
    assert "Tesseract OCR is not installed" in scan["error"]
    assert text_layer["status"] == NEEDS_REVIEW


def test_the_coordinator_lists_the_queue_by_state(client: TestClient,
                                                  secrets: dict[str, str]) -> None:
    waiting = _post(client, secrets["integration"]).json()["id"]
    failed = _post(client, secrets["integration"], PDF[:200]).json()["id"]

    def listed(query: str) -> list[str]:
        response = client.get(f"/api/intake{query}", headers=bearer(secrets["coordinator"]))
        assert response.status_code == 200
        return [message["id"] for message in response.json()["messages"]]

    assert listed("?status=needs_review") == [waiting]
    assert listed("?status=failed&channel=pdf") == [failed]
    assert client.get("/api/intake?status=lost", headers=bearer(secrets["coordinator"])
                      ).json()["error"]["field"] == "status"
    assert client.get("/api/intake", headers=bearer(secrets["integration"])).status_code == 403


def test_confirming_with_corrections_makes_the_referral(client: TestClient,
                                                        secrets: dict[str, str],
                                                        db: Session) -> None:
    message_id = _post(client, secrets["integration"]).json()["id"]
    coordinator = bearer(secrets["coordinator"])

    response = client.post(f"/api/intake/{message_id}/replay", headers=coordinator,
                           json={"fields": {"member_id": "XYZ-1"}})

    assert response.status_code == 200
    outcome = response.json()
    assert outcome["applied"] is True
    referral = db.get(Referral, outcome["referral_id"])
    assert (referral.specialty_key, referral.placer_id, referral.urgency) == (
        CASE.truth["specialty"], CASE.truth["placer_id"], CASE.truth["urgency"])
    message = db.get(IntakeMessage, message_id)
    assert (message.status, message.referral_id) == (APPLIED, referral.id)
    assert message.extracted["fields"]["member_id"] == {"value": "XYZ-1", "confidence": 1.0,
                                                        "corrected": True}
    db.rollback()  # let go of SQLite's read lock before the app writes again
    again = client.post(f"/api/intake/{message_id}/replay", headers=coordinator, json={})
    assert again.status_code == 409


def test_a_confirmation_that_does_not_pass_keeps_the_corrections(
    client: TestClient, secrets: dict[str, str], db: Session
) -> None:
    message_id = _post(client, secrets["integration"]).json()["id"]

    outcome = client.post(f"/api/intake/{message_id}/replay",
                          headers=bearer(secrets["coordinator"]),
                          json={"fields": {"patient_dob": "1990-02-30",
                                           "reason": "rash, see notes"}}).json()

    assert outcome["applied"] is False
    assert outcome["problems"][0]["where"] == "field patient_dob"
    message = db.get(IntakeMessage, message_id)
    assert message.status == NEEDS_REVIEW
    assert message.extracted["fields"]["reason"]["value"] == "rash, see notes"
    assert _count(db, Referral) == 0 and _count(db, Patient) == 0


@pytest.mark.parametrize(("payload", "field"), [
    ({"fields": {"shoe_size": "9"}}, "fields"), ({"body": "MSH|..."}, "body"),
    ({"fields": "all of them"}, "fields"),
])
def test_bad_replay_payloads_name_the_problem(client: TestClient, secrets: dict[str, str],
                                              payload: dict[str, object], field: str) -> None:
    message_id = _post(client, secrets["integration"]).json()["id"]

    response = client.post(f"/api/intake/{message_id}/replay",
                           headers=bearer(secrets["coordinator"]), json=payload)

    assert response.status_code in (409, 422)
    assert response.json()["error"]["field"] in (field, "message_id")


def test_import_pdf_and_the_intake_commands(intake_engine: object, tmp_path: Path,
                                            db: Session) -> None:
    good, bad = tmp_path / "referral.pdf", tmp_path / "note.pdf"
    good.write_bytes(PDF)
    bad.write_bytes(b"hello")
    runner = CliRunner()

    imported = runner.invoke(cli_app, ["import", "pdf", str(good), str(bad)])

    assert imported.exit_code == 1
    assert "referral.pdf: needs_review: read from its text layer: 15 of 15 fields found" \
        in imported.output
    assert "note.pdf: not taken in: it is not a PDF" in imported.output
    listed = runner.invoke(cli_app, ["intake", "list", "--status", "needs_review"])
    message_id = listed.output.split()[0]
    assert db.get(IntakeMessage, message_id).sender == "system:import (file)"
    db.rollback()
    replayed = runner.invoke(cli_app, ["intake", "replay", message_id,
                                       "--field", "urgency=urgent"])
    assert replayed.exit_code == 0, replayed.output
    db.expire_all()
    assert db.scalar(select(Referral.urgency)) == "urgent"


def test_a_watched_folder_takes_files_in_and_sorts_them(tmp_path: Path) -> None:
    (tmp_path / "early.pdf").write_bytes(PDF)
    handled: list[str] = []
    stop = threading.Event()

    def take_in(path: Path) -> str:
        handled.append(path.name)
        if len(handled) == 2:
            stop.set()
        return folder.DONE if path.read_bytes().startswith(b"%PDF") else folder.FAILED

    watcher = threading.Thread(target=folder.watch, args=(tmp_path, take_in, stop, 0.05))
    watcher.start()
    (tmp_path / "late.pdf").write_bytes(b"not a pdf")
    watcher.join(timeout=30)

    assert not watcher.is_alive()
    assert handled == ["early.pdf", "late.pdf"]
    # The queue keeps the taken file encrypted: no plain copy stays behind on disk.
    assert not (tmp_path / "early.pdf").exists()
    assert not (tmp_path / "done").exists()
    assert (tmp_path / "failed" / "late.pdf").read_bytes() == b"not a pdf"
