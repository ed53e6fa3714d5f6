"""The shared caller cases, played against the guided brain on the demo practice."""

from pathlib import Path

import pytest

from referraldesk.simulation.cases import load_case
from referraldesk.simulation.player import play_case

CASES_DIR = Path("/work/shared/cases")
CASES = sorted(CASES_DIR.glob("*.yaml"))


@pytest.mark.slow
@pytest.mark.parametrize("path", CASES, ids=[path.stem for path in CASES])
def test_the_guided_brain_passes_the_caller_case(path: Path) -> None:
    case = load_case(path)

    result = play_case(case, brain="guided")

    transcript = "\n".join(f"{line.speaker}: {line.text}" for line in result.transcript)
    assert result.passed, f"{result.line()}\n{transcript}"
    assert result.agent_turns <= case.expect.max_turns
