"""Synthetic patients for the demo practice, generated the same way every time.

Names follow the Central Valley around Visalia: mostly Mexican-American families
(two surnames, accents), with Hmong, Punjabi Sikh, Filipino, Portuguese and Anglo
families. Nobody here is real. Phones are in the 555 exchange (555-01XX is NANP's
fictional range); the numbers, names and birth dates the caller cases and the
sample messages register themselves are never used, so a case never finds a demo
patient where it expects its own.
"""

from __future__ import annotations

import random
import string
from dataclasses import dataclass, field
from datetime import date, timedelta
from functools import lru_cache
from typing import Any

from referraldesk.patients.names import fold

DEMO_PATIENT_COUNT = 240
DEMO_SEED = 559

# Phones the caller cases (shared/cases) and sample messages (shared/samples) use.
RESERVED_PHONES = frozenset(
    f"+1559555{line}"
    for line in (
        "0102",
        "0117",
        "0124",
        "0131",
        "0143",
        "0159",
        "0166",
        "0177",
        "0188",
        "0290",
        "0292",
        "0294",
    )
)
# The practice's own lines and the referring practices' fax numbers live in 06XX-07XX.
_PHONE_LINES = [f"01{n:02d}" for n in range(3, 100)] + [f"0{n}" for n in range(300, 600)]

# Given names of the case patients: leaving them out of the pools means no demo
# patient can ever match a case patient's name, even partially.
RESERVED_GIVEN_NAMES = frozenset(
    {
        "maria elena",
        "daniel",
        "angela",
        "robert",
        "jennifer",
        "jose luis",
        "guadalupe",
        "mateo",
        "esperanza",
        "ramon",
        "alicia",
        "tomas",
    }
)
# Birth dates of the case and sample patients: identity matching starts from the DOB.
RESERVED_DOBS = frozenset(
    date.fromisoformat(text)
    for text in (
        "1985-04-03",
        "1979-11-22",
        "1988-07-04",
        "1962-01-09",
        "1991-02-17",
        "1958-02-14",
        "1990-12-12",
        "2017-08-30",
        "1969-06-21",
        "1955-01-17",
        "1988-09-09",
    )
)

