"""A referring practice's name from outside: whitespace runs are one space, and a
control or format character (an ANSI colour, a bidi override) refuses the message,
naming the field, at every door."""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import func, select
from sqlalchemy.orm import Session
from tests.intake.support import INTEGRATION, sample
from tests.intake.test_fhir_door import KAWEAH, with_organizations
from tests.intake.test_fhir_door import post as post_fhir
from tests.intake.test_hl7_door import post as post_hl7

from referraldesk.errors import InvalidArgument
from referraldesk.intake.csv_rows import import_csv
from referraldesk.models import IntakeMessage, Referral, ReferringPractice
from referraldesk.referrals.schemas import parse_referral

# (what is put in the name, the code the refusal names)
BAD = [
    ("\x1b[31m", "U+001B"),  # an ANSI colour for whoever reads a log in a terminal
    ("\u202e", "U+202E"),  # right-to-left override: the name reads backwards
    ("\u2067", "U+2067"),  # right-to-left isolate
    ("\u200b", "U+200B"),  # zero-width space: looks like the practice on file, is not
    ("\x07", "U+0007"),  # bell
    ("\x7f", "U+007F"),  # delete
]
ORTHO_PRACTICE = "Valley Family Medicine"


def nothing_kept(db: Session) -> None:
    assert db.scalar(select(func.count()).select_from(Referral)) == 0
    assert db.scalars(select(ReferringPractice.name)).all() == []
    assert db.scalar(select(IntakeMessage.status)) == "failed"


@pytest.mark.parametrize(("bad", "code"), BAD)
def test_hl7_a_practice_name_with_a_control_character_is_refused_at_its_field(
    client: TestClient, secrets: dict[str, str], db: Session, bad: str, code: str
) -> None:
    text = sample("ref_i12_orthopedics.hl7").replace(ORTHO_PRACTICE, f"Valley{bad} Family")

    ack = post_hl7(client, secrets, text)

    assert ack.code == "AE"
    assert [err[2] for err in ack.errors] == ["PRD^1^4"]
    assert ack.errors[0][-1] == (f"PRD-4: referring_practice contains control or invisible "
                                 f"characters ({code}); send the name as printed")
    nothing_kept(db)


def test_hl7_tabs_and_spaces_in_a_practice_name_are_one_space(
    client: TestClient, secrets: dict[str, str], db: Session
) -> None:
    text = sample("ref_i12_orthopedics.hl7").replace(ORTHO_PRACTICE,
                                                     "Valley\t \tFamily  Medicine")

    ack = post_hl7(client, secrets, text)

    assert ack.code == "AA"
    assert db.scalars(select(ReferringPractice.name)).all() == [ORTHO_PRACTICE]


def test_hl7_a_practice_name_too_long_is_refused_at_its_field_not_an_internal_error(
    client: TestClient, secrets: dict[str, str], db: Session
) -> None:
    text = sample("ref_i12_orthopedics.hl7").replace(ORTHO_PRACTICE, "V" * 201)

    ack = post_hl7(client, secrets, text)

    assert ack.code == "AE"
    assert ack.errors[0][-1] == ("PRD-4: the referring practice's name is 201 characters "
                                 "long; at most 200")
    nothing_kept(db)


@pytest.mark.parametrize(("bad", "code"), BAD)
def test_fhir_an_organization_name_with_a_control_character_is_refused_at_the_requester(
    client: TestClient, secrets: dict[str, str], db: Session, bad: str, code: str
) -> None:
    bundle = with_organizations({**KAWEAH, "name": f"Kaweah{bad} Kids Clinic"})

    response = post_fhir(client, secrets, bundle)

    assert response.status_code == 422
    issue = response.json()["issue"][0]
    assert issue["expression"] == ["Bundle.entry[3].resource.requester"]
    assert issue["diagnostics"] == (
        f"Bundle.entry[3].resource.requester: referring_practice contains control or "
        f"invisible characters ({code}); send the name as printed")
    nothing_kept(db)


def test_fhir_whitespace_runs_in_an_organization_name_are_one_space(
    client: TestClient, secrets: dict[str, str], db: Session
) -> None:
    bundle = with_organizations({**KAWEAH, "name": " Kaweah\n\tKids \r\n Clinic "})

    response = post_fhir(client, secrets, bundle)

    assert response.status_code == 201
    assert db.scalars(select(ReferringPractice.name)).all() == ["Kaweah Kids Clinic"]


@pytest.mark.parametrize(("bad", "code"), BAD[:2])
def test_csv_a_practice_with_a_control_character_is_refused_at_its_row_and_column(
    db: Session, bad: str, code: str
) -> None:
    header, row = sample("referrals.csv").splitlines()[:2]

    report = import_csv(db, INTEGRATION, f"{header}\n{row.replace('Woodlake', f'Wood{bad}lake')}\n",
                        source_name="referrals.csv")

    problem = report.rows[0].problems[0]
    assert (problem.where, code in problem.message) == ("row 1, column referring_practice", True)
    nothing_kept(db)


def test_the_referral_api_names_the_field_of_a_practice_with_a_bidi_override() -> None:
    body = {"patient_id": "p" * 32, "specialty": "cardiology", "reason": "",
            "referring_provider": "Dr. Ana Ruiz", "referring_practice": "Kaweah\u202e Kids"}

    with pytest.raises(InvalidArgument) as refused:
        parse_referral(body)

    assert refused.value.field == "referring_practice"
    assert "control or invisible characters (U+202E)" in refused.value.message
    assert parse_referral({**body, "referring_practice": "Kaweah\n Kids"}).referring_practice == (
        "Kaweah Kids")
