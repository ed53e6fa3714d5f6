"""`referraldesk rights ...`: patients' data-rights requests from the terminal.

Log a request, answer it (export, erase, opt out), list what is due, and run the
retention purge by hand. The terminal acts as an administrator (`staff:cli`); every
action is in the audit trail.
"""

from __future__ import annotations

import json
from datetime import UTC, date, datetime, time
from pathlib import Path
from typing import Annotated

import typer

from referraldesk.cli.common import cli_actor, cli_session, fail
from referraldesk.clock import now

rights_app = typer.Typer(
    help="Patients' data rights (CCPA, CMIA): requests, exports, erasure, opt-outs, retention.",
    no_args_is_help=True,
)

# Who the terminal acts as in the audit trail.
CLI_ACTOR = ("staff:cli", "admin")
# models.rights.REQUEST_KINDS, named here so `--help` needs no import of the models
# (a test keeps the two the same).
REQUEST_KINDS = ("access", "deletion", "opt_out", "correction")
PATIENT_ID_HELP = "The patient's record id (the first column of `referraldesk patients list`)."
REASON_HELP = "Why (the request's reference, how it came in); never the patient's details."


@rights_app.command("request")
def log_request(
    patient_id: str = typer.Argument(..., metavar="PATIENT_ID", help=PATIENT_ID_HELP),
    kind: str = typer.Option(..., help=f"One of {', '.join(REQUEST_KINDS)}."),
    received: str | None = typer.Option(
        None, help="The day the request arrived (YYYY-MM-DD); today if left out."),
    notes: str | None = typer.Option(None, help="Notes without patient details."),
) -> None:
    """Log a request; it is due 45 days after it was received."""
    from referraldesk.rights import requests

    received_at = _received_at(received)
    with cli_session() as session:
        request = requests.log_request(session, cli_actor(*CLI_ACTOR), patient_id, kind,
                                       notes=notes, received_at=received_at)
        typer.echo(f"request {request.id}: {kind}, due {request.due_at:%Y-%m-%d}")


@rights_app.command("list")
def list_requests(
    open_only: bool = typer.Option(False, "--open", help="Only requests not yet answered."),
    patient_id: str | None = typer.Option(None, "--patient", help="Only this patient's."),
) -> None:
    """Print requests, the nearest deadline first; overdue ones are marked."""
    from referraldesk.rights import requests

    with cli_session() as session:
        found = requests.list_requests(session, cli_actor(*CLI_ACTOR), patient_id=patient_id,
                                       open_only=open_only)
        for request in found:
            late = "  OVERDUE" if requests.is_overdue(request) else ""
            typer.echo(f"{request.id}  {request.kind:<10} patient {request.patient_id}  "
                       f"received {request.received_at:%Y-%m-%d}  due {request.due_at:%Y-%m-%d}"
                       f"  {request.status}{late}")
        if not found:
            typer.echo("no data-rights requests")


@rights_app.command("export")
def export(
    patient_id: str = typer.Argument(..., metavar="PATIENT_ID", help=PATIENT_ID_HELP),
    reason: str = typer.Option(..., help=REASON_HELP),
    fmt: str = typer.Option("json", "--format", help="json or pdf."),
    out: Annotated[Path | None, typer.Option(help="Write here instead of standard output.")] = None,
) -> None:
    """Everything held about the patient, as JSON or a readable PDF (answers an access request)."""
    from sqlalchemy import select

    from referraldesk.models import Practice
    from referraldesk.rights import export as exports
    from referraldesk.rights.pdf import export_pdf

    if fmt not in ("json", "pdf"):
        raise typer.BadParameter("choose json or pdf", param_hint="--format")
    if fmt == "pdf" and out is None:
        raise typer.BadParameter("a PDF needs a file to go to", param_hint="--out")
    with cli_session() as session:
        data = exports.export_patient(session, cli_actor(*CLI_ACTOR), patient_id, reason=reason)
        practice = session.scalar(select(Practice.name).limit(1)) or "referraldesk"
    body = export_pdf(data, practice) if fmt == "pdf" else json.dumps(
        data, indent=2, ensure_ascii=False).encode()
    if out is None:
        typer.echo(body.decode())
        return
    out.write_bytes(body)
    typer.echo(f"wrote {out} ({len(body)} bytes)", err=True)


