"""Printable PDFs for referrers who take only fax: a status letter and a digest.

Built with fpdf2's core fonts, which cover Latin-1: Spanish names keep their
accents; a character outside Latin-1 prints as "?" rather than failing the letter.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, datetime
from typing import Any
from zoneinfo import ZoneInfo

from fpdf import FPDF
from fpdf.enums import XPos, YPos
from sqlalchemy import select
from sqlalchemy.orm import Session

from referraldesk.clock import now
from referraldesk.loop.nudges import PracticeNudges
from referraldesk.loop.outbox import consult_note
from referraldesk.models import Appointment, Patient, Practice, Referral, ReferringPractice
from referraldesk.referrals import lifecycle

DEFAULT_ZONE = "America/Los_Angeles"
LINE_MM = 6.0


def status_letter_pdf(session: Session, referral: Referral) -> bytes:
    """One referral's status for its referrer: where it stands, the visit, the note."""
    ours, zone = _our_practice(session)
    patient = referral.patient
    referrer = referral.referring_practice
    pdf = _document(f"Referral status - {ours}")
    _line(pdf, f"Date: {_local(now(), zone):%Y-%m-%d}")
    _line(
        pdf,
        f"To: {referrer.name if referrer else 'referring provider'}"
        + (f" (fax {referrer.fax})" if referrer and referrer.fax else ""),
    )
    _line(pdf, f"Referring provider: {referral.referring_provider or '-'}")
    pdf.ln(LINE_MM / 2)
    _facts(
        pdf,
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
        _facts(pdf, [("Reason", referral.leakage_reason.replace("_", " "))])
    _heading(pdf, "History")
    for step in referral.history:
        _line(pdf, f"{_local(step.at, zone):%Y-%m-%d %H:%M}  {lifecycle.label(step.to_status)}")
    note = consult_note(referral)
    if note:
        _heading(pdf, "Consult note")
        _paragraph(pdf, note)
    return bytes(pdf.output())


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
    pdf = _document(f"Referral digest - {practice.name}")
    _line(pdf, f"From {ours}, {period[0]:%Y-%m-%d} to {period[1]:%Y-%m-%d}")
    pdf.ln(LINE_MM / 2)
    _facts(
        pdf,
        [
            ("Received", str(figures.get("received", 0))),
            ("Booked", str(figures.get("scheduled", 0))),
            ("Visits kept", str(figures.get("kept", 0))),
            ("Closed (consult note sent)", str(figures.get("closed", 0))),
            ("Lost", str(figures.get("lost", 0))),
        ],
    )
    _heading(pdf, "Needs your help")
    items = nudges.referrals if nudges else []
    if not items:
        _line(pdf, "Nothing right now. Thank you.")
    for item in items:
        patient = session.get(Patient, item.patient_id)
        who = f"{patient.full_name}, born {patient.dob:%Y-%m-%d}" if patient else item.patient_id
        late = f", {item.days_past_target} days past target" if item.days_past_target else ""
        _paragraph(
            pdf,
            f"{who} - your id {item.placer_id or '-'} - "
            f"{lifecycle.label(item.status)}{late}: {item.needs}",
        )
    return bytes(pdf.output())


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


def _document(title: str) -> FPDF:
    pdf = FPDF(format="letter")
    pdf.set_auto_page_break(auto=True, margin=15)
    pdf.add_page()
    pdf.set_font("Helvetica", style="B", size=14)
    pdf.cell(0, 10, _latin1(title), new_x=XPos.LMARGIN, new_y=YPos.NEXT)
    pdf.set_font("Helvetica", size=11)
    return pdf


def _heading(pdf: FPDF, text: str) -> None:
    pdf.ln(LINE_MM / 2)
    pdf.set_font("Helvetica", style="B", size=12)
    pdf.cell(0, LINE_MM + 2, _latin1(text), new_x=XPos.LMARGIN, new_y=YPos.NEXT)
    pdf.set_font("Helvetica", size=11)


def _line(pdf: FPDF, text: str) -> None:
    pdf.cell(0, LINE_MM, _latin1(text), new_x=XPos.LMARGIN, new_y=YPos.NEXT)


def _paragraph(pdf: FPDF, text: str) -> None:
    pdf.multi_cell(0, LINE_MM, _latin1(text), new_x=XPos.LMARGIN, new_y=YPos.NEXT)


def _facts(pdf: FPDF, rows: Sequence[tuple[str, str]]) -> None:
    for label, value in rows:
        pdf.set_font("Helvetica", style="B", size=11)
        pdf.cell(55, LINE_MM, _latin1(f"{label}:"))
        pdf.set_font("Helvetica", size=11)
        pdf.multi_cell(0, LINE_MM, _latin1(value), new_x=XPos.LMARGIN, new_y=YPos.NEXT)


def _latin1(text: str) -> str:
    return text.encode("latin-1", "replace").decode("latin-1")
