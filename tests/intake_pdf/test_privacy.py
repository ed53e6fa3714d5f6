"""A fax's file name (often the patient's name and date of birth) is neither kept nor echoed."""

from __future__ import annotations

from pathlib import Path

from fastapi.testclient import TestClient
from sqlalchemy import Engine
from tests.intake.support import bearer
from tests.intake_pdf.documents import digital_pdf, make_cases

PDF = digital_pdf(make_cases(1, seed=3)[0])
# Not the patient in the PDF: whatever of it turns up came from the file name.
FILE_NAME = "ZAPATERO_XIMENA_1931-07-23.pdf"
TELLTALES = (b"ZAPATERO", b"XIMENA", b"1931-07-23")


def _raw_database(engine: Engine) -> bytes:
    """Every byte SQLite wrote: the database file and its write-ahead log."""
    path = Path(str(engine.url.database))
    wal = path.with_name(path.name + "-wal")
    return path.read_bytes() + (wal.read_bytes() if wal.exists() else b"")


def _upload(client: TestClient, secret: str, data: bytes) -> object:
    return client.post("/api/referrals/pdf", headers=bearer(secret),
                       files={"file": (FILE_NAME, data, "application/pdf")})


def test_the_file_name_is_not_kept_or_echoed(client: TestClient, secrets: dict[str, str],
                                             intake_engine: Engine) -> None:
    kept = _upload(client, secrets["coordinator"], PDF)
    entry = client.get(f"/api/intake/{kept.json()['id']}", headers=bearer(secrets["coordinator"]))
    listed = client.get("/api/intake", headers=bearer(secrets["coordinator"]))
    refused = _upload(client, secrets["coordinator"], b"not a pdf at all")

    assert (kept.status_code, refused.status_code) == (202, 422)
    for answer in (kept, entry, listed, refused):
        assert not any(telltale in answer.content for telltale in TELLTALES), answer.text
    assert entry.json()["sender"] == "coordinator:coordinator-token (api)"
    assert not any(telltale in _raw_database(intake_engine) for telltale in TELLTALES)