@rights_app.command("erase")
def erase(
    patient_id: str = typer.Argument(..., metavar="PATIENT_ID", help=PATIENT_ID_HELP),
    reason: str = typer.Option(..., help=REASON_HELP),
    confirm: str = typer.Option(
        ..., prompt="Type the patient's record id again to erase it for good",
        help="The record id typed a second time."),
) -> None:
    """Erase or de-identify everything about the patient, for good (answers a deletion)."""
    from referraldesk.rights import erase as erasure

    with cli_session() as session:
        report = erasure.erase_patient(session, cli_actor(*CLI_ACTOR), patient_id, reason=reason,
                                       confirm=confirm)
    counts = ", ".join(f"{name.replace('_', ' ')} {count}" for name, count in report.counts.items())
    typer.echo(f"patient {report.patient_id} erased: {counts}")


@rights_app.command("opt-out")
def opt_out(
    patient_id: str = typer.Argument(..., metavar="PATIENT_ID", help=PATIENT_ID_HELP),
    reason: str = typer.Option(..., help=REASON_HELP),
    outreach: bool = typer.Option(True, help="Stop automated calls and texts."),
    non_care: bool = typer.Option(True, help="Stop any use beyond the patient's care."),
) -> None:
    """Record the patient's opt-out; outreach stops on every channel at once."""
    from referraldesk.rights import opt_out as opt_outs

    with cli_session() as session:
        recorded = opt_outs.opt_out(session, cli_actor(*CLI_ACTOR), patient_id, reason=reason,
                                    outreach=outreach, non_care_use=non_care)
        kinds = ", ".join(consent.kind for consent in recorded)
    typer.echo(f"withdrawn: {kinds}")


@rights_app.command("complete")
def complete(
    request_id: str = typer.Argument(..., metavar="REQUEST_ID",
                                      help="The request's id (from `rights list`)."),
    denied: bool = typer.Option(False, "--denied", help="The request was refused."),
    notes: str | None = typer.Option(None, help="How it was answered, without patient details."),
) -> None:
    """Mark a request answered by other means (a correction made on the record, a refusal)."""
    from referraldesk.rights import requests

    with cli_session() as session:
        request = requests.complete_request(session, cli_actor(*CLI_ACTOR), request_id,
                                            denied=denied, notes=notes)
        typer.echo(f"request {request.id}: {request.status}")


@rights_app.command("purge")
def purge(
    dry_run: bool = typer.Option(False, "--dry-run", help="Only count what would be purged."),
) -> None:
    """Purge transcripts and recordings older than the retention settings now."""
    from referraldesk.rights.retention import RetentionPolicy, purge_expired

    policy = RetentionPolicy.from_settings()
    with cli_session() as session:
        report = purge_expired(session, cli_actor(*CLI_ACTOR), policy, dry_run=dry_run)
    verb = "would purge" if dry_run else "purged"
    typer.echo(f"{verb}: transcripts of {len(report.transcripts)} conversations "
               f"({policy.transcript_days or 'keep'} days), recordings of "
               f"{len(report.recordings)} ({policy.recording_days or 'keep'} days)")


def _received_at(text: str | None) -> datetime | None:
    if text is None:
        return None
    try:
        day = date.fromisoformat(text)
    except ValueError:
        raise typer.BadParameter(f"{text!r} is not a date like 2026-03-09",
                                 param_hint="--received") from None
    if day > now().date():
        fail(f"--received {text} is in the future")
    # Noon UTC keeps the date the same in every US zone; today's noon may not have come yet.
    return min(datetime.combine(day, time(12), tzinfo=UTC), now())


def register(app: typer.Typer) -> None:
    app.add_typer(rights_app, name="rights")
