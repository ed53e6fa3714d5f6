"""The access export as a readable PDF: the same content as the JSON, laid out for a person."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from referraldesk.printing import Printout

# Columns every section shows elsewhere or that mean nothing to a reader.
HIDDEN = frozenset({"id", "patient_id", "name_key", "prev_hash", "hash", "state"})


def export_pdf(data: dict[str, Any], practice_name: str) -> bytes:
    """Render an export made by `rights.export.collect` (or `export_patient`)."""
    pdf = Printout(f"Your information held by {practice_name}", size=10, line_mm=5.5, label_mm=48)
    pdf.line(
        f"Prepared {data['exported_at'][:19].replace('T', ' ')} UTC "
        "in answer to a request to know (CCPA, CMIA)."
    )
    pdf.heading("About you")
    pdf.facts(_fields(data["patient"]))
    for phone in data["phones"]:
        pdf.facts([("Phone", f"{phone['e164']} ({phone['kind']})")])
    for coverage in data["coverages"]:
        pdf.facts([("Coverage", f"{coverage['plan']}, member id {coverage['member_id'] or '-'}")])

    _section(
        pdf,
        "Consents",
        data["consents"],
        lambda c: (
            f"{c['recorded_at'][:16]}  {c['kind'].replace('_', ' ')}: "
            f"{'yes' if c['granted'] else 'no'} (via {c['source']})"
        ),
    )
    pdf.heading("Referrals")
    for referral in data["referrals"] or [None]:
        _referral(pdf, referral)
    _section(
        pdf,
        "Appointments",
        data["appointments"],
        lambda a: f"{a['start_at'][:16]}  {a['status']}, booked by {a['channel']}",
    )
    pdf.heading("Conversations")
    for conversation in data["conversations"] or [None]:
        _conversation(pdf, conversation)
    _section(
        pdf,
        "Calls and texts we made to you",
        data["outreach_attempts"],
        lambda o: f"{o['at'][:16]}  {o['channel']}: {o['status']}",
    )
    _section(
        pdf,
        "Referral messages received about you",
        data["intake_messages"],
        lambda m: (
            f"{m['received_at'][:16]}  {m['channel']} from {m['sender'] or '-'}: {m['status']}"
        ),
    )
    _section(
        pdf,
        "Your data requests",
        data["data_rights_requests"],
        lambda r: f"{r['received_at'][:10]}  {r['kind']}: {r['status']}, due {r['due_at'][:10]}",
    )
    _section(
        pdf,
        "Who looked at or changed your record",
        data["audit_events"],
        lambda e: f"{e['at'][:16]}  {e['actor']} ({e['role']}): {e['action']} {e['resource_type']}",
    )
    return pdf.to_bytes()


def _referral(pdf: Printout, referral: dict[str, Any] | None) -> None:
    if referral is None:
        pdf.line("None.")
        return
    pdf.facts(
        [
            ("Specialty", referral["specialty_key"].replace("_", " ")),
            ("Status", referral["status"].replace("_", " ")),
            ("Received", referral["received_at"][:10]),
            ("From", f"{referral['referring_provider'] or '-'}"),
            ("Reason", referral["reason"]),
            ("Diagnosis codes", ", ".join(referral["icd10"]) or "-"),
        ]
    )
    for step in referral["history"]:
        pdf.line(f"    {step['at'][:16]}  {step['from_status'] or 'new'} -> {step['to_status']}")
    pdf.gap()


def _conversation(pdf: Printout, conversation: dict[str, Any] | None) -> None:
    if conversation is None:
        pdf.line("None.")
        return
    ending = conversation["outcome"] or conversation["status"]
    pdf.bold(
        f"{conversation['started_at'][:16]}  {conversation['channel']} "
        f"({conversation['direction']}), {ending}"
    )
    for disclosure in conversation["recording_disclosures"]:
        pdf.line(
            f"    recording notice given {disclosure['played_at'][:19]} in {disclosure['language']}"
        )
    for turn in conversation["turns"]:
        pdf.line(f"    {turn['speaker']}: {turn['text']}")
    for analysis in conversation["analyses"]:
        pdf.line(f"    summary: {analysis['summary']}")
    pdf.gap()


def _section(pdf: Printout, title: str, rows: list[dict[str, Any]], line_of: Any) -> None:
    pdf.heading(title)
    if not rows:
        pdf.line("None.")
    for item in rows:
        pdf.line(line_of(item))


def _fields(row: dict[str, Any]) -> Iterable[tuple[str, str]]:
    for key, value in row.items():
        if key in HIDDEN or value in (None, "", [], {}):
            continue
        shown = (
            " ".join(value)
            if isinstance(value, list) and all(isinstance(v, str) for v in value)
            else str(value)
        )
        yield key.replace("_", " ").capitalize(), shown
