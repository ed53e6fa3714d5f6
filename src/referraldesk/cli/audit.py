"""`referraldesk audit ...`: prove the audit trail was not edited, cut short or reordered."""

from __future__ import annotations

from typing import TYPE_CHECKING, NoReturn

import typer

from referraldesk.cli.common import cli_actor, cli_session, fail

if TYPE_CHECKING:
    from referraldesk.audit.checkpoint import Checkpoint
    from referraldesk.audit.trail import ChainHead, ChainReport

audit_app = typer.Typer(
    help="The HIPAA audit trail: verify it, make its key.", no_args_is_help=True
)

CLI_ACTOR = ("staff:cli", "admin")

VERIFY_HELP = "\n\n".join((
    "Every audit record carries a hash made with the audit key (REFERRALDESK_AUDIT_KEY, kept "
    "outside the database) over its content and the record before it: a record edited, "
    "removed or moved breaks the chain there.",
    "Records cut off the end leave no break, so the newest record is also compared with the "
    "checkpoint: a sealed note of how far the trail reached when last checked "
    "(REFERRALDESK_AUDIT_CHECKPOINT_FILE, var/audit.checkpoint by default). When everything "
    "holds, the checkpoint moves to the newest record; a periodic job moves it too, every "
    "10 minutes.",
    "Exit status: 0 when the trail holds, 1 on any problem, each named by record number.",
))

RESET_HELP = (
    "After restoring the database from a backup: accept that the records "
    "written since the backup are gone, and start the checkpoint again at the "
    "newest record. The chain itself must still hold; the reset is audited."
)


@audit_app.command("verify", epilog=VERIFY_HELP)
def verify(
    reset_checkpoint: bool = typer.Option(False, "--reset-checkpoint", help=RESET_HELP),
) -> None:
    """Check every record of the audit trail; exit 1 if any was changed, removed or reordered."""
    from referraldesk.audit.key import AuditKeyError

    try:
        _verify(reset_checkpoint)
    except AuditKeyError as exc:
        fail(str(exc))


@audit_app.command("new-key")
def new_key() -> None:
    """Print a new random key for REFERRALDESK_AUDIT_KEY (nothing is stored).

    Set it once, the same on every instance and worker, before the first audit record
    is written: records keep the hash they were made with, so the key never changes.
    """
    from referraldesk.audit.key import new_key as make

    typer.echo(make())


def _verify(reset_checkpoint: bool) -> None:
    from referraldesk.audit import checkpoint as checkpoints
    from referraldesk.audit import trail

    try:
        saved, distrusted = checkpoints.load(), None
    except checkpoints.CheckpointError as exc:
        saved, distrusted = None, str(exc)
    if reset_checkpoint:
        _reset(saved, distrusted)
        return

    with cli_session() as session:
        report = trail.check(session, saved)
    _show_problems(report)
    if distrusted:
        typer.echo(f"checkpoint: {distrusted}")
    if report.problems:
        kept = f"; the checkpoint stays at record {saved.seq}" if saved else ""
        fail(f"{len(report.problems)} problem(s) in {report.records} audit records{kept}")
    if distrusted:
        fail(
            "the checkpoint cannot be trusted, so records cut off the end would go unseen: "
            "find out who changed the file, then `audit verify --reset-checkpoint` starts "
            "a new one"
        )
    _advance(report, saved)


def _show_problems(report: ChainReport) -> None:
    for problem in report.problems:
        typer.echo(f"record {problem.seq}: {problem.problem}")
    if report.every_record_changed:
        typer.echo(
            "every record fails its hash: most likely this machine's audit key is not "
            "the one the trail was written with (set REFERRALDESK_AUDIT_KEY to the "
            "same value on every instance; without it each machine makes its own in "
            "var/audit.key)"
        )


def _advance(report: ChainReport, saved: Checkpoint | None) -> None:
    from referraldesk.audit import checkpoint as checkpoints

    typer.echo(
        f"the audit trail holds: {report.records} records, each chained to the one "
        "before with the audit key"
    )
    if report.head is None:
        typer.echo("the trail is empty: no checkpoint yet")
        return
    if saved is not None:
        typer.echo(
            f"nothing cut off the end: the trail still reaches record {saved.seq}, "
            f"where the checkpoint of {saved.when} saw it end"
        )
    written = checkpoints.save(report.head)
    if saved is None:
        typer.echo(
            f"no checkpoint existed: wrote the first one, at record {written.seq} "
            f"({checkpoints.checkpoint_path()}); if there was one before, find out "
            "who removed it"
        )
    elif written.seq != saved.seq:
        typer.echo(f"checkpoint moved to record {written.seq}")
    typer.echo(_head_line(report.head))


def _reset(saved: Checkpoint | None, distrusted: str | None) -> None:
    from referraldesk.audit import checkpoint as checkpoints
    from referraldesk.audit import trail

    with cli_session() as session:
        report = trail.check(session)  # the chain alone: the old checkpoint is being let go
        if report.problems or report.head is None:
            _refuse_reset(report)
        before = (
            f"record {saved.seq} ({saved.when})" if saved else "unusable" if distrusted else "none"
        )
        event = trail.record(
            session,
            cli_actor(*CLI_ACTOR),
            "checkpoint_reset",
            "audit_trail",
            reason=f"audit checkpoint started again at the trail's end, "
            f"record {report.head.seq}; it was {before}",
        )
        head = trail.ChainHead(event.seq, event.hash)
    checkpoints.save(head, replace_any=True)
    typer.echo(
        f"the chain holds: {report.records} records. The checkpoint was {before}; it "
        f"starts again at record {head.seq}, the audit record of this reset"
    )
    typer.echo(_head_line(head))


def _refuse_reset(report: ChainReport) -> NoReturn:
    _show_problems(report)
    why = (
        "the checkpoint is only started again over a chain that holds"
        if report.problems
        else "the trail is empty: nothing to start a checkpoint at"
    )
    typer.secho(f"error: {why}", err=True, fg=typer.colors.RED)
    raise typer.Exit(1)


def _head_line(head: ChainHead) -> str:
    return (
        f"newest record: {head.seq}, hash {head.hash[:16]}  (note it somewhere apart "
        "from this server, to compare with later)"
    )


def register(app: typer.Typer) -> None:
    app.add_typer(audit_app, name="audit")
