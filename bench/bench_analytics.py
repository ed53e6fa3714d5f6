"""Agreement and throughput of the embedded analyzer on the labelled conversations.

    .venv/bin/python bench/bench_analytics.py [--show-misses] [--repeat N]

Prints intent accuracy, escalation recall and precision and sentiment-sign agreement
for the `tune` split (read while writing the rules), the `heldout` split (written
after) and all; then the time per conversation (median, p99) and conversations per
second, beside a baseline in the same run: an analyzer that only looks at the outcome.
"""

from __future__ import annotations

import argparse
import statistics
import time
from pathlib import Path

from referraldesk.analytics.embedded import EmbeddedAnalyzer
from referraldesk.analytics.evaluation import evaluate, load_labelled
from referraldesk.analytics.schema import Analysis, ConversationFacts

EVAL_SET = Path(__file__).parent / "data" / "analytics_eval.yaml"
# Written by someone who never saw the analyzer's code; its figures are the honest ones.
BLIND_SET = Path(__file__).parent / "data" / "analytics_blind.yaml"


class OutcomeOnlyBaseline:
    """What a report without any language understanding could say."""

    name = "outcome-only"
    version = "0"

    def analyze(self, facts: ConversationFacts) -> Analysis:
        intent = {"booked": "new_appointment", "rescheduled": "reschedule",
                  "cancelled": "cancel", "emergency": "emergency"}.get(facts.outcome or "", "other")
        escalated = facts.outcome in {"transferred", "emergency"}
        return Analysis(sentiment=0.0, lead_score=50, intent=intent, topics=[], satisfaction=3,  # type: ignore[arg-type]
                        escalation_flag=escalated, escalation_reason=None, summary="-")


def timings(analyzer: object, cases: list, repeat: int) -> list[float]:  # type: ignore[type-arg]
    samples = []
    for _ in range(repeat):
        for case in cases:
            started = time.perf_counter()
            analyzer.analyze(case.facts)  # type: ignore[attr-defined]
            samples.append((time.perf_counter() - started) * 1000)
    return samples


def p99(samples: list[float]) -> float:
    ordered = sorted(samples)
    return ordered[min(len(ordered) - 1, int(len(ordered) * 0.99))]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--eval-set", type=Path, default=EVAL_SET)
    parser.add_argument("--blind-set", type=Path, default=BLIND_SET)
    parser.add_argument("--show-misses", action="store_true")
    parser.add_argument("--repeat", type=int, default=20)
    args = parser.parse_args()

    cases = load_labelled(args.eval_set)
    if args.blind_set.exists():
        cases += load_labelled(args.blind_set)
    print(f"{len(cases)} labelled conversations from {args.eval_set.name} and {args.blind_set.name}")
    header = f"{'analyzer':<14}{'split':<9}{'n':>4}{'intent':>9}{'esc.recall':>12}{'esc.prec':>10}{'sign':>7}"
    print(header)
    for analyzer in (EmbeddedAnalyzer(), OutcomeOnlyBaseline()):
        results = evaluate(analyzer, cases)
        for split in ("tune", "heldout", "blind", "all"):
            if split not in results:
                continue
            f = results[split].figures()
            print(f"{analyzer.name:<14}{split:<9}{f['conversations']:>4}{f['intent_accuracy']:>9.3f}"
                  f"{f['escalation_recall']:>12.3f}{f['escalation_precision']:>10.3f}"
                  f"{f['sentiment_sign_agreement']:>7.3f}")
        if args.show_misses and analyzer.name == "embedded":
            for miss in results["all"].misses:
                print("   miss", miss)
    print()
    for analyzer in (EmbeddedAnalyzer(), OutcomeOnlyBaseline()):
        samples = timings(analyzer, cases, args.repeat)
        total_s = sum(samples) / 1000
        print(f"{analyzer.name:<14} median {statistics.median(samples):.3f} ms  p99 {p99(samples):.3f} ms  "
              f"{len(samples) / total_s:,.0f} conversations/s")


if __name__ == "__main__":
    main()
