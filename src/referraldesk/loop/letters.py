"""Printable PDFs for referrers who take only fax: a status letter and a digest.

Built with fpdf2's core fonts, which cover Latin-1: Spanish names keep their
accents; a character outside Latin-1 prints as "?" rather than failing the letter.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import select
from sqlalchemy.orm import Session

from referraldesk.clock import now
from referraldesk.loop.nudges import PracticeNudges
from referraldesk.loop.outbox import consult_note
from referraldesk.models import Appointment, Patient, Practice, Referral, ReferringPractice
from referraldesk.printing import Printout
from referraldesk.referrals import lifecycle

DEFAULT_ZONE = "America/Los_Angeles"


def status_letter_pdf(session: Session, referral: Referral) -> bytes:
    """One referral's status for its referrer: where it stands, the visit, the note."""
    ours, zone = _our_practice(session)
    patient = referral.patient
    referrer = referral.referring_practice
    pdf = _letter(f"Referral status - {ours}")
    pdf.line(f"Date: {_local(now(), zone):%Y-%m-%d}")
    pdf.line(
        f"To: {referrer.name if referrer else 'referring provider'}"
        + (f" (fax {referrer.fax})" if referrer and referrer.fax else ""),
    )
    pdf.line(f"Referring provider: {referral.referring_provider or '-'}")
    pdf.gap()
    pdf.facts(
        [
            ("Patient", f"{patient.full_name}, born {patient.dob:%Y-%m-%d}"),
            ("Your referral id", referral.placer_id or "-"),
            ("Our referral id", referral.id),
            ("Specialty", referral.specialty_key.replace("_", " ")),
            ("Received", f"{_local(referral.received_at, zone):%Y-%m-%d}"),
            ("Status", lifecycle.label(referral.status)),
            ("Visit", _visit(session, referral, zone)),
        ],
    )
    if referral.status in lifecycle.LEAKING and referral.leakage_reason:
        pdf.facts([("Reason", referral.leakage_reason.replace("_", " "))])
    pdf.heading("History")
    for step in referral.history:
        pdf.line(f"{_local(step.at, zone):%Y-%m-%d %H:%M}  {lifecycle.label(step.to_status)}")
    note = consult_note(referral)
    if note:
        pdf.heading("Consult note")
        pdf.line(note)
    return pdf.to_bytes()


def digest_pdf(
    session: Session,
    practice: ReferringPractice,
    figures: dict[str, Any],
    nudges: PracticeNudges | None,
    period: tuple[date, date],
) -> bytes:
    """A referring practice's digest: what was received, booked, kept, closed, lost, and
    which referrals need its help. `figures` is that practice's funnel row."""
    ours, zone = _our_practice(session)
    pdf = _letter(f"Referral digest - {practice.name}")
    pdf.line(f"From {ours}, {period[0]:%Y-%m-%d} to {period[1]:%Y-%m-%d}")
    pdf.gap()
    pdf.facts(
        [
            ("Received", str(figures.get("received", 0))),
            ("Booked", str(figures.get("scheduled", 0))),
            ("Visits kept", str(figures.get("kept", 0))),
            ("Closed (consult note sent)", str(figures.get("closed", 0))),
            ("Lost", str(figures.get("lost", 0))),
        ],
    )
    pdf.heading("Needs your help")
    items = nudges.referrals if nudges else []
    if not items:
        pdf.line("Nothing right now. Thank you.")
    for item in items:
        patient = session.get(Patient, item.patient_id)
        who = f"{patient.full_name}, born {patient.dob:%Y-%m-%d}" if patient else item.patient_id
        late = f", {item.days_past_target} days past target" if item.days_past_target else ""
        pdf.line(
            f"{who} - your id {item.placer_id or '-'} - "
            f"{lifecycle.label(item.status)}{late}: {item.needs}",
        )
    return pdf.to_bytes()


def _our_practice(session: Session) -> tuple[str, str]:
    row = session.execute(select(Practice.name, Practice.timezone).limit(1)).first()
    return (row[0], row[1]) if row else ("referraldesk", DEFAULT_ZONE)


def _visit(session: Session, referral: Referral, zone: str) -> str:
    if referral.appointment_id is None:
        return "not booked"
    appointment = session.get(Appointment, referral.appointment_id)
    if appointment is None:
        return "not booked"
    provider = appointment.provider
    start = _local(appointment.start_at, appointment.timezone or zone)
    return (
        f"{start:%Y-%m-%d %H:%M} with {provider.given_name} {provider.family_name} "
        f"at {appointment.location.name} ({appointment.status.replace('_', ' ')})"
    )


def _local(instant: datetime, zone: str) -> datetime:
    return instant.astimezone(ZoneInfo(zone))


def _letter(title: str) -> Printout:
    return Printout(title, size=11, line_mm=6.0, label_mm=55)
