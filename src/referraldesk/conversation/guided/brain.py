"""GuidedBrain: the default, offline, deterministic bilingual dialogue manager.

Each caller message goes through the same steps: understand it, follow the
caller's language, handle what overrides the dialogue (emergency, a person,
refusals), take the goal and every fact heard into the frame, let the question
that was pending read its answer, and otherwise move the goal forward. The frame
is the only memory; it goes back into `ctx.state` at the end of every turn.
"""

from __future__ import annotations

from zoneinfo import ZoneInfo

from referraldesk.conversation.brain import TurnContext
from referraldesk.conversation.guided import interrupts, language, planner
from referraldesk.conversation.guided.absorb import absorb
from referraldesk.conversation.guided.flows import (
    book,
    callback,
    cancel,
    decline,
    handoff,
    identify,
    info,
    visits,
    wrapup,
)
from referraldesk.conversation.guided.frame import Frame
from referraldesk.conversation.guided.hearing import hear
from referraldesk.conversation.guided.lexicon import practice_lexicon
from referraldesk.conversation.guided.reply import Reply
from referraldesk.conversation.guided.step import Step
from referraldesk.conversation.turn import AgentTurn
from referraldesk.understanding import Lexicon

# The same question a third time in a row becomes an offer of a person instead. On the
# phone, where speech recognition mishears, it is reprompted twice: the fourth time is.
MAX_ASKS = 3
MAX_ASKS_BY_VOICE = 4
_UNCOUNTED = frozenset({"none", "anything_else"})
# Facts nothing can stand in for: a caller who does not know one is offered a person.
_NEEDED_FACTS = frozenset({"name", "dob", "phone", "specialty"})


class GuidedBrain:
    """A frame-based brain: facts in any order, corrections, two languages, same tools."""

    name = "guided"

    def __init__(self, lexicon: Lexicon | None = None) -> None:
        # Practice data only (plans, specialties): safe to keep across conversations.
        self._lexicon = lexicon

    def start(self, ctx: TurnContext) -> AgentTurn:
        # The conversation's language, never one read from the record behind the
        # caller's number: greeting in it would tell the phone's holder about the record.
        frame = Frame.load(None, ctx.language)
        step = Step(ctx, frame, None, Reply(frame.lang))
        if ctx.direction == "outbound":
            frame.goal = "book"
            step.reply.ask("name", "greet.outbound", practice=ctx.practice_name)
        else:
            step.reply.ask("none", "greet.inbound", practice=ctx.practice_name)
        return _finish(step)

    def respond(self, ctx: TurnContext, text: str) -> AgentTurn:
        frame = Frame.load(ctx.state, ctx.language)
        local_now = ctx.now.astimezone(ZoneInfo(ctx.practice_timezone))
        heard = hear(
            text,
            lang=frame.lang,
            awaiting=frame.awaiting,
            now=local_now,
            lexicon=self.lexicon(ctx),
            channel=ctx.channel,
        )
        step = Step(ctx, frame, heard, Reply(frame.lang))
        language.follow(step)
        if not interrupts.handle(step):
            _converse(step)
        return _finish(step)

    def lexicon(self, ctx: TurnContext) -> Lexicon:
        if self._lexicon is None:
            self._lexicon = practice_lexicon(ctx)
        return self._lexicon


def _converse(step: Step) -> None:
    heard = step.heard
    assert heard is not None
    if heard.medical_advice:
        step.reply.say("refuse.medical_advice")
    if step.frame.transferred and _after_hand_over(step):
        return
    planner.update_goal(step)
    absorb(step)
    if heard.intent in info.TOPICS and heard.u.yes_no is None and not _answers_pending(step):
        planner.answer_topic(step, heard.intent or "")
        return
    if _pending(step):
        return
    if heard.intent == "dont_know" and step.frame.awaiting in _NEEDED_FACTS and not _filled(step):
        handoff.offer(step, step.frame.awaiting, key="handoff.dont_know")
        return
    planner.advance(step)


def _after_hand_over(step: Step) -> bool:
    """Once staff have the conversation, stay with that: answer side questions, say
    goodbye, and otherwise repeat that staff will be in touch. True when handled."""
    heard = step.heard
    assert heard is not None
    if heard.intent in info.TOPICS:
        return False
    if heard.no or heard.intent in ("goodbye", "thanks"):
        wrapup.goodbye(step)
        return True
    handoff.already_handed_over(step)
    return True


def _filled(step: Step) -> bool:
    """True when the fact awaited was filled anyway (a phone from caller id)."""
    frame = step.frame
    return bool({"phone": frame.phone, "specialty": frame.specialty}.get(frame.awaiting))


def _answers_pending(step: Step) -> bool:
    """A time preference or a pick that merely sounds like a question about hours."""
    heard = step.heard
    awaiting = step.frame.awaiting
    return (
        heard is not None
        and heard.has_time_facts
        and awaiting in ("time_preference", "slot_choice")
    )


def _pending(step: Step) -> bool:
    """Let the question that was pending read the answer; True when the turn is complete."""
    frame = step.frame
    handlers = {
        "dob": identify.on_dob_confirm,
        "handoff": handoff.on_offer_answer,
        "callback": callback.on_answer,
        "slot": book.on_confirm,
        "cancel": cancel.on_confirm,
        "decline": decline.on_confirm,
        "appointment": visits.on_pick,
    }
    if frame.pending in handlers:
        return handlers[frame.pending](step)
    if frame.awaiting == "slot_choice":
        return book.on_choice(step)
    if frame.awaiting == "anything_else":
        return wrapup.on_anything_else(step)
    return False


def _finish(step: Step) -> AgentTurn:
    frame, reply = step.frame, step.reply
    if not reply.parts:
        reply.ask("none", "ask.how_can_help")
    count = _ask_count(frame, reply)
    limit = MAX_ASKS_BY_VOICE if step.ctx.channel == "voice" else MAX_ASKS
    if count >= limit and not reply.ends:
        asked = reply.awaiting
        step.reply = reply = Reply(frame.lang)
        handoff.offer(step, asked)
        count = 1
    frame.ask_count = count
    frame.awaiting = reply.awaiting
    frame.pending = reply.pending
    frame.lang = reply.lang
    frame.last_reply = {
        "text": reply.text,
        "lang": reply.lang,
        "awaiting": reply.awaiting,
        "pending": reply.pending,
        "options": [option.model_dump() for option in reply.options],
    }
    step.ctx.state.clear()
    step.ctx.state.update(frame.dump())
    return reply.turn()


def _ask_count(frame: Frame, reply: Reply) -> int:
    if reply.awaiting in _UNCOUNTED:
        return 0
    if reply.awaiting != frame.awaiting or reply.fresh:
        return 1
    return frame.ask_count if reply.resumed else frame.ask_count + 1
