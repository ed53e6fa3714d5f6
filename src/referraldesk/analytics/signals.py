"""Escalation, satisfaction, lead score and topics, from what the conversation did.

Lead score (0-100) is how likely this contact ends in a kept visit. Its inputs and
weights are documented in docs/ANALYTICS.md; the numbers here are that table.
"""

from __future__ import annotations

import re

from referraldesk.analytics.schema import ConversationFacts, Intent

_ASKED_FOR_PERSON = re.compile(
    r"real person|a person|human|representative|operator|somebody real|not a robot|"
    r"una persona|alguien|humano|representante|operador|recepcionista|no (un|una) (robot|m[aá]quina)"
)
_COMPLAINT = re.compile(
    r"complain|complaint|unacceptable|ridiculous|useless|worst|this bot|queja|inaceptable|"
    r"rid[ií]culo|in[uú]til|p[eé]simo"
)

_LEAD_BASE = {
    "booked": 75,
    "rescheduled": 70,
    "transferred": 35,
    "answered": 25,
    "abandoned": 15,
    "cancelled": 10,
    "refused": 5,
    "emergency": 5,
}
_NO_VISIT_INTENTS = {"wrong_number", "billing_question", "prescription_question", "emergency"}


def escalation(facts: ConversationFacts, sentiment: float) -> tuple[bool, str | None]:
    """Whether a person should look at this conversation, and why (first reason wins)."""
    said = " ".join(facts.caller_texts).lower()
    if facts.outcome == "emergency":
        return True, "emergency: caller told to call 911"
    if facts.outcome == "transferred" or _used(facts, "transfer_to_staff"):
        return True, f"transferred to staff: {facts.outcome_reason or 'caller needed a person'}"
    if facts.failed_verifications >= 2:
        return True, "identity could not be verified"
    if _ASKED_FOR_PERSON.search(said):
        return True, "caller asked for a person"
    if _COMPLAINT.search(said) or sentiment <= -0.5:
        return True, "caller upset"
    if any(use.error_code in {"unavailable", "internal"} for use in facts.tools):
        return True, "a system the agent needed did not answer"
    return False, None


def satisfaction(facts: ConversationFacts, sentiment: float, escalated: bool) -> int:
    score = 3.0 + 2.0 * sentiment
    if facts.outcome in {"booked", "rescheduled", "cancelled", "answered"}:
        score += 1.0
    if facts.outcome == "abandoned":
        score -= 1.0
    if escalated and facts.outcome not in {"emergency", "transferred"}:
        score -= 0.5
    return max(1, min(5, round(score)))


def lead_score(facts: ConversationFacts, intent: Intent, sentiment: float) -> int:
    if intent in _NO_VISIT_INTENTS and facts.outcome not in {"booked", "rescheduled"}:
        return 0 if intent == "wrong_number" else 5
    score = float(_LEAD_BASE.get(facts.outcome or "abandoned", 15))
    if facts.has_referral:
        score += 10
    score += 10 * sentiment
    score -= 5 * facts.failed_verifications
    return max(0, min(100, round(score)))


def topics(facts: ConversationFacts, intent: Intent) -> list[str]:
    said = " ".join(facts.caller_texts).lower()
    found: list[str] = [intent.replace("_", " ")]
    for label, pattern in _TOPIC_CUES:
        if pattern.search(said) and label not in found:
            found.append(label)
    if facts.language == "es" and "spanish" not in found:
        found.append("spanish")
    return found[:5]


_TOPIC_CUES: list[tuple[str, re.Pattern[str]]] = [
    ("referral", re.compile(r"referr|referencia|me mand|especialista|specialist")),
    ("early morning", re.compile(r"early|before (7|8|seven|eight)|temprano|antes de las")),
    ("evening", re.compile(r"evening|after (5|6|work|five|six)|tarde|noche|despu[eé]s del trabajo")),
    ("saturday", re.compile(r"saturday|s[aá]bado")),
    ("insurance", re.compile(r"insurance|medi-?cal|medicare|ppo|seguro|aseguranza")),
    ("work injury", re.compile(r"at work|work injury|workers'? comp|en el trabajo|del trabajo")),
    ("billing", re.compile(r"\bbill|billing|factura|cobr")),
    ("dermatology", re.compile(r"skin|rash|derma|piel")),
    ("orthopedics", re.compile(r"bone|knee|back|shoulder|hueso|rodilla|espalda|hombro")),
    ("cardiology", re.compile(r"heart|cardio|coraz[oó]n|palpitaciones")),
    ("pediatrics", re.compile(r"my (son|daughter|child|kid)|mi hij[oa]|pediatra")),
]


def _used(facts: ConversationFacts, tool: str) -> bool:
    return any(use.name == tool for use in facts.tools)
