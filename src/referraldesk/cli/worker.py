"""`referraldesk worker`: a job worker in its own process, for the scale-out layout."""

from __future__ import annotations

import typer

from referraldesk.cli.common import configure_logging, start_clock


def worker(
    workers: int = typer.Option(2, min=1, help="Worker threads in this process."),
    now: str | None = typer.Option(
        None,
        "--now",
        help="Start the practice clock at this ISO 8601 instant and let it run "
        "(as `serve --now`: demos and load runs whose web instances run a clock of their own).",
    ),
) -> None:
    """Run background jobs (analytics, outreach, retention) until stopped with Ctrl-C.

    With REFERRALDESK_REDIS_URL set, any number of workers on any machine share
    the queue; without it they use the SQLite queue file under var/.
    """
    from referraldesk.jobs.worker import run_worker
    from referraldesk.settings import get_settings

    settings = get_settings()
    configure_logging(settings.log_level, json=settings.log_json)
    start_clock(now)
    run_worker(workers)


def register(app: typer.Typer) -> None:
    app.command("worker")(worker)
