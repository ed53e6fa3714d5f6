"""Fixtures for the guided brain: a fake practice with known patients, and dialogues."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime, timedelta
from typing import Any

import pytest
from tests.guided.fake_practice import ZONE, FakePractice
from tests.guided.harness import Dialogue

# Wednesday 2026-03-04, 10:00 at the clinic (the day inputs.md reads against).
NOW = datetime(2026, 3, 4, 10, 0, tzinfo=ZONE)


@pytest.fixture
def practice() -> FakePractice:
    practice = FakePractice(now=NOW)
    maria = practice.add_patient(
        "María Elena",
        ["López", "García"],
        "1985-04-03",
        "Anthem Blue Cross Medi-Cal",
        language="es",
    )
    practice.add_referral(maria, "dermatology", referrer="Dra. Ana Ruiz")
    daniel = practice.add_patient("Daniel", ["Ortega"], "1979-11-22", "Health Net Medi-Cal")
    practice.add_referral(daniel, "orthopedics", referrer="Dr. Priya Natarajan")
    angela = practice.add_patient("Angela", ["Soto"], "1988-07-04", "Anthem Blue Cross Medi-Cal")
    practice.add_appointment(
        angela, "p-ortiz", (NOW + timedelta(days=1)).replace(hour=14, minute=0)
    )
    guadalupe = practice.add_patient(
        "Guadalupe", ["Morales", "Vega"], "1990-03-05", "Health Net Medi-Cal", language="es"
    )
    practice.add_appointment(
        guadalupe, "p-reyes", (NOW + timedelta(days=7)).replace(hour=7, minute=0)
    )
    practice.add_appointment(
        guadalupe, "p-vargas", (NOW + timedelta(days=9)).replace(hour=9, minute=0)
    )
    return practice


@pytest.fixture
def dialogue(practice: FakePractice) -> Callable[..., Dialogue]:
    def open_dialogue(**options: Any) -> Dialogue:
        talk = Dialogue(practice, **options)
        talk.start()
        return talk

    return open_dialogue
