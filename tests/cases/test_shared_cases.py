"""Every caller case in the shared cases folder, played against the configured brain."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from tests.cases.conftest import case_files, cases_dir

from referraldesk.simulation import load_case, play_case

CASES = case_files()


def test_the_cases_folder_is_found() -> None:
    if not CASES and not os.environ.get("REFERRALDESK_CASES_DIR"):
        pytest.skip(f"no caller cases at {cases_dir()}; set REFERRALDESK_CASES_DIR")
    assert CASES, f"REFERRALDESK_CASES_DIR={cases_dir()} holds no *.yaml case"


@pytest.mark.parametrize("path", CASES, ids=[path.stem for path in CASES])
def test_the_caller_case_passes(path: Path) -> None:
    result = play_case(load_case(path))

    transcript = "\n".join(f"{line.speaker}: {line.text}" for line in result.transcript)
    assert result.passed, f"{result.line()}\n{transcript}"
