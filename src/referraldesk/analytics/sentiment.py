"""Caller sentiment, -1..1, in English and Spanish.

English uses VADER (vaderSentiment), a maintained, MIT-licensed lexicon and rule
set tuned for short informal text, which is what callers say. No maintained
Spanish resource installs offline here: pysentimiento and similar need model
weights from a hub, and vader-multi translates through a web service. Spanish
therefore uses a small lexicon of our own (below), with VADER's ideas: negation
flips the next few words, intensifiers scale them, and the score is normalised
the same way (x / sqrt(x² + 15)).

Both languages share the domain rules: symptoms ("pain", "dolor") are what a
caller reports, not how they feel about the call, so they carry no valence here.
"""

from __future__ import annotations

import math
import re
import unicodedata
from functools import lru_cache

from vaderSentiment.vaderSentiment import SentimentIntensityAnalyzer

# Words a patient uses to describe a condition; VADER scores them as negative
# feelings, which would mark every referral call as unhappy.
SYMPTOM_WORDS_EN = frozenset(
    ["pain", "hurt", "hurts", "hurting", "ache", "aching", "sick", "ill", "injury", "injured", "fall", "fell", "rash", "swelling", "swollen", "cough", "coughing", "bleeding", "broken", "fracture", "sore", "wound", "emergency", "urgent", "worried", "cut", "pressure", "care"]
)
# Answers to the agent's questions ("no", "yes please", "ok"), the politeness that
# closes most calls ("thanks", "gracias": courtesy, not delight) and front-desk words
# ("wrong number", "STOP", "missed call", "pay") say what the caller wants, not how
# they feel; VADER would score every "no, that's all" as displeasure.
DIALOGUE_WORDS_EN = frozenset(
    ["no", "yes", "yeah", "yep", "ok", "okay", "please", "sure", "alright", "fine", "like", "want", "help", "wrong", "stop", "miss", "missed", "pay", "thanks", "thank", "thx", "ty", "cool", "good", "better", "perfect", "sorry", "bother", "cancel", "lol", "save"]
)

SPANISH_LEXICON: dict[str, float] = {
    # satisfaction; "bueno", "está bien", "perfecto", "claro", "listo" answer the
    # agent (or the phone: "¿Bueno?") and are left out, like "ok" in English
    "agradezco": 2.0, "agradecida": 2.0, "agradecido": 2.0,
    "excelente": 2.8, "genial": 2.4, "maravilloso": 2.8,
    "amable": 2.0, "ayuda": 1.0, "ayudó": 1.6,
    "feliz": 2.4, "contento": 2.2, "contenta": 2.2,
    "encantada": 2.2, "encantado": 2.2, "fácil": 1.4, "rápido": 1.2, "gusto": 1.4,
    "bendiga": 2.0, "bendiciones": 2.0, "gusta": 1.6, "gustó": 1.6, "encanta": 2.2, "alivio": 1.6, "súper": 1.2, "chido": 1.8, "padre": 0.6,
    # frustration and complaint
    "mal": -1.8, "malo": -1.9, "mala": -1.9, "pésimo": -3.0, "pésima": -3.0,
    "terrible": -2.8, "horrible": -2.8, "molesto": -2.0, "molesta": -2.0,
    "enojado": -2.4, "enojada": -2.4, "frustrado": -2.2, "frustrada": -2.2,
    "harto": -2.4, "harta": -2.4, "cansado": -1.2, "cansada": -1.2, "queja": -2.0,
    "quejar": -2.0, "nadie": -1.2, "nunca": -1.0, "imposible": -2.0, "ridículo": -2.4,
    "inútil": -2.6, "robot": -1.2, "máquina": -0.8, "grosero": -2.6, "grosera": -2.6,
    "confundido": -1.4, "confundida": -1.4, "difícil": -1.2,
    "esperando": -0.8, "espera": -0.4, "problema": -1.2, "error": -1.4, "mentira": -2.4,
    "basta": -1.6, "cansé": -1.8, "cansó": -1.8, "aburrido": -1.4, "desesperado": -2.4, "desesperada": -2.4, "preocupado": -1.0,
    "preocupada": -1.0, "triste": -2.0, "lástima": -1.4,
}

