"""The checks every turn passes whatever the brain: they sit below the guided and LLM brains.

- An emergency gets "hang up and call 911" in the very reply to the message that
  describes it; if the brain forgot, the runtime says it first.
- Nothing from a patient record is said before the caller is verified.
- Three failed identity checks hand the caller to a person, without a word on what
  did not match (that would help someone guessing).
- An opt-out ("STOP", "no me llamen") is honoured at once, before the brain sees it.

The sentences here are the guardrails' own: they must exist for any brain, in both
languages, even if a phrasebook changes.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from referraldesk.conversation.brain import ToolOutcomeLike, TurnContext
from referraldesk.conversation.phi import PhiMarkers
from referraldesk.conversation.turn import Action, AgentTurn
from referraldesk.logging import get_logger
from referraldesk.patients.names import fold

log = get_logger(__name__)

MAX_FAILED_VERIFICATIONS = 3

LINES: dict[str, dict[str, str]] = {
    "emergency": {
        "en": "If this is an emergency, hang up and call 911 now.",
        "es": "Si es una emergencia, cuelgue y llame al 911 ahora mismo.",
    },
    "verification_transfer": {
        "en": "I'm going to connect you with our staff, who can help you from here.",
        "es": "Le voy a comunicar con nuestro personal, que le puede ayudar desde aquí.",
    },
    "identity_first": {
        "en": "Before I can share any details, I need to confirm who you are. "
        "What is your full name?",
        "es": "Antes de darle cualquier dato, necesito confirmar quién es usted. "
        "¿Cuál es su nombre completo?",
    },
    "opted_out": {
        "en": "You won't get any more automated calls or texts from us. "
        "You can still call us whenever you need to.",
        "es": "Ya no le enviaremos llamadas ni mensajes automáticos. "
        "Puede llamarnos cuando lo necesite.",
    },
    "opt_out_to_staff": {
        "en": "Understood. I've asked our staff to stop calls and texts to you; "
        "they will confirm it with you. You can still call us whenever you need to.",
        "es": "Entendido. Pedí a nuestro personal que deje de llamarle y de enviarle "
        "mensajes; ellos se lo confirmarán. Puede llamarnos cuando lo necesite.",
    },
    "opted_in": {
        "en": "You're subscribed to our texts again. Reply STOP at any time to stop them.",
        "es": "Volverá a recibir nuestros mensajes. "
        "Responda STOP cuando quiera dejar de recibirlos.",
    },
    "opt_in_unverified": {
        "en": "Thanks. To turn our texts back on for your record, please call the clinic.",
        "es": "Gracias. Para volver a activar nuestros mensajes en su expediente, "
        "llame a la clínica.",
    },
    "agent_error": {
        "en": "I'm sorry, something went wrong on my side. Let me get a person to help you.",
        "es": "Disculpe, tuve un problema. Le comunico con una persona para que le ayude.",
    },
}

# Carrier keywords: on a text thread the whole message is the keyword. In a chat or a
# call about appointments these words mean something else: each maps to that intent.
SMS_ONLY_STOP_WORDS = {"cancel": "cancel", "end": "goodbye", "quit": "goodbye"}
_START_WORDS = frozenset({"start", "unstop", "subscribe"})


def line(key: str, language: str) -> str:
    return LINES[key]["es" if language == "es" else "en"]


def as_action(raw: dict[str, Any]) -> Action:
    """A tool's action dict as an Action; keys the model does not name go to `extra`."""
    named = {key: raw[key] for key in ("type", "reason", "to", "body") if key in raw}
    extra = {key: value for key, value in raw.items() if key not in named}
    return Action.model_validate(named | {"extra": extra})


@dataclass(frozen=True)
class Heard:
    """What the runtime understood of a caller message before the brain saw it."""

    language: str | None
    intent: str | None


def hear(
    text: str,
    *,
    now: datetime,
    language: str,
    awaiting: str | None,
    hint: str | None = None,
) -> Heard:
    """Read the caller's message for what the guardrails need: its language and intent.

    Text that reads as either language ("ok", "7:30", "Hospital General") is taken
    to be in `hint` (the language the channel transcribed in), else in the
    conversation's `language`.

    The same two readings `understand` makes, without its dates, names and plan and
    specialty matching: the brain reads the message in full with the practice's own
    lexicon, and doing it here too was a fifth of a turn's CPU. `now` and `awaiting`
    stay in the signature for the guardrails that may come to need them.
    """
    from referraldesk.understanding.intents import detect_intent
    from referraldesk.understanding.language import detect_language

    return Heard(language=detect_language(text, hint or language), intent=detect_intent(text))


def consent_keyword(text: str, heard: Heard, channel: str) -> str | None:
    """ "stop" for an opt-out, "start" for an opt-in on a text thread, else None."""
    word = fold(text)
    if channel == "sms" and word in _START_WORDS:
        return "start"
    return "stop" if asks_to_stop_contact(text, heard.intent, channel) else None


def asks_to_stop_contact(text: str, intent: str | None, channel: str) -> bool:
    """Whether a message read as `intent` asks us to stop calling and texting."""
    if intent != "opt_out":
        return False
    return channel == "sms" or fold(text) not in SMS_ONLY_STOP_WORDS


