"""`referraldesk import pdf`: PDF files, or a folder watched for them.

Each file is kept with its own transaction, so one bad file never undoes
another; it is read (OCR included) after that commit, with no transaction open
while OCR runs, and the watched folder puts each file away once it is read. The
file's name is printed here but never stored: fax names carry patients' names.
"""

from __future__ import annotations

import signal
import threading
from pathlib import Path
from typing import TYPE_CHECKING

import typer

from referraldesk.cli.common import cli_session

if TYPE_CHECKING:
    from referraldesk.audit.trail import Actor


def take_in_file(path: Path, actor: Actor, *, door: str = "file") -> tuple[str, bool]:
    """One report line for the file, and whether it waits for review (read and kept)."""
    from referraldesk.intake.pdf.reading import looks_like_pdf
    from referraldesk.intake.pdf.service import read_stored_pdf, receive_pdf
    from referraldesk.intake.queue import get_message
    from referraldesk.models.intake import NEEDS_REVIEW

    data = path.read_bytes()
    if not looks_like_pdf(data):
        # Refused before it is stored: the file itself stays, in failed/ when watched.
        return f"{path.name}: not taken in: it is not a PDF (no %PDF- header)", False
    with cli_session() as session:
        message_id = receive_pdf(session, actor, data, door=door).id
    read_stored_pdf(message_id)
    with cli_session() as session:
        message = get_message(session, message_id)
        status, summary = message.status, message.reply
    line = f"{path.name}: {status}: {summary} (intake message {message_id})"
    return line, status == NEEDS_REVIEW


def import_pdf_files(paths: list[Path], actor: Actor) -> tuple[list[str], int]:
    lines, failed = [], 0
    for path in paths:
        line, ok = take_in_file(path, actor)
        lines.append(line)
        failed += not ok
    return lines, failed


def watch_folder(directory: Path, actor: Actor) -> None:
    """Take in PDFs dropped in `directory` until Ctrl-C or SIGTERM."""
    from referraldesk.intake.pdf import folder

    stop = threading.Event()
    for signum in (signal.SIGINT, signal.SIGTERM):
        signal.signal(signum, lambda *_: stop.set())

    def take_in(path: Path) -> str:
        line, ok = take_in_file(path, actor, door="folder")
        typer.echo(line)
        return folder.DONE if ok else folder.FAILED

    typer.echo(f"watching {directory} for PDF referrals (Ctrl-C to stop)")
    folder.watch(directory, take_in, stop)
