"""Play one caller case against the engine and judge it.

Each case runs in its own throwaway SQLite database with the practice clock frozen
at the case's `now`, so a case plays the same way every time. Turns go through the
conversation runtime exactly as a channel's would, each in its own transaction (any
instance could have served it). Voice cases are phone calls: every turn is a webhook
(or ConversationRelay message) signed as Twilio signs it, played once on each
transport, and the case passes only if it passes on both.
"""

from __future__ import annotations

import tempfile
from dataclasses import dataclass, field
from pathlib import Path

from sqlalchemy import Engine
from sqlalchemy.orm import Session

from referraldesk import clock
from referraldesk.conversation import runtime
from referraldesk.conversation.brains import configured_brain_name
from referraldesk.conversation.turn import AgentTurn
from referraldesk.db.session import session_scope
from referraldesk.models import Conversation
from referraldesk.simulation.caller import SimulatedCaller
from referraldesk.simulation.cases import CallerCase
from referraldesk.simulation.checks import check_case
from referraldesk.simulation.seed import fresh_engine, seed_case, specialty_label
from referraldesk.voice.simulated_call import TRANSPORTS, CaseCall

# Past this many agent turns a case has failed whatever its max_turns says.
SAFETY_TURNS = 40
_ENDING_ACTIONS = frozenset({"end", "transfer", "emergency"})


@dataclass
class TranscriptLine:
    speaker: str  # caller | agent
    text: str
    awaiting: str | None = None
    options: list[str] = field(default_factory=list)
    actions: list[str] = field(default_factory=list)


@dataclass
class CaseResult:
    case_id: str
    passed: bool
    reasons: list[str]
    agent_turns: int
    outcome: str | None
    transcript: list[TranscriptLine]
    notes: list[str] = field(default_factory=list)

    def line(self) -> str:
        """ "PASS es-derm-early-morning  9 turns  booked" or "FAIL ... reasons"."""
        status = "PASS" if self.passed else "FAIL"
        head = f"{status} {self.case_id}  {self.agent_turns} turns  {self.outcome or '-'}"
        return head if self.passed else f"{head}  {'; '.join(self.reasons)}"


def play_case(case: CallerCase, *, brain: str | None = None) -> CaseResult:
    """Seed a fresh practice, play the simulated caller, check `expect`.

    Sets the practice clock (frozen at the case's `now`); `brain` None uses the
    configured brain. A voice case is played through the phone webhooks on every
    transport, unless `brain` asks for another brain than the webhooks would use.
    """
    if case.channel != "voice" or (brain is not None and brain != configured_brain_name()):
        return _play_once(case, brain, transport=None)
    results = [_play_once(case, brain, transport=transport) for transport in TRANSPORTS]
    return _both(results)


def _both(results: list[CaseResult]) -> CaseResult:
    """One result for a case played on each transport: it passes only if every one did."""
    first = results[0]
    reasons = [
        f"[{transport}] {reason}"
        for transport, result in zip(TRANSPORTS, results, strict=True)
        for reason in result.reasons
    ]
    failed = next((result for result in results if not result.passed), first)
    return CaseResult(
        first.case_id,
        not reasons,
        reasons,
        failed.agent_turns,
        failed.outcome,
        failed.transcript,
        first.notes,
    )


def _play_once(case: CallerCase, brain: str | None, *, transport: str | None) -> CaseResult:
    with tempfile.TemporaryDirectory(prefix=f"case-{case.id}-") as folder:
        engine = fresh_engine(Path(folder))
        try:
            clock.set_now(case.now, frozen=True)
            with session_scope(engine) as session:
                seeded = seed_case(session, case)
                label = _specialty_label(session, case)
            caller = SimulatedCaller(case, label)
            play = (
                _Play(case, engine, caller, brain)
                if transport is None
                else _PhonePlay(case, engine, caller, transport)
            )
            play.run()
            with session_scope(engine) as session:
                reasons = play.problems + check_case(
                    session, case, play.conversation_id, seeded, play.replies
                )
                outcome = _outcome(session, play.conversation_id)
        finally:
            engine.dispose()
    return CaseResult(
        case.id, not reasons, reasons, len(play.replies), outcome, play.transcript, seeded.notes
    )