def consent_turn(ctx: TurnContext, keyword: str) -> AgentTurn:
    """Record the opt-out (or, on texts, the opt-in) through the tools and confirm it."""
    granted = keyword == "start"
    kinds = ("texts",) if granted else ("automated_calls", "texts")
    outcome = ctx.call_tool("record_consent", kinds=list(kinds), granted=granted)
    log.info(
        "guardrail_consent",
        conversation_id=ctx.conversation_id,
        granted=granted,
        recorded=bool(outcome.ok),
    )
    # On a call or text an opt-out is honoured for every record of the number even
    # before verification. A web chat's number is only typed, so there an unverified
    # opt-out goes to staff. Turning texts back on needs a verified patient. Each reply
    # says what happened rather than pretend.
    confirmation = "opted_out"
    if granted:
        confirmation = "opted_in" if outcome.ok else "opt_in_unverified"
    elif not outcome.ok:
        _ask_staff_to_stop_contact(ctx)
        confirmation = "opt_out_to_staff"
    return AgentTurn(
        reply=line(confirmation, ctx.language),
        language="es" if ctx.language == "es" else "en",
        awaiting="none",
        actions=[] if granted else [Action(type="end", reason="opted_out")],
        outcome=None if granted else "refused",
        outcome_reason=None if granted else "opted_out",
    )


def _ask_staff_to_stop_contact(ctx: TurnContext) -> None:
    ctx.call_tool(
        "transfer_to_staff",
        reason="opt-out request from an unverified caller",
        urgency="routine",
        summary=f"Caller asked not to be called or texted. Channel: {ctx.channel}.",
    )


def ensure_emergency_instruction(ctx: TurnContext, heard: Heard, turn: AgentTurn) -> AgentTurn:
    """Put the 911 instruction first in the reply to a message describing an emergency."""
    if heard.intent != "emergency":
        return turn
    reply = turn.reply
    if "911" not in reply:
        reply = f"{line('emergency', turn.language)} {reply}".strip()
        log.warning("guardrail_emergency_added", conversation_id=ctx.conversation_id)
    actions = turn.actions
    if not any(action.type == "emergency" for action in actions):
        actions = [Action(type="emergency", reason="caller_described_emergency"), *actions]
    return turn.model_copy(
        update={
            "reply": reply,
            "actions": actions,
            "outcome": "emergency",
            "outcome_reason": turn.outcome_reason or "caller_described_emergency",
        }
    )


def withhold_phi(
    ctx: TurnContext, turn: AgentTurn, markers: PhiMarkers, said_by_caller: str
) -> AgentTurn:
    """Replace a reply that would disclose record data to an unverified caller."""
    if ctx.verified_patient_id is not None:
        return turn
    texts = [turn.reply, *(option.label for option in turn.options)]
    texts += [action.body or "" for action in turn.actions]
    kinds = sorted(
        {kind for text in texts for kind in markers.found_in(text, said_by_caller=said_by_caller)}
    )
    if not kinds:
        return turn
    log.warning("guardrail_phi_withheld", conversation_id=ctx.conversation_id, kinds=kinds)
    kept = [action for action in turn.actions if action.type in ("end", "transfer", "emergency")]
    return AgentTurn(
        reply=line("identity_first", turn.language),
        language=turn.language,
        awaiting="name",
        actions=kept,
        outcome=turn.outcome,
        outcome_reason=turn.outcome_reason,
    )


def transfer_after_failed_verifications(
    ctx: TurnContext, turn: AgentTurn, *, failed_before: int, failed_now: int
) -> AgentTurn:
    """After the third failed identity check, hand over to staff with a neutral reason.

    It fires on the turn that reaches the limit, and again whenever the brain tries to
    verify once more after it; the caller hears nothing about which detail was wrong.
    """
    if ctx.verified_patient_id is not None or failed_now < MAX_FAILED_VERIFICATIONS:
        return turn
    crossed = failed_before < MAX_FAILED_VERIFICATIONS
    if not crossed and turn.awaiting not in ("name", "dob"):
        return turn
    outcome = ctx.call_tool(
        "transfer_to_staff",
        reason="caller could not be verified",
        urgency="routine",
        summary="The caller's identity could not be confirmed automatically; "
        "please help them in person.",
    )
    actions = _actions_of(outcome)
    if not any(action.type == "transfer" for action in actions):
        actions.append(Action(type="transfer", reason="staff_requested"))
    log.info("guardrail_verification_transfer", conversation_id=ctx.conversation_id)
    return AgentTurn(
        reply=line("verification_transfer", turn.language),
        language=turn.language,
        awaiting="none",
        actions=actions,
        outcome="transferred",
        outcome_reason="verification_failed",
    )


def _actions_of(outcome: ToolOutcomeLike) -> list[Action]:
    """The channel actions a successful tool call asked for (the catalog's ToolOutcome)."""
    raw: list[dict[str, Any]] = getattr(outcome, "actions", []) if outcome.ok else []
    return [as_action(action) for action in raw]


def error_turn(ctx: TurnContext) -> AgentTurn:
    """What the caller hears when the brain itself failed: an apology and a person."""
    outcome = ctx.call_tool(
        "transfer_to_staff",
        reason="the assistant failed",
        urgency="soon",
        summary="The automated assistant hit an error in this conversation; please follow up.",
    )
    actions = _actions_of(outcome)
    if not any(action.type == "transfer" for action in actions):
        actions.append(Action(type="transfer", reason="staff_requested"))
    return AgentTurn(
        reply=line("agent_error", ctx.language),
        language="es" if ctx.language == "es" else "en",
        awaiting="none",
        actions=actions,
        outcome="transferred",
        outcome_reason="agent_error",
    )
