"""`referraldesk serve`: the web app, API, webhooks and an in-process job worker."""

from __future__ import annotations

import typer

from referraldesk.cli.common import configure_logging, start_clock


def serve(
    host: str = typer.Option("127.0.0.1", help="Address to listen on."),
    port: int = typer.Option(8000, help="Port to listen on."),
    now: str | None = typer.Option(
        None, "--now", help="Start the practice clock at this ISO 8601 instant and let it run."
    ),
    keep_alive: int = typer.Option(
        5,
        "--timeout-keep-alive",
        min=1,
        help="Seconds an idle keep-alive connection stays open; set it above your load "
        "balancer's idle timeout so the balancer never reuses a closed connection.",
    ),
    in_process_worker: bool = typer.Option(
        True,
        "--worker/--no-worker",
        help="Run background jobs in this process (turn off when `referraldesk worker` runs).",
    ),
) -> None:
    """Serve the whole product on http://HOST:PORT."""
    import uvicorn

    from referraldesk.api.app import create_app
    from referraldesk.jobs.worker import start_in_process_worker
    from referraldesk.settings import get_settings

    settings = get_settings()
    configure_logging(settings.log_level, json=settings.log_json)
    start_clock(now)
    typer.echo(f"referraldesk on http://{host}:{port}  (chat: /chat, dashboard: /admin)")
    consumer = start_in_process_worker() if in_process_worker else None
    try:
        uvicorn.run(
            create_app(),
            host=host,
            port=port,
            log_level="warning",
            access_log=False,
            timeout_keep_alive=keep_alive,
            # Rate limits count per client address; a forged X-Forwarded-For from an
            # untrusted peer would give every request a fresh allowance.
            proxy_headers=bool(settings.trusted_proxies),
            forwarded_allow_ips=settings.trusted_proxies or None,
        )
    finally:
        if consumer is not None:
            consumer.stop(graceful=True)


def register(app: typer.Typer) -> None:
    app.command("serve")(serve)