_HISPANIC_FEMALE = (
    "María Guadalupe",
    "Rosa María",
    "Juana",
    "Leticia",
    "Araceli",
    "Yesenia",
    "Maricela",
    "Verónica",
    "Adriana",
    "Lucía",
    "Sofía",
    "Ximena",
    "Itzel",
    "Brenda",
    "Griselda",
    "Alejandra",
    "Marisol",
    "Beatriz",
    "Rocío",
    "Anabel",
    "Socorro",
    "Paola",
    "Karina",
    "Elvira",
    "Dolores",
    "Natalia",
    "Valeria",
    "Camila",
    "Ana Cristina",
    "María de Jesús",
)
_HISPANIC_MALE = (
    "José Antonio",
    "Juan Carlos",
    "Luis Ángel",
    "Miguel",
    "Jesús",
    "Francisco",
    "Efraín",
    "Rigoberto",
    "Armando",
    "Héctor",
    "Rubén",
    "Joaquín",
    "Sergio",
    "Alfredo",
    "Eduardo",
    "Gerardo",
    "Óscar",
    "Fidel",
    "Saúl",
    "Ismael",
    "Abel",
    "Santiago",
    "Emiliano",
    "Diego",
    "Iván",
    "Marcos",
    "Adrián",
    "Juan Pablo",
    "Noé",
    "Ángel",
)
_HISPANIC_SURNAMES = (
    "Ramírez",
    "Núñez",
    "Peña",
    "González",
    "Hernández",
    "García",
    "Martínez",
    "Rodríguez",
    "López",
    "Pérez",
    "Sánchez",
    "Torres",
    "Flores",
    "Rivera",
    "Gómez",
    "Díaz",
    "Reyes",
    "Cruz",
    "Morales",
    "Ortiz",
    "Gutiérrez",
    "Chávez",
    "Ramos",
    "Ruiz",
    "Mendoza",
    "Vázquez",
    "Jiménez",
    "Moreno",
    "Romero",
    "Herrera",
    "Medina",
    "Aguilar",
    "Vargas",
    "Guzmán",
    "Salazar",
    "Contreras",
    "Zúñiga",
    "Cervantes",
    "Ochoa",
    "Magaña",
    "Bautista",
    "Villalobos",
    "Orozco",
    "Arreola",
    "Quintana",
    "Espinoza",
    "Barajas",
    "Solís",
    "Valenzuela",
    "Maldonado",
    "Cárdenas",
    "Ávila",
    "Ibáñez",
    "Muñoz",
    "Rosales",
)
_HMONG_GIVEN = (
    "Pa Nhia",
    "Mai Yer",
    "Chue",
    "Tou",
    "Kou",
    "Xee",
    "Nou",
    "Pheng",
    "Yia",
    "Bao",
    "Shoua",
    "Txawj",
)
_HMONG_SURNAMES = (
    "Vang",
    "Xiong",
    "Yang",
    "Lee",
    "Thao",
    "Her",
    "Moua",
    "Lor",
    "Vue",
    "Chang",
    "Khang",
    "Lo",
)
_PUNJABI_GIVEN = (
    "Gurpreet",
    "Harjit",
    "Manpreet",
    "Jaswinder",
    "Baljit",
    "Simran",
    "Amandeep",
    "Navjot",
    "Rajinder",
    "Kulwinder",
    "Parminder",
    "Sukhdeep",
)
_PUNJABI_SURNAMES = (
    "Singh",
    "Kaur",
    "Sandhu",
    "Dhillon",
    "Gill",
    "Sidhu",
    "Grewal",
    "Bains",
    "Atwal",
    "Johal",
)
_FILIPINO_GIVEN = (
    "Maricel",
    "Rodel",
    "Jocelyn",
    "Ferdinand",
    "Analyn",
    "Jericho",
    "Rowena",
    "Arnel",
    "Liza",
    "Romeo",
)
_FILIPINO_SURNAMES = (
    "Santos",
    "Dela Cruz",
    "Manalo",
    "Pascual",
    "Aquino",
    "Villareal",
    "Dizon",
    "Macaraeg",
    "Tolentino",
)
_PORTUGUESE_GIVEN = ("Manuel", "Fátima", "Joaquim", "Conceição", "Duarte")
_PORTUGUESE_SURNAMES = ("Silveira", "Mendonça", "Bettencourt", "Avila", "Azevedo", "Freitas")
_ANGLO_GIVEN = (
    "Emily",
    "Tyler",
    "Brittany",
    "Cody",
    "Ashley",
    "Dustin",
    "Kayla",
    "Travis",
    "Megan",
    "Brandon",
    "Linda",
    "Gary",
    "Sharon",
    "Dale",
    "Wesley",
    "Brenda Lee",
    "Clint",
    "Shelby",
)
_ANGLO_SURNAMES = (
    "Miller",
    "Johnson",
    "Anderson",
    "Thompson",
    "Wilson",
    "Carter",
    "Baker",
    "Mitchell",
    "Parker",
    "Collins",
    "Hughes",
    "Foster",
    "Whitaker",
    "Holloway",
)

_TOWNS = (
    ("Visalia", ("93277", "93291", "93292"), 46),
    ("Tulare", ("93274",), 16),
    ("Exeter", ("93221",), 7),
    ("Farmersville", ("93223",), 6),
    ("Lindsay", ("93247",), 6),
    ("Woodlake", ("93286",), 4),
    ("Dinuba", ("93618",), 5),
    ("Porterville", ("93257",), 5),
    ("Ivanhoe", ("93235",), 3),
    ("Goshen", ("93227",), 2),
)
_STREETS = (
    "W Caldwell Ave",
    "N Ben Maddox Way",
    "E Tulare Ave",
    "S Mooney Blvd",
    "W Walnut Ave",
    "N Dinuba Blvd",
    "E Houston Ave",
    "S Court St",
    "W Noble Ave",
    "N Akers St",
    "E Prosperity Ave",
    "S K St",
    "N Kaweah Ave",
    "W Inyo Ave",
    "E Hermosa St",
    "S Lovers Ln",
)

