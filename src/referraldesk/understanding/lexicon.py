"""The practice's plans and specialties, and the words callers use for them.

A `Lexicon` is data, built once per practice: `DEFAULT_LEXICON` holds the demo
practice; the agent builds its own from the database with `Lexicon.from_names`.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from .text import fold

_SPECIALTY_WORDS: dict[str, tuple[str, str, tuple[str, ...], tuple[str, ...]]] = {
    "dermatology": (
        "Dermatology",
        "Dermatología",
        ("dermatology", "dermatologist", "skin doctor", "skin specialist", "skin", "rash", "derm"),
        (
            "dermatologia",
            "dermatologo",
            "dermatologa",
            "especialista de la piel",
            "doctor de la piel",
            "medico de la piel",
            "la piel",
            "piel",
        ),
    ),
    "orthopedics": (
        "Orthopedics",
        "Ortopedia",
        (
            "orthopedics",
            "orthopedic",
            "orthopaedic",
            "orthopedist",
            "ortho",
            "bone doctor",
            "bone specialist",
            "bones",
            "joint doctor",
            "sports medicine",
        ),
        (
            "ortopedia",
            "ortopedista",
            "traumatologo",
            "medico de los huesos",
            "doctor de los huesos",
            "especialista de los huesos",
            "huesos",
        ),
    ),
    "cardiology": (
        "Cardiology",
        "Cardiología",
        ("cardiology", "cardiologist", "heart doctor", "heart specialist", "heart", "cardio"),
        (
            "cardiologia",
            "cardiologo",
            "cardiologa",
            "del corazon",
            "doctor del corazon",
            "especialista del corazon",
            "corazon",
        ),
    ),
    "pulmonology": (
        "Pulmonology",
        "Neumología",
        (
            "pulmonology",
            "pulmonologist",
            "lung doctor",
            "lung specialist",
            "lungs",
            "breathing doctor",
            "pulmonary",
            "asthma doctor",
        ),
        (
            "neumologia",
            "neumologo",
            "neumologa",
            "pulmones",
            "doctor de los pulmones",
            "pulmonar",
            "especialista de los pulmones",
        ),
    ),
    "gastroenterology": (
        "Gastroenterology",
        "Gastroenterología",
        (
            "gastroenterology",
            "gastroenterologist",
            "gi doctor",
            "stomach doctor",
            "stomach",
            "digestive",
            "gastro",
            "colonoscopy",
        ),
        (
            "gastroenterologia",
            "gastroenterologo",
            "estomago",
            "doctor del estomago",
            "digestivo",
            "gastro",
            "colonoscopia",
        ),
    ),
    "pediatrics": (
        "Pediatrics",
        "Pediatría",
        (
            "pediatrics",
            "pediatrician",
            "pediatric",
            "kids doctor",
            "kid's doctor",
            "children's doctor",
            "child doctor",
            "doctor for my son",
            "doctor for my daughter",
        ),
        (
            "pediatria",
            "pediatra",
            "doctor de ninos",
            "doctor para mi hijo",
            "doctor para mi hija",
            "medico de ninos",
        ),
    ),
    "physical_therapy": (
        "Physical therapy",
        "Terapia física",
        (
            "physical therapy",
            "physical therapist",
            "physiotherapy",
            "physio",
            "pt",
            "rehab",
            "therapy for my back",
        ),
        (
            "terapia fisica",
            "fisioterapia",
            "fisioterapeuta",
            "terapia",
            "rehabilitacion",
            "terapista",
        ),
    ),
    "occupational_medicine": (
        "Occupational medicine",
        "Medicina del trabajo",
        (
            "occupational medicine",
            "occupational health",
            "occ med",
            "work injury doctor",
            "workers comp doctor",
            "work physical",
            "dot physical",
        ),
        (
            "medicina del trabajo",
            "salud ocupacional",
            "medicina ocupacional",
            "doctor del trabajo",
            "lesion del trabajo",
            "examen del trabajo",
        ),
    ),
}

_PLAN_ALIASES: dict[str, tuple[str, ...]] = {
    "Anthem Blue Cross Medi-Cal": (
        "anthem",
        "blue cross",
        "anthem medi-cal",
        "medi-cal de anthem",
        "anthem blue cross",
    ),
    "Health Net Medi-Cal": ("health net", "healthnet", "medi-cal de health net"),
    "Medicare": ("medicare", "medicare part b", "el medicare"),
    "State Compensation Insurance Fund": (
        "scif",
        "state fund",
        "state compensation",
        "workers comp",
        "workers' comp",
        "worker's comp",
        "workers compensation",
        "workman's comp",
        "workmans comp",
        "comp case",
        "compensacion de trabajadores",
        "compensacion del trabajo",
        "seguro del trabajo",
        "aseguranza del trabajo",
        "el seguro de la compania",
        "accidente de trabajo",
    ),
    "Blue Shield of California PPO": (
        "blue shield",
        "blue shield ppo",
        "blue shield of california",
    ),
    "Aetna PPO": ("aetna", "aetna ppo"),
    "Self-pay": (
        "self pay",
        "self-pay",
        "selfpay",
        "cash",
        "pay cash",
        "i'll pay",
        "no insurance",
        "don't have insurance",
        "dont have insurance",
        "uninsured",
        "no tengo seguro",
        "no tengo aseguranza",
        "sin seguro",
        "pagar en efectivo",
        "efectivo",
        "voy a pagar yo",
        "de mi bolsa",
        "particular",
    ),
}

# Plan-name words too general to name one plan on their own.
_GENERIC_PLAN_WORDS = frozenset(
    {
        "medi",
        "cal",
        "medi-cal",
        "medical",
        "of",
        "california",
        "ppo",
        "hmo",
        "epo",
        "plan",
        "insurance",
        "health",
        "the",
        "de",
        "and",
        "inc",
        "care",
    }
)
_MEDI_CAL = re.compile(r"\bmedi[ -]?cal\b|\bmedical\b")
_SELF_PAY_NAME = re.compile(r"self[- ]?pay|cash|private pay", re.IGNORECASE)
_WORKERS_COMP_NAME = re.compile(r"compensation|workers|state fund|scif", re.IGNORECASE)


@dataclass(frozen=True)
class PlanEntry:
    """A plan as the practice names it, with the loose names callers use for it."""

    name: str
    aliases: tuple[str, ...] = ()


@dataclass(frozen=True)
class SpecialtyEntry:
    """A specialty key's labels and the lay words for it in each language."""

    label_en: str
    label_es: str
    synonyms_en: tuple[str, ...] = ()
    synonyms_es: tuple[str, ...] = ()


