"""Caller names: given names and one or two surnames, split the way Hispanic names are.

Splitting rule: four or more words are two given names and the rest surnames; three
words are "given + two surnames" unless the first two form a given name ("José Luis
Hernández", or an English first name with a middle name: "John Michael Smith"); two
words are one of each. Particles ("de la", "del") stay with the surname they open.
"""

from __future__ import annotations

import re
import unicodedata

from .model import Name
from .text import fold, words

HISPANIC_GIVEN = frozenset(
    words(
        """
        maria jose juan luis ana carlos jesus miguel francisco antonio manuel pedro rosa juana
        guadalupe jorge alejandro fernando ricardo roberto javier rafael sergio eduardo raul
        andres mario alberto daniel david angel diego pablo hector oscar arturo enrique gabriel
        elena carmen teresa patricia laura isabel sofia lucia paula gloria martha marta veronica
        leticia silvia alicia adriana claudia beatriz esperanza dolores margarita yolanda norma
        sandra monica araceli lorena cristina victoria fernanda valeria daniela camila ximena
        jimena mariana gabriela andrea alejandra carolina natalia eva paola cecilia estela
        socorro consuelo concepcion pilar mercedes luz ramon ruben armando salvador ignacio
        cesar julio gerardo rodrigo emilio felipe tomas santiago mateo sebastian nicolas
        emiliano leonardo adrian ivan alfonso agustin joaquin marco marcos efrain jaime alfredo
        ernesto gustavo hugo lorenzo martin ramiro rogelio rolando saul ulises vicente irma olga
        susana ines juliana catalina regina renata lupita
        """
    )
)
_PARTICLES = frozenset(
    {"de", "del", "la", "las", "los", "y", "van", "von", "da", "di", "st", "st."}
)
_STOP = frozenset(
    words(
        """
        i i'm im a an the and or but so my me is am are was be to of for at in on it it's its
        this that here there new calling call looking trying just not no yes yeah sure ok okay
        fine good well um uh hi hello hey please thanks thank you your with from about born
        birthday date appointment doctor need want would like have has had patient speaking
        sorry el lo le les mi mis su sus soy es eres esta estoy aqui nuevo nueva para por con
        que se llamo nombre cita hola gracias si muy bien bueno doctora hijo hija paciente
        quiero necesito tengo llamando hablando favor fecha naci nacimiento hmm hm mm mmm ah
        ahh eh ehh er erm uhm umm why what how who which where when porque como cual quien
        donde cuando know se sabe idea
        """
    )
)
_LEAD_IN = re.compile(
    r"(?:^|\b)(?:my name is|my name's|name is|the name is|this is|it's|it is|i'm|i am|me llamo|"
    r"mi nombre es|su nombre es|se llama|le habla|les habla|habla|soy|"
    r"(?:es |la cita es |is )?(?:para|for) (?:mi|my) (?:hijo|hija|son|daughter|nieto|nieta"
    r"|esposo|esposa|"
    r"husband|wife|mama|papa|mom|dad|madre|padre|grandson|granddaughter|child|nino|nina)"
    r"(?:,? (?:que )?se llama|,? named|,? called)?)\s+"
)
# "Why do you need that?" answers the question with a question: there is no name in it.
_QUESTION = re.compile(
    r"\?\s*$|^\W*(?:why|what|how|who|which|porque|por que|para que|que|como|cual|quien)\b"
)
_PATIENT_LEAD = re.compile(r"(?:para|for) (?:mi|my) ")
_TOKEN = re.compile(r"[^\W\d_]+(?:['’-][^\W\d_]+)*\.?")
_FILLERS = re.compile(
    r"^(?:(?:yes|yeah|sure|ok|okay|si|claro|um|uh|eh|well|pues|bueno|it's|its|it is|this is|"
    r"i'm|im|soy|me llamo|my name is|mi nombre es|name|nombre|the patient is|el paciente"
    r" es)[\s,.:]+)+"
)


