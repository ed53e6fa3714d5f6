"""The embedded analyzer holds its agreement on the labelled set (bench/data)."""

from pathlib import Path

from referraldesk.analytics.embedded import EmbeddedAnalyzer
from referraldesk.analytics.evaluation import evaluate, load_labelled

EVAL_SET = Path(__file__).resolve().parents[2] / "bench" / "data" / "analytics_eval.yaml"


def test_the_set_has_at_least_eighty_conversations_in_both_languages() -> None:
    cases = load_labelled(EVAL_SET)

    assert len(cases) >= 80
    assert sum(c.facts.language == "es" for c in cases) >= 30
    assert sum(c.facts.language == "en" for c in cases) >= 30


def test_the_embedded_analyzer_agrees_with_the_labels() -> None:
    figures = evaluate(EmbeddedAnalyzer(), load_labelled(EVAL_SET))["all"].figures()

    assert figures["intent_accuracy"] >= 0.9
    assert figures["escalation_recall"] >= 0.9
    assert figures["sentiment_sign_agreement"] >= 0.8
