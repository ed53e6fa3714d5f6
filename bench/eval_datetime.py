"""Score date and time reading on the Recognizers-Text development sets, ours vs dateparser.

Usage: python bench/eval_datetime.py [--eval-dir DIR] [--show-misses N] [--lang en|es]

Scoring rule, fixed before looking at misses:
- Only slots whose values are typed `date`, `time` or `datetime` count.
- Each case is read whole (the slot's utterance) with now = the case's reference time,
  taken as site-local; a slot counts as found when its value is among what was read.
- date: the expected date is in `dates`. When several values are listed (an unanchored
  weekday or month-day), the last one, the future one, is the answer; the reference day
  itself also counts, since "Friday" said on a Friday is today for a front desk.
- time: the expected HH:MM is in `times` (seconds dropped: we read to the minute). When
  both am and pm readings are listed the time was ambiguous, and either counts.
- datetime: both parts, by the rules above.
- "not resolved" (Feb 30): found when nothing at all is read as a date.
dateparser gets the same rule, from `search_dates` with RELATIVE_BASE = now and
PREFER_DATES_FROM = future; a result's time counts only when it is not midnight (dateparser
puts 00:00 on dates without a time).
"""

from __future__ import annotations

import argparse
import json
import time as clock
import warnings
from collections import Counter
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

from referraldesk.understanding import understand

DEFAULT_EVAL_DIR = Path("/work/shared/eval")
SITE_ZONE = ZoneInfo("America/Los_Angeles")
DEFAULT_REFERENCE = "2016-11-07T00:00:00"
SCORED_TYPES = ("date", "time", "datetime")

Reader = Callable[[str, datetime, str], tuple[set[str], set[str]]]


@dataclass
class Slot:
    case_id: str
    utterance: str
    now: datetime
    kind: str
    text: str
    values: list[str]


@dataclass
class Tally:
    hits: Counter[str] = field(default_factory=Counter)
    totals: Counter[str] = field(default_factory=Counter)
    misses: list[tuple[Slot, set[str], set[str]]] = field(default_factory=list)
    seconds: float = 0.0
    cases: int = 0


def load_slots(path: Path) -> Iterator[Slot]:
    """Yield the scored slots of one JSON-lines file."""
    for line in path.read_text(encoding="utf-8").splitlines():
        case = json.loads(line)
        now = datetime.fromisoformat(case.get("reference_datetime") or DEFAULT_REFERENCE)
        for slot in case["slots"]:
            values = (slot.get("resolution") or {}).get("values") or []
            if values and values[0].get("type") in SCORED_TYPES:
                yield Slot(
                    case["id"],
                    case["utterance"],
                    now.replace(tzinfo=SITE_ZONE),
                    values[0]["type"],
                    slot["text"],
                    [v.get("value", "") for v in values],
                )


def ours(utterance: str, now: datetime, lang: str) -> tuple[set[str], set[str]]:
    result = understand(utterance, now=now, lang=lang)
    # A date of birth is reported in `dob` by design ("She was born on ..."), not in `dates`.
    return set(result.dates) | ({result.dob} if result.dob else set()), set(result.times)


def dateparser_baseline(utterance: str, now: datetime, lang: str) -> tuple[set[str], set[str]]:
    from dateparser.search import search_dates  # type: ignore[import-untyped]  # no stubs pinned

    settings = {"RELATIVE_BASE": now.replace(tzinfo=None), "PREFER_DATES_FROM": "future"}
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        found = search_dates(utterance, languages=[lang], settings=settings) or []
    dates = {moment.date().isoformat() for _, moment in found}
    times = {
        moment.strftime("%H:%M") for _, moment in found if (moment.hour, moment.minute) != (0, 0)
    }
    return dates, times


def is_hit(slot: Slot, dates: set[str], times: set[str]) -> bool:
    """Apply the module's scoring rule to one slot."""
    if slot.values == ["not resolved"]:
        return not dates
    reference_day = slot.now.date().isoformat()
    day_parts = [v[:10] for v in slot.values if slot.kind != "time"]
    answer_days = {day_parts[-1], reference_day} & set(day_parts) if day_parts else set()
    if slot.kind == "datetime":
        answer_days = {day_parts[-1]} | ({reference_day} & set(day_parts))
    clock_parts = {v[-8:-3] for v in slot.values if slot.kind != "date"}
    if slot.kind == "date":
        return bool(answer_days & dates)
    if slot.kind == "time":
        return bool(clock_parts & times)
    return bool(answer_days & dates) and bool(clock_parts & times)


def run(slots: list[Slot], reader: Reader, lang: str) -> Tally:
    tally = Tally()
    cache: dict[tuple[str, datetime], tuple[set[str], set[str]]] = {}
    started = clock.perf_counter()
    for slot in slots:
        key = (slot.utterance, slot.now)
        if key not in cache:
            cache[key] = reader(slot.utterance, slot.now, lang)
        dates, times = cache[key]
        tally.totals[slot.kind] += 1
        if is_hit(slot, dates, times):
            tally.hits[slot.kind] += 1
        else:
            tally.misses.append((slot, dates, times))
    tally.seconds = clock.perf_counter() - started
    tally.cases = len(cache)
    return tally


def _percent(hits: int, total: int) -> str:
    return f"{hits:4d}/{total:<4d} {100 * hits / total:5.1f}%" if total else "   -"


def report(lang: str, mine: Tally, base: Tally, show_misses: int) -> None:
    print(f"\n== {lang} ==   {'ours':>18}   {'dateparser':>18}")
    for kind in (*SCORED_TYPES, "all"):
        if kind == "all":
            a, b = sum(mine.hits.values()), sum(base.hits.values())
            total = sum(mine.totals.values())
        else:
            a, b, total = mine.hits[kind], base.hits[kind], mine.totals[kind]
        print(f"{kind:>10}  {_percent(a, total):>18}   {_percent(b, total):>18}")
    print(f"{'cases/s':>10}  {mine.cases / mine.seconds:18.0f}   {base.cases / base.seconds:18.0f}")
    for slot, dates, times in mine.misses[:show_misses]:
        print(
            f"  MISS {slot.case_id} now={slot.now:%Y-%m-%d %H:%M} {slot.kind} {slot.text!r} "
            f"want={slot.values} got dates={sorted(dates)} times={sorted(times)}\n"
            f"       {slot.utterance[:140]!r}"
        )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--eval-dir", type=Path, default=DEFAULT_EVAL_DIR)
    parser.add_argument("--show-misses", type=int, default=0, metavar="N")
    parser.add_argument("--lang", choices=("en", "es"), action="append")
    parser.add_argument("--no-baseline", action="store_true", help="skip dateparser (it is slow)")
    args = parser.parse_args()
    for lang in args.lang or ["en", "es"]:
        slots = list(load_slots(args.eval_dir / f"datetime_{lang}.jsonl"))
        mine = run(slots, ours, lang)
        base = Tally() if args.no_baseline else run(slots, dateparser_baseline, lang)
        if args.no_baseline:
            base.seconds, base.cases = 1.0, 0
        report(lang, mine, base, args.show_misses)


if __name__ == "__main__":
    main()
