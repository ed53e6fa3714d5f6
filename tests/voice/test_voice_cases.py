"""The shared caller cases on `channel: voice`, through the signed phone webhooks.

The same simulated caller and checks as the case player, but every turn goes
through `CaseCall` (the phone's driver for the player) on both transports.
"""

from __future__ import annotations

import tempfile
from pathlib import Path
from typing import Any

import pytest
from tests.cases.conftest import case_files

from referraldesk import clock
from referraldesk.db.session import session_scope
from referraldesk.simulation import load_case, play_case
from referraldesk.simulation.caller import SimulatedCaller
from referraldesk.simulation.cases import CallerCase
from referraldesk.simulation.checks import check_case
from referraldesk.simulation.seed import fresh_engine, seed_case, specialty_label
from referraldesk.voice.simulated_call import CaseCall, SimulatedCall

ENDING = frozenset({"end", "transfer", "emergency"})
VOICE_CASES = [path for path in case_files() if load_case(path).channel == "voice"]


def play_by_phone(case: CallerCase, transport: str) -> list[str]:
    """Play `case` through the phone; the problems check_case finds (empty: it passed)."""
    with tempfile.TemporaryDirectory() as folder:
        engine = fresh_engine(Path(folder))
        try:
            clock.set_now(case.now, frozen=True)
            with session_scope(engine) as session:
                seeded = seed_case(session, case)
                label = (
                    specialty_label(session, case.referral.specialty, case.caller_language)
                    if case.referral
                    else None
                )
            caller = SimulatedCaller(case, label)
            phone = CaseCall(engine, caller_phone=case.phone, transport=transport)
            conversation_id, turn = phone.start()
            replies = [turn.reply]
            words = caller.opening()
            while words is not None and len(replies) < 30:
                turn = phone.say(words)
                replies.append(turn.reply)
                if any(action.type in ENDING for action in turn.actions):
                    break
                words = caller.answer(turn)
            phone.end()
            with session_scope(engine) as session:
                return check_case(session, case, conversation_id, seeded, replies)
        finally:
            engine.dispose()


@pytest.mark.skipif(not VOICE_CASES, reason="no shared caller cases on channel: voice")
@pytest.mark.parametrize("transport", ["turn", "streaming"])
@pytest.mark.parametrize("path", VOICE_CASES, ids=lambda path: path.stem)
def test_a_voice_case_passes_through_the_phone(path: Path, transport: str) -> None:
    problems = play_by_phone(load_case(path), transport)

    assert problems == []


@pytest.mark.skipif(not VOICE_CASES, reason="no shared caller cases on channel: voice")
def test_the_case_player_plays_a_voice_case_through_the_webhooks_on_both_transports(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    posted: list[tuple[str, str]] = []
    post = SimulatedCall.post

    def recorded(call: SimulatedCall, url: str, fields: dict[str, str]) -> Any:
        posted.append((call.transport, url.split("?")[0]))
        return post(call, url, fields)

    monkeypatch.setattr(SimulatedCall, "post", recorded)

    result = play_case(load_case(VOICE_CASES[0]))

    assert result.passed, result.line()
    assert ("turn", "https://clinic.example.org/twilio/voice/turn") in posted
    assert ("streaming", "https://clinic.example.org/twilio/voice/relay/done") in posted or (
        "streaming",
        "https://clinic.example.org/twilio/voice/status",
    ) in posted
