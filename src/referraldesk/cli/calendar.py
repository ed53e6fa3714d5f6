"""`referraldesk calendar feed-url PROVIDER_ID [--rotate]` and `calendar confirmation-url ID`."""

from __future__ import annotations

from typing import Annotated

import typer

from referraldesk.cli.common import cli_actor, cli_session

calendar_app = typer.Typer(help="iCalendar feeds of providers' schedules and bookings.",
                           no_args_is_help=True)


@calendar_app.command("feed-url")
def feed_url_command(
    provider_id: Annotated[str, typer.Argument(metavar="PROVIDER_ID", help="The provider's id.")],
    rotate: Annotated[bool, typer.Option("--rotate", help="Make a new URL; the old one "
                                                          "stops working at once.")] = False,
) -> None:
    """Print the provider's secret feed URL (read-only; share it like a password)."""
    from referraldesk.calendar_feeds.tokens import feed_url

    with cli_session() as session:
        url = feed_url(session, cli_actor("staff:cli", "admin"), provider_id, rotate=rotate)
    typer.echo(url)


@calendar_app.command("confirmation-url")
def confirmation_url_command(
    appointment_id: Annotated[str, typer.Argument(metavar="APPOINTMENT_ID",
                                                   help="The appointment's id.")],
) -> None:
    """Print the patient's signed link to the appointment's .ics (expires after the visit)."""
    from referraldesk.calendar_feeds.confirmation import confirmation_url
    from referraldesk.scheduling.booking import get_appointment

    with cli_session() as session:
        url = confirmation_url(get_appointment(session, appointment_id))
    typer.echo(url)


def register(app: typer.Typer) -> None:
    app.add_typer(calendar_app, name="calendar")
