"""Small factories and a scripted brain for conversation and channel tests.

The scripted brain is the harness: caller turns in, tool calls and replies out. Each
step of its script is a function of (ctx, text) returning an AgentTurn, so a test
says exactly which tools the "brain" calls and what it answers.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import date

from sqlalchemy.orm import Session

from referraldesk.audit.trail import SYSTEM
from referraldesk.conversation import brains
from referraldesk.conversation.brain import TurnContext
from referraldesk.conversation.turn import Action, AgentTurn, Option
from referraldesk.models import Patient, Plan, Practice

NOW = "2026-03-04T09:15:00-08:00"
PHONE = "+15595550143"
DOB = date(1985, 4, 3)

Step = Callable[[TurnContext, str], AgentTurn]


def make_practice(session: Session) -> Practice:
    practice = Practice(
        name="Valley Test Clinic", timezone="America/Los_Angeles", staff_phone="+15595550199"
    )
    session.add(practice)
    session.add(
        Plan(
            key="anthem_medi_cal",
            name="Anthem Blue Cross Medi-Cal",
            payer="Anthem",
            kind="medi_cal",
            aliases=["anthem"],
        )
    )
    session.flush()
    return practice


def make_patient(session: Session, *, phone: str = PHONE) -> Patient:
    from referraldesk.patients.service import register_patient

    return register_patient(
        session,
        SYSTEM,
        {
            "given_names": "María Elena",
            "surnames": ["López", "García"],
            "dob": DOB,
            "phone": phone,
            "preferred_language": "es",
            "plan": "Anthem Blue Cross Medi-Cal",
        },
    )


def say(reply: str, *, language: str = "en", awaiting: str = "none", **fields: object) -> AgentTurn:
    return AgentTurn(reply=reply, language=language, awaiting=awaiting, **fields)  # type: ignore[arg-type]


@dataclass
class ScriptedBrain:
    """A fake brain that plays its steps in order, one per caller message."""

    steps: list[Step] = field(default_factory=list)
    greeting: AgentTurn = field(default_factory=lambda: say("Hi, how can I help?"))
    heard: list[str] = field(default_factory=list)
    contexts: list[TurnContext] = field(default_factory=list)
    name: str = "scripted"

    def start(self, ctx: TurnContext) -> AgentTurn:
        self.contexts.append(ctx)
        return self.greeting

    def respond(self, ctx: TurnContext, text: str) -> AgentTurn:
        self.heard.append(text)
        self.contexts.append(ctx)
        step = self.steps[min(len(self.heard), len(self.steps)) - 1] if self.steps else None
        return step(ctx, text) if step else say("Okay.")


@contextmanager
def scripted(brain: ScriptedBrain) -> Iterator[ScriptedBrain]:
    """Serve `brain` as every conversation's brain ("guided" included) while inside."""
    with brains.replaced("guided", lambda: brain), brains.replaced("scripted", lambda: brain):
        yield brain


def reply_with(turn: AgentTurn) -> Step:
    return lambda ctx, text: turn


def verify_with(dob: str) -> Step:
    """A step that tries lookup_patient with María's name and the given birth date."""

    def step(ctx: TurnContext, text: str) -> AgentTurn:
        outcome = ctx.call_tool(
            "lookup_patient", given_names="María Elena", surnames=["López", "García"], dob=dob
        )
        if outcome.ok:
            return say("Thanks, I found you.", awaiting="time_preference")
        return say("I could not confirm that. What is your date of birth?", awaiting="dob")

    return step


SLOT_OPTIONS = [
    Option(
        id="slot-1",
        kind="slot",
        label="Friday March 6 at 6:30 AM",
        start="2026-03-06T06:30:00-08:00",
        specialty="dermatology",
    ),
    Option(
        id="slot-2",
        kind="slot",
        label="Friday March 6 at 7:00 AM",
        start="2026-03-06T07:00:00-08:00",
        specialty="dermatology",
    ),
]

END = Action(type="end", reason="done")
