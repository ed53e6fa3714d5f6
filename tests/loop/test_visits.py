"""Visits kept or missed, from staff, the calendar or a schedule file; the consult note."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime

import pytest
from sqlalchemy.orm import Session
from tests.outreach.support import STAFF, book_first_slot, refer, register

from referraldesk.errors import IllegalTransition, InvalidArgument
from referraldesk.loop.consult import attach_consult_note
from referraldesk.loop.letters import status_letter_pdf
from referraldesk.loop.visits import import_visits_csv, record_visit, sync_visits

Freeze = Callable[[datetime | str], datetime]
NOW = "2026-07-15T17:00:00+00:00"


def test_the_nightly_sync_follows_the_appointments_status(
    session: Session, frozen_now: Freeze
) -> None:
    frozen_now(NOW)
    kept = refer(session, register(session), placer_id="K")
    missed = refer(session, register(session, given="Rosa", phone="+15595550144"), placer_id="M")
    book_first_slot(session, kept).status = "fulfilled"
    book_first_slot(session, missed).status = "no_show"
    session.flush()

    done = sync_visits(session, STAFF)

    assert (done.kept, done.missed) == ([kept.id], [missed.id])
    assert (kept.status, missed.status) == ("visit_kept", "contacting")
    assert [s.to_status for s in missed.history][-2:] == ["no_show", "contacting"]


def test_a_schedule_file_records_visits_and_reports_every_bad_line_at_once(
    session: Session, frozen_now: Freeze
) -> None:
    frozen_now(NOW)
    referral = refer(session, register(session))
    appointment = book_first_slot(session, referral)

    with pytest.raises(InvalidArgument) as bad:
        import_visits_csv(
            session, STAFF, f"appointment_id,status\nnope,kept\n{appointment.id},maybe\n"
        )
    done = import_visits_csv(session, STAFF, f"appointment_id,status\n{appointment.id},kept\n")

    assert "line 2: no referral matches" in bad.value.message
    assert "line 3: status 'maybe' is not kept or no_show" in bad.value.message
    assert done.kept == [referral.id]
    assert referral.status == "visit_kept"


def test_a_visit_is_recorded_only_for_a_scheduled_referral(
    session: Session, frozen_now: Freeze
) -> None:
    frozen_now(NOW)
    referral = refer(session, register(session))

    with pytest.raises(IllegalTransition) as refused:
        record_visit(session, STAFF, referral.id, kept=True)

    assert (
        "is accepted; a visit can be recorded only for a scheduled referral"
        in refused.value.message
    )


def test_a_consult_note_closes_only_a_kept_visit(session: Session, frozen_now: Freeze) -> None:
    frozen_now(NOW)
    referral = refer(session, register(session))
    book_first_slot(session, referral)

    with pytest.raises(IllegalTransition):
        attach_consult_note(session, STAFF, referral.id, "too early")
    record_visit(session, STAFF, referral.id, kept=True)
    attach_consult_note(session, STAFF, referral.id, "Seen and treated.", author="Dra. Villanueva")

    assert referral.status == "closed"
    assert referral.attachments[-1]["text"] == "Seen and treated."
    assert referral.attachments[-1]["author"] == "Dra. Villanueva"


def test_the_status_letter_is_a_pdf(session: Session, frozen_now: Freeze) -> None:
    frozen_now(NOW)
    referral = refer(session, register(session), referring_practice="Mineral King Family Practice")
    book_first_slot(session, referral)

    pdf = status_letter_pdf(session, referral)

    assert pdf.startswith(b"%PDF-")
    assert len(pdf) > 1000
