"""Visits kept or missed, from staff, the calendar or a schedule file; the consult note."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy.orm import Session
from tests.outreach.support import STAFF, book_first_slot, refer, register

from referraldesk.errors import IllegalTransition, InvalidArgument
from referraldesk.loop.consult import attach_consult_note
from referraldesk.loop.letters import status_letter_pdf
from referraldesk.loop.visits import import_visits_csv, record_visit, sync_visits
from referraldesk.models import Appointment, Referral

Freeze = Callable[[datetime | str], datetime]
NOW = "2026-07-15T17:00:00+00:00"


def booked_at_now(session: Session, frozen_now: Freeze) -> tuple[Referral, Appointment]:
    """At NOW, a referred patient booked into the first open slot."""
    frozen_now(NOW)
    referral = refer(session, register(session))
    return referral, book_first_slot(session, referral)


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
    referral, appointment = booked_at_now(session, frozen_now)

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


@pytest.mark.parametrize(
    ("before_start", "kept", "allowed"),
    [
        (timedelta(days=6), True, False),
        (timedelta(hours=2, minutes=1), True, False),
        (timedelta(hours=2), True, True),  # checked in early
        (timedelta(minutes=1), False, False),  # nobody misses a visit still to come
        (timedelta(0), False, True),
        (-timedelta(days=1), False, True),
        (-timedelta(days=30), True, True),
    ],
)
def test_a_visit_is_recorded_only_once_it_has_begun(
    session: Session, frozen_now: Freeze, before_start: timedelta, kept: bool, allowed: bool
) -> None:
    referral, appointment = booked_at_now(session, frozen_now)
    frozen_now(appointment.start_at - before_start)

    if allowed:
        record_visit(session, STAFF, referral.id, kept=kept)
        assert referral.status == ("visit_kept" if kept else "contacting")
    else:
        with pytest.raises(IllegalTransition) as refused:
            record_visit(session, STAFF, referral.id, kept=kept)
        assert "has not begun" in refused.value.message
        assert (referral.status, appointment.status) == ("scheduled", "booked")


def test_a_schedule_file_marking_a_future_visit_is_refused_by_line(
    session: Session, frozen_now: Freeze
) -> None:
    frozen_now(NOW)
    soon = refer(session, register(session), placer_id="S")
    later = refer(session, register(session, given="Rosa", phone="+15595550144"), placer_id="L")
    book_first_slot(session, soon)
    frozen_now("2026-07-22T17:00:00+00:00")
    booked_later = book_first_slot(session, later)
    frozen_now(NOW)
    local = booked_later.start_at.astimezone(ZoneInfo(booked_later.timezone))

    with pytest.raises(InvalidArgument) as bad:
        import_visits_csv(
            session, STAFF, f"referral_id,status\n{soon.id},kept\n{later.id},no_show\n"
        )

    assert bad.value.message == (
        f"the schedule file has problems: line 3: the visit at {local:%Y-%m-%d %H:%M} "
        f"({booked_later.timezone}) has not begun, so it cannot be missed yet"
    )
    assert (soon.status, later.status) == ("scheduled", "scheduled")


def test_a_consult_note_closes_only_a_kept_visit(session: Session, frozen_now: Freeze) -> None:
    referral, _ = booked_at_now(session, frozen_now)

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


def test_a_schedule_file_names_the_real_line_and_ignores_a_trailing_comma(
    session: Session, frozen_now: Freeze
) -> None:
    referral, appointment = booked_at_now(session, frozen_now)

    with pytest.raises(InvalidArgument) as bad:
        import_visits_csv(session, STAFF, "appointment_id,status\n\n\nnope,kept,\n")
    done = import_visits_csv(session, STAFF, f"appointment_id,status\n{appointment.id},kept,,\n")

    assert bad.value.message == (
        "the schedule file has problems: line 4: no referral matches this "
        "appointment_id / referral_id"
    )
    assert done.kept == [referral.id]


def test_a_schedule_file_saying_kept_and_missed_for_one_visit_is_refused(
    session: Session, frozen_now: Freeze
) -> None:
    referral, appointment = booked_at_now(session, frozen_now)
    frozen_now(appointment.start_at + timedelta(hours=1))

    with pytest.raises(InvalidArgument) as bad:
        import_visits_csv(
            session,
            STAFF,
            f"appointment_id,status\n{appointment.id},kept\n{appointment.id},no_show\n",
        )

    assert bad.value.message == (
        f"the schedule file has problems: line 3: referral {referral.id!r} is marked kept "
        "on line 2"
    )
    assert (referral.status, appointment.status) == ("scheduled", "booked")