NEGATIONS_ES = frozenset({"no", "nunca", "jamás", "tampoco", "ni", "sin"})
INTENSIFIERS_ES = {"muy": 0.3, "super": 0.3, "súper": 0.3, "bastante": 0.2, "tan": 0.2,
                   "demasiado": 0.3, "muchísimas": 0.4, "muchas": 0.2, "mucho": 0.2}
_WORD = re.compile(r"[\wáéíóúüñ]+", re.IGNORECASE)


@lru_cache(maxsize=1)
def _vader() -> SentimentIntensityAnalyzer:
    analyzer = SentimentIntensityAnalyzer()
    for word in SYMPTOM_WORDS_EN | DIALOGUE_WORDS_EN:
        analyzer.lexicon.pop(word, None)
    return analyzer


# "No thanks" declines politely; VADER would read it as negated thanks.
_POLITE_NO_EN = re.compile(r"\b(no|nope|nah),?\s+(thanks|thank you)", re.IGNORECASE)
_POLITE_NO_ES = re.compile(r"\bno,?\s+(muchas\s+)?gracias", re.IGNORECASE)


# Courtesy is neutral, but strong gratitude is a real sign of a pleased caller.
_GRATITUDE_EN = re.compile(
    r"thank you so much|thanks so much|thanks a lot|thank you very much|really appreciate|"
    r"so grateful|really grateful",
    re.IGNORECASE,
)
_GRATITUDE_ES = re.compile(
    r"much[ií]simas gracias|mil gracias|se lo agradezco|le agradezco|muy agradecid[oa]|"
    r"dios se lo pague|que dios l[eo]s? bendiga",
    re.IGNORECASE,
)
_GRATITUDE_SCORE = 0.5


def english_sentiment(text: str) -> float:
    score = float(_vader().polarity_scores(_POLITE_NO_EN.sub(r"\2", text))["compound"])
    return max(score, _GRATITUDE_SCORE) if _GRATITUDE_EN.search(text) else score


def spanish_sentiment(text: str) -> float:
    text = _POLITE_NO_ES.sub("gracias", text)
    total = sum(_clause_valence(clause) for clause in _CLAUSE.split(text))
    if "!" in text:
        total *= 1.1
    score = total / math.sqrt(total * total + 15) if total else 0.0
    return max(score, _GRATITUDE_SCORE) if _GRATITUDE_ES.search(text) else score


# "No, es todo, gracias": a "no" that answers a question does not negate the thanks
# after it, so negation only reaches words inside its own clause.
_CLAUSE = re.compile(r"[,.;:!?¡¿]+")


def _clause_valence(clause: str) -> float:
    words = [w.lower() for w in _WORD.findall(clause)]
    total = 0.0
    for index, word in enumerate(words):
        valence = SPANISH_LEXICON.get(word, _BY_FOLDED.get(_fold(word)))
        if valence is None:
            continue
        window = words[max(0, index - 3) : index]
        if any(w in NEGATIONS_ES for w in window):
            valence *= -0.74  # VADER's damped flip: "no está mal" is mildly positive
        boost = sum(INTENSIFIERS_ES.get(w, 0.0) for w in window[-1:])
        total += valence * (1 + boost)
    return total


def _fold(word: str) -> str:
    decomposed = unicodedata.normalize("NFKD", word)
    return "".join(c for c in decomposed if not unicodedata.combining(c))


# Callers often type without accents ("pesimo"); look those up by their folded form.
_BY_FOLDED = {_fold(key): value for key, value in SPANISH_LEXICON.items()}


def text_sentiment(text: str, language: str) -> float:
    """Sentiment of one caller message in its language, -1..1."""
    if not text.strip():
        return 0.0
    return spanish_sentiment(text) if language == "es" else english_sentiment(text)
