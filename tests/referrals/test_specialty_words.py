"""Lay words for a specialty reach the practice's key, at every door that takes one."""

import pytest
from sqlalchemy.orm import Session

from referraldesk.models import Specialty
from referraldesk.referrals.specialties import specialty_key_for


@pytest.fixture
def specialties(session: Session) -> None:
    session.add_all([
        Specialty(key="dermatology", nucc_code="207N00000X", label_en="Dermatology",
                  label_es="Dermatología"),
        Specialty(key="orthopedics", nucc_code="207X00000X", label_en="Orthopedics",
                  label_es="Ortopedia"),
    ])
    session.flush()


@pytest.mark.usefixtures("specialties")
@pytest.mark.parametrize(
    ("text", "key"),
    [("skin", "dermatology"), ("skin doctor", "dermatology"), ("piel", "dermatology"),
     ("bone doctor", "orthopedics"), ("médico de los huesos", "orthopedics"),
     ("Dermatology", "dermatology"), ("podiatry", "podiatry")],
)
def test_it_reads_a_specialty_from_lay_words(session: Session, text: str, key: str) -> None:
    assert specialty_key_for(session, text) == key
