"""`referraldesk mllp --port P`: listen for HL7 v2 referrals over MLLP."""

from __future__ import annotations

import asyncio
from typing import Annotated

import typer

from referraldesk.cli.common import configure_logging, start_clock


def mllp(
    port: Annotated[int, typer.Option("--port", min=0, max=65535,
                                      help="TCP port (2575 is HL7's registered port).")] = 2575,
    host: Annotated[str, typer.Option("--host", help="Address to listen on.")] = "127.0.0.1",
    now: Annotated[str | None, typer.Option("--now", help="Start the clock here.")] = None,
) -> None:
    """Take REF^I12/I13/I14 and OMG^O19 over MLLP; each message gets its ACK."""
    from referraldesk.settings import get_settings

    start_clock(now)
    settings = get_settings()
    configure_logging(settings.log_level, json=settings.log_json)
    asyncio.run(_serve(host, port))


async def _serve(host: str, port: int) -> None:
    from referraldesk.intake.hl7.mllp import MllpServer

    server = MllpServer()
    bound = await server.start(host, port)
    typer.echo(f"listening for MLLP on {host}:{bound}", err=True)
    await server.serve_forever()


def register(app: typer.Typer) -> None:
    app.command("mllp")(mllp)
