"""Score an analyzer against labelled conversations (bench/data/analytics_eval.yaml)."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from referraldesk.analytics.schema import Analysis, Analyzer, ConversationFacts, ToolUse

SIGN_DEADBAND = 0.05


@dataclass
class LabelledConversation:
    id: str
    split: str
    facts: ConversationFacts
    intent: str
    escalation: bool
    sentiment_sign: int


@dataclass
class Agreement:
    total: int = 0
    intent_right: int = 0
    escalations: int = 0
    escalations_found: int = 0
    flagged: int = 0
    flagged_right: int = 0
    sign_right: int = 0
    misses: list[str] = field(default_factory=list)

    def add(self, case: LabelledConversation, result: Analysis) -> None:
        self.total += 1
        self.intent_right += result.intent == case.intent
        self.escalations += case.escalation
        self.escalations_found += case.escalation and result.escalation_flag
        self.flagged += result.escalation_flag
        self.flagged_right += case.escalation and result.escalation_flag
        sign = sign_of(result.sentiment)
        self.sign_right += sign == case.sentiment_sign
        wrong = [
            f"intent {result.intent}≠{case.intent}" if result.intent != case.intent else "",
            f"escalation {result.escalation_flag}≠{case.escalation}"
            if result.escalation_flag != case.escalation else "",
            f"sign {sign}≠{case.sentiment_sign} ({result.sentiment})"
            if sign != case.sentiment_sign else "",
        ]
        if any(wrong):
            self.misses.append(f"{case.id}: " + ", ".join(w for w in wrong if w))

    def figures(self) -> dict[str, float]:
        return {
            "conversations": self.total,
            "intent_accuracy": _ratio(self.intent_right, self.total),
            "escalation_recall": _ratio(self.escalations_found, self.escalations),
            "escalation_precision": _ratio(self.flagged_right, self.flagged),
            "sentiment_sign_agreement": _ratio(self.sign_right, self.total),
        }


def sign_of(value: float) -> int:
    return (value > SIGN_DEADBAND) - (value < -SIGN_DEADBAND)


def _ratio(part: int, whole: int) -> float:
    return round(part / whole, 3) if whole else 1.0


def load_labelled(path: Path) -> list[LabelledConversation]:
    return [_labelled(entry) for entry in yaml.safe_load(path.read_text(encoding="utf-8"))]


def _labelled(entry: dict[str, Any]) -> LabelledConversation:
    tools = []
    for spec in entry.get("tools", []):
        name, _, error = str(spec).partition(":")
        tools.append(ToolUse(name, not error, error or None))
    facts = ConversationFacts(
        conversation_id=entry["id"],
        channel=entry.get("channel", "chat"),
        direction=entry.get("direction", "inbound"),
        language=entry["language"],
        outcome=entry.get("outcome"),
        outcome_reason=entry.get("outcome_reason"),
        caller_texts=list(entry["caller"]),
        agent_texts=[],
        tools=tools,
        failed_verifications=entry.get("failed_verifications", 0),
        has_referral=entry.get("referral", False),
    )
    expect = entry["expect"]
    return LabelledConversation(entry["id"], entry.get("split", "tune"), facts, expect["intent"],
                                expect["escalation"], expect["sentiment"])


def evaluate(analyzer: Analyzer, cases: list[LabelledConversation]) -> dict[str, Agreement]:
    """Agreement per split and over all cases ("all")."""
    by_split: dict[str, Agreement] = {"all": Agreement()}
    for case in cases:
        result = analyzer.analyze(case.facts)
        by_split["all"].add(case, result)
        by_split.setdefault(case.split, Agreement()).add(case, result)
    return by_split
