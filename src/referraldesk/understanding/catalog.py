"""Plans and specialties named loosely, matched against the practice's lexicon."""

from __future__ import annotations

import re

from rapidfuzz import fuzz

from .lexicon import Lexicon, mentions_medi_cal
from .text import fold

_FUZZY_PLAN_SCORE = 88
_FUZZY_SPECIALTY_SCORE = 80


def _says(folded: str, phrase: str) -> bool:
    return re.search(rf"(?<![\w]){re.escape(phrase)}(?![\w])", folded) is not None


def match_plan(text: str, lexicon: Lexicon) -> tuple[str | None, list[str]]:
    """Return (plan, candidates): the plan the words fit, else the plans they could mean."""
    folded = fold(text).replace("’", "'")
    best: dict[str, int] = {}
    for entry in lexicon.plans:
        for alias in (fold(entry.name), *entry.aliases):
            if _says(folded, alias):
                best[entry.name] = max(best.get(entry.name, 0), len(alias))
    if best:
        top = max(best.values())
        winners = [name for name, length in best.items() if length == top]
        return (winners[0], []) if len(winners) == 1 else (None, winners)
    if mentions_medi_cal(folded):
        medi_cal = [e.name for e in lexicon.plans if mentions_medi_cal(fold(e.name))]
        if len(medi_cal) == 1:
            return medi_cal[0], []
        return None, medi_cal
    return _fuzzy_plan(folded, lexicon), []


def _fuzzy_plan(folded: str, lexicon: Lexicon) -> str | None:
    # Typed and misheard names ("antem", "helth net"); short aliases are left out
    # because three letters fuzzily match half the dictionary.
    words = folded.split()
    scored: list[tuple[float, str]] = []
    for entry in lexicon.plans:
        for alias in entry.aliases:
            size = len(alias.split())
            if len(alias) < 5 or len(words) < size:
                continue
            windows = (" ".join(words[i : i + size]) for i in range(len(words) - size + 1))
            scored.append((max(fuzz.ratio(alias, window) for window in windows), entry.name))
    if not scored:
        return None
    score, name = max(scored)
    return name if score >= _FUZZY_PLAN_SCORE else None


def match_specialty(text: str, lexicon: Lexicon) -> str | None:
    """Return the specialty key the caller names, in lay or clinical words, or None."""
    folded = fold(text)
    best: tuple[int, str] | None = None
    for key, entry in lexicon.specialties.items():
        for phrase in (
            *entry.synonyms_en,
            *entry.synonyms_es,
            fold(entry.label_en),
            fold(entry.label_es),
        ):
            if phrase and _says(folded, fold(phrase)) and (best is None or len(phrase) > best[0]):
                best = (len(phrase), key)
    if best:
        return best[1]
    return _fuzzy_specialty(folded, lexicon)


def _fuzzy_specialty(folded: str, lexicon: Lexicon) -> str | None:
    words = [w for w in re.findall(r"[a-z]+", folded) if len(w) >= 7]
    scored: list[tuple[float, str]] = []
    for key, entry in lexicon.specialties.items():
        for phrase in (*entry.synonyms_en, *entry.synonyms_es):
            if " " in phrase or len(phrase) < 7:
                continue
            scored.extend((fuzz.ratio(phrase, word), key) for word in words)
    if not scored:
        return None
    score, key = max(scored)
    return key if score >= _FUZZY_SPECIALTY_SCORE else None
