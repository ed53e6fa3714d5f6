"""The caller-case player: simulated callers from /work/shared/cases against the engine.

from referraldesk.simulation import load_case, play_case
result = play_case(load_case("es-derm-early-morning.yaml"))
result.passed, result.reasons, result.transcript
"""

from referraldesk.simulation.cases import CallerCase, CaseError, load_case
from referraldesk.simulation.player import CaseResult, play_case

__all__ = ["CallerCase", "CaseError", "CaseResult", "load_case", "play_case"]
