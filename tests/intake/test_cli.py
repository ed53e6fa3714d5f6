"""`referraldesk import ...` from files: a line per message, exit 1 when any failed."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session
from tests.intake.support import NOW, SAMPLES
from typer.testing import CliRunner

from referraldesk.cli import app, common
from referraldesk.models import IntakeMessage, Referral, ReferringPractice

PEDS = "fhir_bundle_peds_referral.json"

runner = CliRunner()


def report_lines(stdout: str) -> list[str]:
    """What the command printed, without the log events structlog wrote there too."""
    return [line for line in stdout.splitlines() if "[info" not in line
            and "[warning" not in line and "[error" not in line]


@pytest.fixture(autouse=True)
def _logging_left_alone(monkeypatch: pytest.MonkeyPatch) -> None:
    # The command would configure logging onto the runner's captured stderr, which
    # is closed after the run; later tests in this process would log into it.
    monkeypatch.setattr(common, "configure_logging", lambda *_, **__: None)


def test_import_hl7_reports_each_message(db: Session) -> None:
    result = runner.invoke(app, ["import", "hl7", "--now", NOW,
                                 str(SAMPLES / "ref_i12_orthopedics.hl7"),
                                 str(SAMPLES / "broken_no_patient.hl7")])

    assert result.exit_code == 1
    lines = report_lines(result.stdout)
    assert lines[0].startswith("ref_i12_orthopedics.hl7: AA referral ")
    assert lines[1].startswith("broken_no_patient.hl7: AE PID: the message has no PID segment")
    assert db.scalar(select(Referral.placer_id)) == "VFM-R-88231"
    assert sorted(db.scalars(select(IntakeMessage.channel))) == ["hl7_file", "hl7_file"]


def test_import_csv_prints_the_row_report(db: Session) -> None:
    result = runner.invoke(app, ["import", "csv", "--now", NOW, str(SAMPLES / "referrals.csv")])

    assert result.exit_code == 1
    lines = report_lines(result.stdout)
    assert lines[2].startswith("row 3 WMC-1103: rejected: column patient_dob:")
    assert lines[-1] == "2 imported, 2 rejected"
    assert len(db.scalars(select(Referral)).all()) == 2


def test_import_fhir_takes_the_bundle(db: Session) -> None:
    result = runner.invoke(app, ["import", "fhir", "--now", NOW, "--practice", "Tulare Pediatrics",
                                 str(SAMPLES / PEDS)])

    assert result.exit_code == 0, result.output
    first = report_lines(result.stdout)[0]
    assert first.startswith("fhir_bundle_peds_referral.json: 201 referral ")
    assert db.scalar(select(Referral.specialty_key)) == "pediatrics"
    assert db.scalar(select(ReferringPractice.name)) == "Tulare Pediatrics"


def test_import_fhir_never_takes_the_file_name_for_the_practice(db: Session) -> None:
    # The sample names no Organization: without --practice there is no referrer.
    result = runner.invoke(app, ["import", "fhir", "--now", NOW, str(SAMPLES / PEDS)])

    assert result.exit_code == 1
    line = report_lines(result.stdout)[0]
    assert line.startswith("fhir_bundle_peds_referral.json: 422 ")
    assert "requester: no referring practice" in line
    assert db.scalar(select(func.count()).select_from(Referral)) == 0
    assert db.scalars(select(ReferringPractice.name)).all() == []
    message = db.scalars(select(IntakeMessage)).one()
    assert (message.status, message.sender) == ("failed", None)


def test_import_fhir_a_renamed_copy_is_the_same_referral(db: Session, tmp_path: Path) -> None:
    copy = tmp_path / "bundle.json"
    copy.write_bytes((SAMPLES / PEDS).read_bytes())

    for path in (SAMPLES / PEDS, copy):
        result = runner.invoke(app, ["import", "fhir", "--now", NOW,
                                     "--practice", "Tulare Pediatrics", str(path)])
        assert result.exit_code == 0, result.output

    assert report_lines(result.stdout)[0].startswith("bundle.json: 200 duplicate: referral ")
    assert db.scalar(select(func.count()).select_from(Referral)) == 1
    assert db.scalars(select(IntakeMessage.sender)).all() == ["Tulare Pediatrics"] * 2


def test_import_fhir_the_bundle_organization_wins_over_practice(
    db: Session, tmp_path: Path
) -> None:
    bundle = json.loads((SAMPLES / PEDS).read_text(encoding="utf-8"))
    bundle["entry"].append({"fullUrl": "urn:uuid:6f1e2c7a-0009-4c1b-9a11-0a0000000009",
                            "resource": {"resourceType": "Organization",
                                         "name": "Kaweah Kids Clinic"}})
    file = tmp_path / "bundle.json"
    file.write_text(json.dumps(bundle), encoding="utf-8")

    result = runner.invoke(app, ["import", "fhir", "--now", NOW,
                                 "--practice", "Tulare Pediatrics", str(file)])

    assert result.exit_code == 0, result.output
    assert db.scalars(select(ReferringPractice.name)).all() == ["Kaweah Kids Clinic"]


@pytest.mark.parametrize(
    ("given", "error"),
    [
        ("   ", "error: --practice is empty: give the referring practice's name"),
        ("P" * 201, "error: --practice is 201 characters long; at most 200"),
    ],
)
def test_import_fhir_refuses_a_practice_option_that_names_no_practice(
    db: Session, given: str, error: str
) -> None:
    result = runner.invoke(app, ["import", "fhir", "--now", NOW, "--practice", given,
                                 str(SAMPLES / PEDS)])

    assert result.exit_code == 1
    assert error in result.output
    assert db.scalar(select(func.count()).select_from(IntakeMessage)) == 0


def test_import_fhir_refuses_a_practice_option_with_a_control_character(db: Session) -> None:
    result = runner.invoke(app, ["import", "fhir", "--now", NOW, "--practice",
                                 "Tulare\x1b[31m Pediatrics", str(SAMPLES / PEDS)])

    assert result.exit_code == 1
    assert ("error: --practice contains control or invisible characters (U+001B); send the "
            "name as printed") in result.output
    assert db.scalar(select(func.count()).select_from(IntakeMessage)) == 0


def test_import_fhir_a_practice_option_on_two_lines_is_one_name(db: Session) -> None:
    result = runner.invoke(app, ["import", "fhir", "--now", NOW, "--practice",
                                 "Tulare\n  Pediatrics", str(SAMPLES / PEDS)])

    assert result.exit_code == 0, report_lines(result.stdout)
    assert db.scalars(select(ReferringPractice.name)).all() == ["Tulare Pediatrics"]


def test_import_fhir_an_organization_name_too_long_is_a_422_naming_it(
    db: Session, tmp_path: Path
) -> None:
    bundle = json.loads((SAMPLES / PEDS).read_text(encoding="utf-8"))
    bundle["entry"].append({"fullUrl": "urn:uuid:6f1e2c7a-0009-4c1b-9a11-0a0000000009",
                            "resource": {"resourceType": "Organization", "name": "K" * 201}})
    file = tmp_path / "bundle.json"
    file.write_text(json.dumps(bundle), encoding="utf-8")

    result = runner.invoke(app, ["import", "fhir", "--now", NOW, str(file)])

    assert result.exit_code == 1
    line = report_lines(result.stdout)[0]
    assert line.startswith("bundle.json: 422 Bundle.entry[3].resource.requester: the referring "
                           "practice's name is 201 characters long; at most 200")
    assert db.scalar(select(func.count()).select_from(Referral)) == 0
