"""`referraldesk import hl7|fhir|csv|pdf FILE...`: referral intake from files.

Every message (each HL7 message of a file, each FHIR file, each CSV row) is kept
in the intake queue and reported on one line; what passes is kept even when others
fail. The exit status is 1 when anything failed, so scripts can tell.
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from referraldesk.cli.common import cli_actor, cli_session, fail, start_clock

# Who a file import acts as in the audit trail.
IMPORT_ACTOR = ("system:import", "system")

import_app = typer.Typer(help="Take referrals in from HL7 v2, FHIR R4, CSV or PDF files.",
                         no_args_is_help=True)

Files = Annotated[list[Path], typer.Argument(
    metavar="FILE", exists=True, dir_okay=False, readable=True,
    help="One or more files; each gets its own report line.")]
NowOption = Annotated[str | None, typer.Option("--now", help="Start the clock at this instant.")]


@import_app.command("hl7")
def import_hl7(files: Files, now: NowOption = None) -> None:
    """HL7 v2 files (one or more messages each, any line endings); prints each ACK code."""
    from referraldesk.intake.hl7.framing import decode, split_messages
    from referraldesk.intake.hl7.service import receive_hl7

    start_clock(now)
    lines: list[str] = []
    failed = 0
    with cli_session() as session:
        for path in files:
            for text in split_messages(decode(path.read_bytes())):
                outcome = receive_hl7(session, cli_actor(*IMPORT_ACTOR), text, channel="hl7_file")
                failed += not outcome.applied
                code = "AA" if outcome.applied else outcome.reply.split("\r")[1].split("|")[1]
                lines.append(f"{path.name}: {code} {outcome.summary} "
                             f"(intake message {outcome.message.id})")
    _finish(lines, failed)


@import_app.command("fhir")
def import_fhir(
    files: Files,
    practice: Annotated[str | None, typer.Option(
        "--practice", metavar="NAME", help="The referring practice, for files whose request "
        "names no Organization; one that does keeps its own.")] = None,
    now: NowOption = None,
) -> None:
    """FHIR R4 JSON files: a ServiceRequest or a transaction Bundle each.

    The referring practice is the request's Organization, else --practice; a file with
    neither is refused. A Bundle of patients (no ServiceRequest) adds a line per
    patient: "Patient <id> created" or "Patient <id> matched".
    """
    from referraldesk.intake.fhir.service import receive_fhir
    from referraldesk.intake.hl7.framing import decode

    start_clock(now)
    practice = _practice_named(practice)
    lines: list[str] = []
    failed = 0
    with cli_session() as session:
        for path in files:
            # Never the file's name: "bundle.json" is no practice, and a renamed copy
            # would pass its placer ids off as another sender's.
            outcome = receive_fhir(session, cli_actor(*IMPORT_ACTOR), decode(path.read_bytes()),
                                   sender=practice)
            failed += not outcome.applied
            lines.append(f"{path.name}: {outcome.http_status} {outcome.summary} "
                         f"(intake message {outcome.message.id})")
            lines.extend(f"{path.name}: {line}" for line in _patient_lines(outcome.reply))
    _finish(lines, failed)


def _practice_named(practice: str | None) -> str | None:
    """--practice as given, or the error that says why it names no practice."""
    from referraldesk.errors import InvalidArgument
    from referraldesk.patients.names import printable_name, single_spaced
    from referraldesk.referrals.referrers import NAME_MAX

    if practice is None:
        return None
    name = single_spaced(practice)
    if not name:
        fail("--practice is empty: give the referring practice's name")
    if len(name) > NAME_MAX:
        fail(f"--practice is {len(name)} characters long; at most {NAME_MAX}")
    try:
        name = printable_name(name, "--practice")
    except InvalidArgument as exc:
        fail(exc.message)
    return name


def _patient_lines(reply: str) -> list[str]:
    """One line per patient of a patients Bundle: "patient <id> created|matched"."""
    import json

    answer = json.loads(reply)
    if answer.get("type") != "transaction-response":
        return []
    responses = [entry["response"] for entry in answer.get("entry", [])]
    return [f"{response['location'].replace('/', ' ', 1)} "
            f"{'created' if response['status'].startswith('201') else 'matched'}"
            for response in responses]


@import_app.command("csv")
def import_csv_file(
    file: Annotated[Path, typer.Argument(
        metavar="FILE", exists=True, dir_okay=False, readable=True,
        help="A header line naming the columns (placer_id, referring_practice, patient_given, "
        "patient_dob, ...), then a referral a row.")],
    now: NowOption = None,
) -> None:
    """A CSV of referrals; prints a line per row and the totals."""
    from referraldesk.intake.csv_rows import import_csv
    from referraldesk.intake.hl7.framing import decode

    start_clock(now)
    with cli_session() as session:
        report = import_csv(session, cli_actor(*IMPORT_ACTOR), decode(file.read_bytes()),
                            source_name=file.name)
    lines = [row.line() for row in report.rows]
    lines.append(f"{report.imported} imported, {report.rejected} rejected")
    _finish(lines, report.rejected)


@import_app.command("pdf")
def import_pdf(
    files: Annotated[list[Path] | None, typer.Argument(
        metavar="FILE", exists=True, dir_okay=False, readable=True,
        help="PDF files (scans too); leave out with --watch.")] = None,
    watch: Annotated[Path | None, typer.Option(
        "--watch", exists=True, file_okay=False, help="Take in every PDF dropped in this "
        "folder until stopped; each moves to DIR/done or DIR/failed.")] = None,
    now: NowOption = None,
) -> None:
    """PDF or faxed referrals: kept in the intake queue for a coordinator to confirm."""
    from referraldesk.cli.pdf_import import import_pdf_files, watch_folder

    start_clock(now)
    if watch is not None:
        watch_folder(watch, cli_actor(*IMPORT_ACTOR))
        return
    if not files:
        raise typer.BadParameter("name PDF files, or a folder with --watch", param_hint="FILES")
    lines, failed = import_pdf_files(files, cli_actor(*IMPORT_ACTOR))
    _finish(lines, failed)


def _finish(lines: list[str], failed: int) -> None:
    # Exit only after the session committed: raising inside it would roll back the
    # rows and messages that were taken in.
    for line in lines:
        typer.echo(line)
    if failed:
        typer.echo(f"{failed} not taken in; they wait in the intake queue with their errors",
                   err=True)
        raise typer.Exit(1)


def register(app: typer.Typer) -> None:
    app.add_typer(import_app, name="import")
