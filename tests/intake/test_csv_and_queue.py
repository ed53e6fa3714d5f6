"""CSV import with a per-row report, and the intake queue: list, fix, replay."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session
from tests.intake.support import INTEGRATION, STAFF, read_ack, sample

from referraldesk.errors import Conflict, InvalidArgument
from referraldesk.intake import queue
from referraldesk.intake.csv_rows import import_csv
from referraldesk.intake.hl7.service import receive_hl7
from referraldesk.models import IntakeMessage, Referral

# What the broken sample lacks: the patient, and the specialty it is for.
MISSING_PART = ("PRD|RT|||||^^^^^^^^^^^Dermatology\r"
                "PID|1||MRN-40999^^^VFM^MR||Ortega^Lucas^^^^^L||19800101|M|||||"
                "^PRN^CP^^1^559^5550124\r")


class TestCsvImport:
    def test_the_sample_gives_two_imported_and_two_rejected_rows(self, db: Session) -> None:
        report = import_csv(db, INTEGRATION, sample("referrals.csv"), source_name="referrals.csv")

        assert [(row.row, row.imported) for row in report.rows] == [
            (1, True), (2, True), (3, False), (4, False)]
        assert [row.referral_status for row in report.rows[:2]] == ["accepted", "accepted"]
        assert (report.imported, report.rejected) == (2, 2)

    def test_row_three_is_rejected_for_its_date_by_row_and_column(self, db: Session) -> None:
        report = import_csv(db, INTEGRATION, sample("referrals.csv"), source_name="referrals.csv")

        row = report.rows[2]
        assert [p.where for p in row.problems] == ["row 3, column patient_dob"]
        assert "'02/30/1990' is not a date" in row.line()

    def test_row_four_is_rejected_for_a_specialty_not_offered(self, db: Session) -> None:
        report = import_csv(db, INTEGRATION, sample("referrals.csv"), source_name="referrals.csv")

        wheres = [p.where for p in report.rows[3].problems]
        assert "row 4, column specialty" in wheres
        assert "'podiatry' is not a specialty this practice offers" in report.rows[3].line()

    def test_rows_that_pass_are_kept_and_rejected_rows_wait_in_the_queue(
        self, db: Session
    ) -> None:
        import_csv(db, INTEGRATION, sample("referrals.csv"), source_name="referrals.csv")
        db.commit()

        assert sorted(db.scalars(select(Referral.placer_id))) == ["WMC-1101", "WMC-1102"]
        failed = {m.control_id: m for m in queue.list_failed(db)}
        assert sorted(failed) == ["WMC-1103", "WMC-1104"]
        assert failed["WMC-1103"].body.splitlines()[1].startswith("WMC-1103,Woodlake Clinic")

    def test_a_header_without_required_columns_is_refused_whole(self, db: Session) -> None:
        with pytest.raises(InvalidArgument, match="no 'patient_dob' column"):
            import_csv(db, INTEGRATION, "placer_id,plan\nX,Medicare\n", source_name="x.csv")


class TestQueue:
    def test_a_fixed_message_replays_and_the_original_is_marked(self, db: Session) -> None:
        broken = sample("broken_no_patient.hl7")
        failed = receive_hl7(db, INTEGRATION, broken, channel="hl7_mllp").message
        fixed = broken.replace("\rNTE|", f"\r{MISSING_PART}NTE|", 1)

        outcome = queue.replay(db, STAFF, failed.id, corrected_body=fixed)

        assert outcome.applied and read_ack(outcome.reply).code == "AA"
        assert (failed.status, failed.body) == ("replayed", broken)
        assert (outcome.message.replay_of_id, outcome.message.channel) == (failed.id, "hl7_mllp")
        assert queue.list_failed(db) == []
        referral = db.get(Referral, outcome.referral_id)
        assert referral is not None and referral.placer_id == "VFM-R-88310"

    def test_a_fixed_csv_row_replays(self, db: Session) -> None:
        report = import_csv(db, INTEGRATION, sample("referrals.csv"), source_name="referrals.csv")
        row = db.get(IntakeMessage, report.rows[2].message_id)
        assert row is not None

        outcome = queue.replay(db, STAFF, row.id, corrected_body=row.body.replace(
            "02/30/1990", "1990-02-28"))

        assert outcome.applied and outcome.referral_status == "accepted"
        assert db.scalar(select(func.count()).select_from(Referral)) == 3

    def test_a_replay_that_fails_again_stays_in_the_queue(self, db: Session) -> None:
        failed = receive_hl7(db, INTEGRATION, sample("broken_no_patient.hl7"),
                             channel="hl7_file").message

        outcome = queue.replay(db, STAFF, failed.id)

        assert not outcome.applied
        assert [m.id for m in queue.list_failed(db)] == [outcome.message.id]

    def test_an_applied_message_cannot_be_replayed(self, db: Session) -> None:
        applied = receive_hl7(db, INTEGRATION, sample("ref_i12_orthopedics.hl7"),
                              channel="hl7_file").message

        with pytest.raises(Conflict, match="only a failed message"):
            queue.replay(db, STAFF, applied.id)
