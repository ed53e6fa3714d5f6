"""Plans and specialties, loosely named, against the demo lexicon and a built one."""

from __future__ import annotations

import pytest

from referraldesk.understanding import DEFAULT_LEXICON, Lexicon, understand

from .conftest import NOW

PLANS = [
    ("Medi-Cal de Anthem", "Anthem Blue Cross Medi-Cal"),
    ("Anthem", "Anthem Blue Cross Medi-Cal"),
    ("Health Net", "Health Net Medi-Cal"),
    ("tengo health net", "Health Net Medi-Cal"),
    ("medicare", "Medicare"),
    ("blue shield ppo", "Blue Shield of California PPO"),
    ("Aetna", "Aetna PPO"),
    ("workers comp", "State Compensation Insurance Fund"),
    ("compensación de trabajadores", "State Compensation Insurance Fund"),
    ("es del seguro del trabajo", "State Compensation Insurance Fund"),
    ("State Fund", "State Compensation Insurance Fund"),
    ("no tengo seguro", "Self-pay"),
    ("self pay", "Self-pay"),
    ("I'll pay cash", "Self-pay"),
    ("antem blue cross", "Anthem Blue Cross Medi-Cal"),
]


@pytest.mark.parametrize(("said", "plan"), PLANS, ids=[p[0] for p in PLANS])
def test_it_matches_a_loosely_named_plan(said: str, plan: str) -> None:
    assert understand(said, now=NOW, awaiting="plan").plan == plan


@pytest.mark.parametrize("said", ["Medi-Cal", "tengo medi-cal", "I have medical"])
def test_it_lists_candidates_for_a_bare_medi_cal(said: str) -> None:
    result = understand(said, now=NOW, awaiting="plan")

    assert result.plan is None
    assert result.plan_candidates == ["Anthem Blue Cross Medi-Cal", "Health Net Medi-Cal"]


@pytest.mark.parametrize("said", ["sí", "si", "ok", "yes"])
def test_it_takes_no_plan_from_a_short_answer(said: str) -> None:
    assert understand(said, now=NOW).plan is None


SPECIALTIES = [
    ("skin doctor", "dermatology"),
    ("un especialista de la piel", "dermatology"),
    ("médico de los huesos", "orthopedics"),
    ("bone specialist", "orthopedics"),
    ("del corazón", "cardiology"),
    ("heart doctor", "cardiology"),
    ("pulmones", "pulmonology"),
    ("a lung doctor", "pulmonology"),
    ("stomach doctor", "gastroenterology"),
    ("estómago", "gastroenterology"),
    ("el pediatra", "pediatrics"),
    ("kids doctor", "pediatrics"),
    ("terapia física", "physical_therapy"),
    ("fisioterapia", "physical_therapy"),
    ("PT", "physical_therapy"),
    ("occupational health", "occupational_medicine"),
    ("salud ocupacional", "occupational_medicine"),
    ("medicina del trabajo", "occupational_medicine"),
    ("dermatolgy", "dermatology"),
    ("cardiologo", "cardiology"),
    ("pediatrition", "pediatrics"),
]


@pytest.mark.parametrize(("said", "key"), SPECIALTIES, ids=[s[0] for s in SPECIALTIES])
def test_it_maps_lay_words_to_a_specialty_key(said: str, key: str) -> None:
    assert understand(said, now=NOW, awaiting="specialty").specialty == key


def test_it_builds_a_lexicon_from_practice_names() -> None:
    lexicon = Lexicon.from_names(
        ["Kaiser Permanente HMO", "Health Net Medi-Cal", "Self Pay"],
        {"cardiology": "Cardiology", "podiatry": "Podiatry"},
    )

    assert understand("I have Kaiser", now=NOW, lexicon=lexicon).plan == "Kaiser Permanente HMO"
    assert understand("medi-cal", now=NOW, lexicon=lexicon).plan == "Health Net Medi-Cal"
    assert understand("pagaré en efectivo", now=NOW, lexicon=lexicon).plan == "Self Pay"
    assert understand("heart doctor", now=NOW, lexicon=lexicon).specialty == "cardiology"
    assert understand("podiatry", now=NOW, lexicon=lexicon).specialty == "podiatry"


def test_the_demo_lexicon_holds_the_demo_practice() -> None:
    assert [plan.name for plan in DEFAULT_LEXICON.plans] == [
        "Anthem Blue Cross Medi-Cal",
        "Health Net Medi-Cal",
        "Medicare",
        "State Compensation Insurance Fund",
        "Blue Shield of California PPO",
        "Aetna PPO",
        "Self-pay",
    ]
    assert set(DEFAULT_LEXICON.specialties) == {
        "dermatology",
        "orthopedics",
        "cardiology",
        "pulmonology",
        "gastroenterology",
        "pediatrics",
        "physical_therapy",
        "occupational_medicine",
    }