WEEKDAY_NAMES = ["mon", "tue", "wed", "thu", "fri"]
CONTACT_WINDOWS: dict[str, list[dict[str, Any]]] = {
    "early_morning": [{"weekdays": WEEKDAY_NAMES, "after": None, "before": "08:00"}],
    "evening": [{"weekdays": WEEKDAY_NAMES, "after": "17:00", "before": None}],
    "saturday": [{"weekdays": ["sat"], "after": None, "before": None}],
    "evening_or_saturday": [
        {"weekdays": WEEKDAY_NAMES, "after": "17:00", "before": None},
        {"weekdays": ["sat"], "after": None, "before": None},
    ],
    "any": [],
}


@dataclass(frozen=True)
class DemoCoverage:
    plan_key: str
    member_id: str | None
    is_primary: bool = True


@dataclass(frozen=True)
class DemoPatient:
    index: int
    given_names: str
    surnames: tuple[str, ...]
    dob: date
    preferred_language: str
    phones: tuple[str, ...]
    contact_windows: list[dict[str, Any]]
    coverages: tuple[DemoCoverage, ...]
    consents: dict[str, bool]
    address: str
    city: str
    postal_code: str
    heritage: str = field(default="hispanic")

    @property
    def full_name(self) -> str:
        return " ".join([self.given_names, *self.surnames])

    def age_on(self, day: date) -> int:
        return day.year - self.dob.year - ((day.month, day.day) < (self.dob.month, self.dob.day))

    @property
    def plan_key(self) -> str:
        return self.coverages[0].plan_key


@lru_cache(maxsize=2)
def demo_patients(
    count: int = DEMO_PATIENT_COUNT, seed: int = DEMO_SEED
) -> tuple[DemoPatient, ...]:
    """The demo's patients: the same ones for the same count and seed, in any process."""
    rng = random.Random(seed)
    phones = _phone_pool(rng)
    seen_names: set[str] = set()
    patients: list[DemoPatient] = []
    while len(patients) < count:
        heritage = rng.choices(
            ("hispanic", "hmong", "punjabi", "filipino", "anglo", "portuguese"),
            weights=(66, 9, 8, 6, 9, 2),
        )[0]
        given, surnames = _name(rng, heritage)
        folded = fold(" ".join([given, *surnames]))
        if folded in seen_names or fold(given) in RESERVED_GIVEN_NAMES:
            continue
        seen_names.add(folded)
        patients.append(_patient(rng, len(patients), heritage, given, surnames, phones))
    return tuple(patients)


def _patient(
    rng: random.Random,
    index: int,
    heritage: str,
    given: str,
    surnames: tuple[str, ...],
    phones: list[str],
) -> DemoPatient:
    dob = _birth_date(rng)
    age = 2026 - dob.year
    numbers = (phones.pop(), phones.pop()) if rng.random() < 0.12 else (phones.pop(),)
    town, postal_codes, _ = rng.choices(_TOWNS, weights=[t[2] for t in _TOWNS])[0]
    return DemoPatient(
        index=index,
        given_names=given,
        surnames=surnames,
        dob=dob,
        preferred_language=_language(rng, heritage),
        phones=numbers,
        contact_windows=_windows(rng, age),
        coverages=_coverages(rng, age),
        consents={
            "recording": rng.random() < 0.92,
            "automated_calls": rng.random() < 0.88,
            "texts": rng.random() < 0.85,
            "non_care_use": rng.random() < 0.1,
        },
        address=f"{rng.randint(100, 4999)} {rng.choice(_STREETS)}",
        city=town,
        postal_code=rng.choice(postal_codes),
        heritage=heritage,
    )


def _phone_pool(rng: random.Random) -> list[str]:
    pool = [f"+1559555{line}" for line in _PHONE_LINES if f"+1559555{line}" not in RESERVED_PHONES]
    rng.shuffle(pool)
    return pool


