"""The access export as a readable PDF: the same content as the JSON, laid out for a person.

fpdf2's core fonts cover Latin-1, so Spanish names keep their accents; a character
outside it prints as "?" rather than failing the export.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from fpdf import FPDF
from fpdf.enums import XPos, YPos

LINE_MM = 5.5
LABEL_MM = 48
# Columns every section shows elsewhere or that mean nothing to a reader.
HIDDEN = frozenset({"id", "patient_id", "name_key", "prev_hash", "hash", "state"})


def export_pdf(data: dict[str, Any], practice_name: str) -> bytes:
    """Render an export made by `rights.export.collect` (or `export_patient`)."""
    pdf = _document(f"Your information held by {practice_name}")
    _line(pdf, f"Prepared {data['exported_at'][:19].replace('T', ' ')} UTC "
               "in answer to a request to know (CCPA, CMIA).")
    _heading(pdf, "About you")
    _facts(pdf, _fields(data["patient"]))
    for phone in data["phones"]:
        _facts(pdf, [("Phone", f"{phone['e164']} ({phone['kind']})")])
    for coverage in data["coverages"]:
        _facts(pdf, [("Coverage", f"{coverage['plan']}, member id {coverage['member_id'] or '-'}")])

    _section(pdf, "Consents", data["consents"], lambda c: (
        f"{c['recorded_at'][:16]}  {c['kind'].replace('_', ' ')}: "
        f"{'yes' if c['granted'] else 'no'} (via {c['source']})"))
    _heading(pdf, "Referrals")
    for referral in data["referrals"] or [None]:
        _referral(pdf, referral)
    _section(pdf, "Appointments", data["appointments"], lambda a: (
        f"{a['start_at'][:16]}  {a['status']}, booked by {a['channel']}"))
    _heading(pdf, "Conversations")
    for conversation in data["conversations"] or [None]:
        _conversation(pdf, conversation)
    _section(pdf, "Calls and texts we made to you", data["outreach_attempts"], lambda o: (
        f"{o['at'][:16]}  {o['channel']}: {o['status']}"))
    _section(pdf, "Referral messages received about you", data["intake_messages"], lambda m: (
        f"{m['received_at'][:16]}  {m['channel']} from {m['sender'] or '-'}: {m['status']}"))
    _section(pdf, "Your data requests", data["data_rights_requests"], lambda r: (
        f"{r['received_at'][:10]}  {r['kind']}: {r['status']}, due {r['due_at'][:10]}"))
    _section(pdf, "Who looked at or changed your record", data["audit_events"], lambda e: (
        f"{e['at'][:16]}  {e['actor']} ({e['role']}): {e['action']} {e['resource_type']}"))
    return bytes(pdf.output())


def _referral(pdf: FPDF, referral: dict[str, Any] | None) -> None:
    if referral is None:
        _line(pdf, "None.")
        return
    _facts(pdf, [
        ("Specialty", referral["specialty_key"].replace("_", " ")),
        ("Status", referral["status"].replace("_", " ")),
        ("Received", referral["received_at"][:10]),
        ("From", f"{referral['referring_provider'] or '-'}"),
        ("Reason", referral["reason"]),
        ("Diagnosis codes", ", ".join(referral["icd10"]) or "-"),
    ])
    for step in referral["history"]:
        _line(pdf, f"    {step['at'][:16]}  {step['from_status'] or 'new'} -> {step['to_status']}")
    pdf.ln(LINE_MM / 2)


def _conversation(pdf: FPDF, conversation: dict[str, Any] | None) -> None:
    if conversation is None:
        _line(pdf, "None.")
        return
    ending = conversation["outcome"] or conversation["status"]
    _bold(pdf, f"{conversation['started_at'][:16]}  {conversation['channel']} "
               f"({conversation['direction']}), {ending}")
    for disclosure in conversation["recording_disclosures"]:
        _line(pdf, f"    recording notice given {disclosure['played_at'][:19]} "
                   f"in {disclosure['language']}")
    for turn in conversation["turns"]:
        _paragraph(pdf, f"    {turn['speaker']}: {turn['text']}")
    for analysis in conversation["analyses"]:
        _paragraph(pdf, f"    summary: {analysis['summary']}")
    pdf.ln(LINE_MM / 2)


def _section(pdf: FPDF, title: str, rows: list[dict[str, Any]], line_of: Any) -> None:
    _heading(pdf, title)
    if not rows:
        _line(pdf, "None.")
    for item in rows:
        _paragraph(pdf, line_of(item))


def _fields(row: dict[str, Any]) -> Iterable[tuple[str, str]]:
    for key, value in row.items():
        if key in HIDDEN or value in (None, "", [], {}):
            continue
        shown = " ".join(value) if isinstance(value, list) and all(
            isinstance(v, str) for v in value) else str(value)
        yield key.replace("_", " ").capitalize(), shown


def _document(title: str) -> FPDF:
    pdf = FPDF(format="letter")
    pdf.set_auto_page_break(auto=True, margin=15)
    pdf.add_page()
    pdf.set_font("Helvetica", style="B", size=14)
    pdf.multi_cell(0, 8, _latin1(title), new_x=XPos.LMARGIN, new_y=YPos.NEXT)
    pdf.set_font("Helvetica", size=10)
    return pdf


def _heading(pdf: FPDF, text: str) -> None:
    pdf.ln(LINE_MM / 2)
    pdf.set_font("Helvetica", style="B", size=12)
    pdf.cell(0, LINE_MM + 2, _latin1(text), new_x=XPos.LMARGIN, new_y=YPos.NEXT)
    pdf.set_font("Helvetica", size=10)


def _bold(pdf: FPDF, text: str) -> None:
    pdf.set_font("Helvetica", style="B", size=10)
    _paragraph(pdf, text)
    pdf.set_font("Helvetica", size=10)


def _line(pdf: FPDF, text: str) -> None:
    _paragraph(pdf, text)


def _paragraph(pdf: FPDF, text: str) -> None:
    pdf.multi_cell(0, LINE_MM, _latin1(text), new_x=XPos.LMARGIN, new_y=YPos.NEXT)


def _facts(pdf: FPDF, rows: Iterable[tuple[str, str]]) -> None:
    for label, value in rows:
        pdf.set_font("Helvetica", style="B", size=10)
        pdf.cell(LABEL_MM, LINE_MM, _latin1(f"{label}:"))
        pdf.set_font("Helvetica", size=10)
        pdf.multi_cell(0, LINE_MM, _latin1(value), new_x=XPos.LMARGIN, new_y=YPos.NEXT)


def _latin1(text: str) -> str:
    return text.encode("latin-1", "replace").decode("latin-1")
