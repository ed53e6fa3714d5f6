"""The agent's own time per voice turn, on both phone transports.

    .venv/bin/python bench/bench_voice.py [--calls 30]

Loads the demo practice into a fresh SQLite database, then plays booking calls for
demo patients through the real voice handlers in-process (signed webhooks for the
turn-based transport, the ConversationRelay WebSocket for streaming), answering what
the agent awaits: keys for the date of birth, the slot and the confirmation. Reports
per transport, over every caller turn:

- handler: from the caller's words reaching our code to our answer leaving it
  (signature check, TwiML or relay messages, database, engine); no network, no
  speech recognition or synthesis: those are Twilio's and the carrier's;
- engine: the runtime's own `latency_ms` stored on each agent turn after the greeting.
"""

from __future__ import annotations

import argparse
import os
import statistics
import tempfile
import time
from datetime import datetime
from pathlib import Path
from typing import Any

NOW = datetime.fromisoformat("2026-05-11T09:15:00-07:00")
OPENING = "Hi, my doctor referred me to a skin doctor"


def p99(values: list[float]) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(len(ordered) * 0.99))] if ordered else 0.0


def answer_for(awaiting: str, patient: Any) -> str:
    answers = {
        "name": f"{patient.given_names} {' '.join(patient.surnames)}",
        "dob": f"#{patient.dob:%m%d%Y}",
        "specialty": "dermatology",
        "reason": "a rash on my arms",
        "time_preference": "any time is fine",
        "slot_choice": "#1",
        "confirm": "#1",
        "anything_else": "no, thanks",
        "plan": "Medicare",
        "phone": "#5595550100",
    }
    return answers.get(awaiting, "I need an appointment with dermatology")


def play(call: Any, patient: Any, handler_ms: list[float]) -> None:
    """One booking call, answering what the agent awaits, until it ends."""
    call.dial()
    words = OPENING
    for _ in range(16):
        started = time.perf_counter()
        heard = call.press(words[1:]) if words.startswith("#") else call.say(words)
        handler_ms.append((time.perf_counter() - started) * 1000)
        if heard.ended or heard.turn is None:
            break
        words = answer_for(heard.turn.awaiting, patient)
    call.hang_up()


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--calls", type=int, default=30, help="calls per transport")
    args = parser.parse_args()
    workdir = Path(tempfile.mkdtemp(prefix="rd-bench-voice-"))
    # Before the first settings read: the queue and logs stay in the scratch folder.
    os.environ |= {
        "REFERRALDESK_QUEUE_PATH": str(workdir / "queue.db"),
        "REFERRALDESK_PUBLIC_URL": "https://clinic.example.org",
        "REFERRALDESK_TWILIO_AUTH_TOKEN": "bench" * 6 + "00",
    }
    run(workdir, args.calls)


def run(workdir: Path, calls: int) -> None:
    from sqlalchemy import select

    from referraldesk import clock
    from referraldesk.audit.trail import SYSTEM
    from referraldesk.db.session import session_factory, session_scope
    from referraldesk.logging import configure_logging
    from referraldesk.models import Conversation, Patient, Turn
    from referraldesk.practice.loader import load_demo
    from referraldesk.simulation.seed import fresh_engine
    from referraldesk.voice.simulated_call import SimulatedCall, open_app

    configure_logging("WARNING", json=True)
    engine = fresh_engine(workdir)
    clock.set_now(NOW, frozen=True)
    with session_scope(engine) as session:
        load_demo(session, today=NOW.date(), actor=SYSTEM)
    with session_factory(engine)() as session:
        patients = list(session.scalars(select(Patient).order_by(Patient.id).limit(2 * calls)))
    app = open_app(engine, skip_analysis=True)

    print(f"clock {NOW.isoformat()}, {calls} calls per transport, SQLite, in-process")
    print(
        f"{'transport':>10} {'turns':>6} {'handler p50':>12} {'p99':>9} "
        f"{'engine p50':>11} {'p99':>9} {'booked':>7}"
    )
    # Each transport calls for its own patients: a second booking would change the dialogue.
    for offset, transport in enumerate(("turn", "streaming")):
        handler_ms: list[float] = []
        conversation_ids = []
        for index, patient in enumerate(patients[offset * calls : (offset + 1) * calls]):
            call = SimulatedCall(app, transport=transport, caller=f"+1559555{index:04d}")
            play(call, patient, handler_ms)
            conversation_ids.append(call.conversation_id())
        with session_factory(engine)() as session:
            booked = len(
                session.scalars(
                    select(Conversation.id).where(
                        Conversation.id.in_(conversation_ids), Conversation.outcome == "booked"
                    )
                ).all()
            )
            engine_ms = [
                float(value)
                for value in session.scalars(
                    select(Turn.latency_ms).where(
                        Turn.conversation_id.in_(conversation_ids),
                        Turn.speaker == "agent",
                        Turn.seq > 1,
                    )
                )
                if value is not None
            ]
        print(
            f"{transport:>10} {len(handler_ms):>6} {statistics.median(handler_ms):>10.1f}ms "
            f"{p99(handler_ms):>7.1f}ms {statistics.median(engine_ms):>9.1f}ms "
            f"{p99(engine_ms):>7.1f}ms {booked:>7}"
        )


if __name__ == "__main__":
    main()
