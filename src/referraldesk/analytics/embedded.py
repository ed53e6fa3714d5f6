"""The default analyzer: offline, deterministic, bilingual."""

from __future__ import annotations

from referraldesk.analytics.intents import classify_intent
from referraldesk.analytics.schema import Analysis, ConversationFacts
from referraldesk.analytics.sentiment import text_sentiment
from referraldesk.analytics.signals import escalation, lead_score, satisfaction, topics
from referraldesk.analytics.summary import summarize


class EmbeddedAnalyzer:
    name = "embedded"
    version = "1.0"

    def analyze(self, facts: ConversationFacts) -> Analysis:
        sentiment = caller_sentiment(facts)
        intent = classify_intent(facts)
        escalated, reason = escalation(facts, sentiment)
        return Analysis(
            sentiment=sentiment,
            lead_score=lead_score(facts, intent, sentiment),
            intent=intent,
            topics=topics(facts, intent),
            satisfaction=satisfaction(facts, sentiment, escalated),
            escalation_flag=escalated,
            escalation_reason=reason,
            summary=summarize(facts, intent, reason),
        )


def caller_sentiment(facts: ConversationFacts) -> float:
    """Weighted toward the end: how a caller leaves says more than how they arrived."""
    languages = facts.caller_languages or [facts.language] * len(facts.caller_texts)
    scores = [text_sentiment(text, lang) for text, lang in zip(facts.caller_texts, languages, strict=False)]
    scored = [(i + 1, s) for i, s in enumerate(scores) if s != 0.0]
    weight_sum = sum(weight for weight, _ in scored)
    value = sum(weight * score for weight, score in scored) / weight_sum if scored else 0.0
    if facts.outcome == "emergency":
        # Someone describing an emergency is in distress, whatever words they chose.
        value = min(value, -0.5)
    return round(max(-1.0, min(1.0, value)), 3)
