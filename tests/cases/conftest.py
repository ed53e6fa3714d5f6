"""Where the shared caller cases are: REFERRALDESK_CASES_DIR, else <clone>/../shared/cases."""

from __future__ import annotations

import os
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parents[2]


def cases_dir() -> Path:
    configured = os.environ.get("REFERRALDESK_CASES_DIR")
    if configured:
        return Path(configured).expanduser().resolve()
    return (REPO_ROOT.parent / "shared" / "cases").resolve()


def case_files() -> list[Path]:
    folder = cases_dir()
    return sorted(folder.glob("*.yaml")) if folder.is_dir() else []