@dataclass(frozen=True)
class Lexicon:
    """Plans and specialties `understand` can recognize."""

    plans: tuple[PlanEntry, ...] = ()
    specialties: dict[str, SpecialtyEntry] = field(default_factory=dict)

    @classmethod
    def from_names(cls, plans: list[str], specialties: dict[str, str]) -> Lexicon:
        """Build a lexicon from the practice's plan names and {specialty key: label}.

        Known specialty keys get the built-in lay words; plan aliases come from the
        built-in table when the name is known and from the name's distinctive words
        ("Blue Shield", "Health Net") otherwise.
        """
        plan_entries = tuple(PlanEntry(name, _aliases_for(name)) for name in plans)
        entries = {key: _specialty_entry(key, label) for key, label in specialties.items()}
        return cls(plans=plan_entries, specialties=entries)


def _specialty_entry(key: str, label: str) -> SpecialtyEntry:
    known = _SPECIALTY_WORDS.get(key)
    if known is None:
        words = (fold(label), fold(key.replace("_", " ")))
        return SpecialtyEntry(label, label, words, words)
    label_en, label_es, en, es = known
    return SpecialtyEntry(label or label_en, label_es, (fold(label), *en), es)


def _aliases_for(name: str) -> tuple[str, ...]:
    if name in _PLAN_ALIASES:
        return _PLAN_ALIASES[name]
    if _SELF_PAY_NAME.search(name):
        return _PLAN_ALIASES["Self-pay"]
    if _WORKERS_COMP_NAME.search(name):
        return _PLAN_ALIASES["State Compensation Insurance Fund"]
    return _derived_aliases(name)


def _derived_aliases(name: str) -> tuple[str, ...]:
    """Return a plan name's distinctive runs: "Kaiser Permanente HMO" -> "kaiser permanente"."""
    words = re.findall(r"[\w'-]+", fold(name))
    runs: list[str] = []
    current: list[str] = []
    for word in words:
        if word in _GENERIC_PLAN_WORDS:
            if current:
                runs.append(" ".join(current))
            current = []
        else:
            current.append(word)
    if current:
        runs.append(" ".join(current))
    first_words = [run.split()[0] for run in runs if len(run.split()) > 1]
    return tuple(dict.fromkeys([fold(name), *runs, *first_words]))


def mentions_medi_cal(folded: str) -> bool:
    """True when folded text says Medi-Cal in any of its spellings."""
    return _MEDI_CAL.search(folded) is not None


DEFAULT_LEXICON = Lexicon.from_names(
    list(_PLAN_ALIASES),
    {key: words[0] for key, words in _SPECIALTY_WORDS.items()},
)