def _specialty_label(session: Session, case: CallerCase) -> str | None:
    if case.referral is None:
        return None
    return specialty_label(session, case.referral.specialty, case.caller_language)


def _outcome(session: Session, conversation_id: str) -> str | None:
    conversation = session.get(Conversation, conversation_id)
    return conversation.outcome if conversation else None


class _Play:
    """The loop of one conversation: agent turn, caller answer, until someone stops."""

    def __init__(
        self, case: CallerCase, engine: Engine, caller: SimulatedCaller, brain: str | None
    ):
        self.case = case
        self.engine = engine
        self.caller = caller
        self.brain = brain
        self.conversation_id = ""
        self.replies: list[str] = []
        self.transcript: list[TranscriptLine] = []
        self.problems: list[str] = []
        self.awaited: list[str] = []

    def run(self) -> None:
        self._start()
        words: str | None = self.caller.opening()
        while words is not None:
            turn = self._say(words)
            if self._stops_after(turn):
                break
            words = self.caller.answer(turn)
        self._end()

    def _start(self) -> AgentTurn:
        language = self.case.language if self.case.channel == "chat" else None
        with session_scope(self.engine) as session:
            runtime.skip_analysis(session)
            conversation, turn = runtime.start_conversation(
                session,
                self.case.channel,
                language=language,
                caller_phone=self.case.phone,
                brain=self.brain,
            )
            self.conversation_id = conversation.id
        self._heard(turn)
        return turn

    def _say(self, words: str) -> AgentTurn:
        self.transcript.append(TranscriptLine("caller", words))
        with session_scope(self.engine) as session:
            runtime.skip_analysis(session)
            turn = runtime.handle_message(session, self.conversation_id, words)
        self._heard(turn)
        return turn

    def _end(self) -> None:
        with session_scope(self.engine) as session:
            runtime.skip_analysis(session)
            runtime.end_conversation(session, self.conversation_id, reason="caller_left")

    def _heard(self, turn: AgentTurn) -> None:
        self.replies.append(turn.reply)
        self.transcript.append(
            TranscriptLine(
                "agent",
                turn.reply,
                turn.awaiting,
                [o.label for o in turn.options],
                [a.type for a in turn.actions],
            )
        )
        self.awaited.append(turn.awaiting)

    def _stops_after(self, turn: AgentTurn) -> bool:
        if any(action.type in _ENDING_ACTIONS for action in turn.actions):
            return True
        if turn.awaiting != "none" and self.awaited[-3:] == [turn.awaiting] * 3:
            self.problems.append(f"the agent asked for {turn.awaiting} three times in a row")
            return True
        if len(self.replies) >= SAFETY_TURNS:
            self.problems.append(f"still talking after {len(self.replies)} agent turns")
            return True
        # One turn past the case's limit is enough to know it failed (check_case says so).
        max_turns = self.case.expect.max_turns
        return max_turns is not None and len(self.replies) > max_turns


class _PhonePlay(_Play):
    """The same loop on the phone: each step is a signed webhook on `transport`."""

    def __init__(
        self, case: CallerCase, engine: Engine, caller: SimulatedCaller, transport: str
    ) -> None:
        super().__init__(case, engine, caller, brain=None)
        self.phone = CaseCall(engine, caller_phone=case.phone, transport=transport)

    def _start(self) -> AgentTurn:
        self.conversation_id, turn = self.phone.start()
        self._heard(turn)
        return turn

    def _say(self, words: str) -> AgentTurn:
        self.transcript.append(TranscriptLine("caller", words))
        turn = self.phone.say(words)
        self._heard(turn)
        return turn

    def _end(self) -> None:
        self.phone.end()
