"""Each audit test gets its own audit key and checkpoint file, in its own directory."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from referraldesk.settings import reset_settings_cache

AUDIT_KEY = "audit-key-for-tests-0123456789abcdefghijklmnopq"


@pytest.fixture(autouse=True)
def audit_files(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    """The checkpoint file's path; the key is AUDIT_KEY."""
    checkpoint = tmp_path / "audit" / "audit.checkpoint"
    monkeypatch.setenv("REFERRALDESK_AUDIT_KEY", AUDIT_KEY)
    monkeypatch.setenv("REFERRALDESK_AUDIT_CHECKPOINT_FILE", str(checkpoint))
    reset_settings_cache()
    yield checkpoint
    monkeypatch.undo()
    reset_settings_cache()