def _fold_same_length(text: str) -> str:
    """Lower-case, accent-free copy of `text` with the same length, so offsets carry over."""
    out = []
    for ch in text:
        base = unicodedata.normalize("NFKD", ch)[:1] or ch
        out.append(base.lower() if len(base.lower()) == 1 else ch)
    return "".join(out)


def read_name(text: str, *, expected: bool, lang: str) -> Name:
    """Return the name said after a lead-in ("me llamo ..."), or the whole answer when expected."""
    folded = _fold_same_length(text)
    leads = list(_LEAD_IN.finditer(folded))
    # "es para mi hijo Mateo": the patient's name, not the caller's, is what is asked for.
    patient = [m for m in leads if _PATIENT_LEAD.search(m.group())]
    if leads:
        lead = (patient or leads)[-1]
        name = _name_from(text, folded, lead.end(), lang)
        if name.given:
            return name
    if not expected or _QUESTION.search(folded):
        return Name()
    filler = _FILLERS.match(folded)
    return _name_from(text, folded, filler.end() if filler else 0, lang)


def _name_from(text: str, folded: str, start: int, lang: str) -> Name:
    words: list[str] = []
    position = start
    while True:
        match = _TOKEN.match(text, position)
        gap = text[position : match.start()] if match else ""
        if (
            match is None
            or (words and re.search(r"[,;:.!?\n]|\s-\s", gap))
            or (not words and gap.strip())
        ):
            break
        token = match.group().rstrip(".")
        low = fold(token)
        if low in _STOP and not (words and low in _PARTICLES):
            break
        if not words and low in _PARTICLES:
            break
        words.append(token)
        position = match.end()
        spaces = re.match(r"[ \t]*", text[position:])
        position += spaces.end() if spaces else 0
    while words and fold(words[-1]) in _PARTICLES:
        words.pop()
    return split_name(words, lang)


def split_name(words: list[str], lang: str = "es") -> Name:
    """Split name words into given names and surnames (module docstring has the rule)."""
    units = _join_particles([_title(w) for w in words])
    if not units:
        return Name()
    if len(units) == 1:
        return Name(given=units[0], surnames=[])
    if len(units) == 2:
        # "mi hija María Elena": two given names and no surname yet; the agent asks for it.
        if lang == "es" and all(fold(u) in HISPANIC_GIVEN for u in units) and _compound_given(
            units[0], units[1], lang
        ):
            return Name(given=" ".join(units), surnames=[])
        return Name(given=units[0], surnames=[units[1]])
    if len(units) == 3:
        two_given = _compound_given(units[0], units[1], lang)
        cut = 2 if two_given else 1
        return Name(given=" ".join(units[:cut]), surnames=units[cut:])
    return Name(given=" ".join(units[:-2]), surnames=units[-2:])


def _compound_given(first: str, second: str, lang: str) -> bool:
    a, b = fold(first), fold(second)
    if a in HISPANIC_GIVEN:
        return b in HISPANIC_GIVEN and " " not in second
    # English speakers give a middle name, not a second surname.
    return lang == "en" and " " not in second


def _join_particles(words: list[str]) -> list[str]:
    units: list[str] = []
    pending: list[str] = []
    for word in words:
        if fold(word) in _PARTICLES and units:
            pending.append(word.lower())
            continue
        units.append(" ".join([*pending, word]))
        pending = []
    return units


def _title(word: str) -> str:
    if fold(word) in _PARTICLES:
        return word.lower()
    return "-".join(part[:1].upper() + part[1:].lower() for part in word.split("-"))


def _name_tokens(text: str) -> list[str]:
    return [t for t in re.split(r"[\s,^\-]+", fold(text)) if t]


def names_match(spoken: str, record: str) -> bool:
    """True when two written names are the same person after folding accents, case and hyphens.

    Accepts records like "PEREZ NUNEZ^MARIA JOSE" or "Pérez-Núñez, María José"; a
    shorter form matches a longer one when all its words are in it ("Maria Jose Perez").
    """
    said, kept = set(_name_tokens(spoken)), set(_name_tokens(record))
    if not said or not kept:
        return False
    smaller, larger = sorted((said, kept), key=len)
    return len(smaller) >= 2 and smaller <= larger or said == kept