def _name(rng: random.Random, heritage: str) -> tuple[str, tuple[str, ...]]:
    if heritage == "hispanic":
        given = rng.choice(_HISPANIC_FEMALE if rng.random() < 0.52 else _HISPANIC_MALE)
        first = rng.choice(_HISPANIC_SURNAMES)
        if rng.random() < 0.7:
            second = rng.choice([s for s in _HISPANIC_SURNAMES if s != first])
            return given, (first, second)
        return given, (first,)
    pools = {
        "hmong": (_HMONG_GIVEN, _HMONG_SURNAMES),
        "punjabi": (_PUNJABI_GIVEN, _PUNJABI_SURNAMES),
        "filipino": (_FILIPINO_GIVEN, _FILIPINO_SURNAMES),
        "anglo": (_ANGLO_GIVEN, _ANGLO_SURNAMES),
        "portuguese": (_PORTUGUESE_GIVEN, _PORTUGUESE_SURNAMES),
    }
    given_pool, surname_pool = pools[heritage]
    return rng.choice(given_pool), (rng.choice(surname_pool),)


def _birth_date(rng: random.Random) -> date:
    while True:
        # About one in six is a child (the pediatric clinic); the rest 18-88.
        years = rng.randint(1, 17) if rng.random() < 0.17 else rng.randint(18, 88)
        dob = date(2026, 1, 1) - timedelta(days=years * 365 + rng.randint(0, 364))
        if dob not in RESERVED_DOBS:
            return dob


def _language(rng: random.Random, heritage: str) -> str:
    if heritage == "hispanic":
        return "es" if rng.random() < 0.9 else "en"
    return "en"


def _windows(rng: random.Random, age: int) -> list[dict[str, Any]]:
    if age >= 65:
        choice = rng.choices(("any", "saturday", "evening"), weights=(70, 15, 15))[0]
    else:
        choice = rng.choices(
            ("early_morning", "evening", "saturday", "evening_or_saturday", "any"),
            weights=(30, 30, 12, 13, 15),
        )[0]
    return [dict(window) for window in CONTACT_WINDOWS[choice]]


def _coverages(rng: random.Random, age: int) -> tuple[DemoCoverage, ...]:
    if age >= 65 and rng.random() < 0.85:
        plan = "medicare"
    elif age < 18:
        plan = rng.choices(
            ("anthem_medi_cal", "health_net_medi_cal", "blue_shield_ppo", "aetna_ppo"),
            weights=(45, 35, 12, 8),
        )[0]
    else:
        plan = rng.choices(
            ("anthem_medi_cal", "health_net_medi_cal", "blue_shield_ppo", "aetna_ppo", "self_pay"),
            weights=(33, 27, 15, 10, 15),
        )[0]
    primary = DemoCoverage(plan, member_id(rng, plan))
    # Shift and farm workers with an open work-injury claim.
    if 18 <= age < 65 and rng.random() < 0.1:
        return primary, DemoCoverage("state_fund", member_id(rng, "state_fund"), is_primary=False)
    return (primary,)


def member_id(rng: random.Random, plan_key: str) -> str | None:
    """A member id shaped like the payer's own (Medi-Cal CIN, Medicare MBI, claim number ...)."""
    digits = string.digits
    if plan_key.endswith("medi_cal"):
        return "9" + "".join(rng.choices(digits, k=7)) + rng.choice(string.ascii_uppercase)
    if plan_key == "medicare":
        return _mbi(rng)
    if plan_key == "state_fund":
        return f"0{rng.randint(1, 9)}-{rng.randint(1000000, 9999999)}"
    if plan_key == "blue_shield_ppo":
        return "XEA" + "".join(rng.choices(digits, k=9))
    if plan_key == "aetna_ppo":
        return "W" + "".join(rng.choices(digits, k=9))
    return None


def _mbi(rng: random.Random) -> str:
    # Medicare Beneficiary Identifier: 11 characters, letters without S, L, O, I, B, Z.
    letters = "ACDEFGHJKMNPQRTUVWXY"
    alnum = letters + string.digits
    pattern = ("C", "A", "N_", "D", "A", "N_", "D", "A", "A", "D", "D")
    pools = {"C": "123456789", "A": letters, "N_": alnum, "D": string.digits}
    return "".join(rng.choice(pools[kind]) for kind in pattern)
