"""`referraldesk referrals ...`: the funnel report, the outreach worklist, the nudge list."""

from __future__ import annotations

import json
from datetime import date, timedelta
from pathlib import Path
from typing import Annotated, Any
from zoneinfo import ZoneInfo

import typer

from referraldesk.cli.common import cli_actor, cli_session, fail, start_clock
from referraldesk.clock import now

referrals_app = typer.Typer(
    help="Referral funnel, outreach and loop closure.", no_args_is_help=True
)

# Who the terminal acts as in the audit trail.
CLI_ACTOR = ("staff:cli", "coordinator")
DEFAULT_DAYS = 30


@referrals_app.command("report")
def report(
    date_from: str | None = typer.Option(None, "--from", help="First local day (YYYY-MM-DD)."),
    date_to: str | None = typer.Option(
        None, "--to", help="Last local day, inclusive (YYYY-MM-DD)."
    ),
    as_json: bool = typer.Option(False, "--json", help="Print the figures as JSON."),
    now_iso: str | None = typer.Option(None, "--now", help="Start the clock at this instant."),
) -> None:
    """The funnel: received -> scheduled -> kept -> closed, turnaround, leakage."""
    from sqlalchemy import select

    from referraldesk.models import Practice
    from referraldesk.referrals.funnel import FunnelRange, funnel

    start_clock(now_iso)
    with cli_session() as session:
        zone = session.scalar(select(Practice.timezone).limit(1)) or "America/Los_Angeles"
        end = _day(date_to, "--to") or now().astimezone(ZoneInfo(zone)).date()
        start = _day(date_from, "--from") or end - timedelta(days=DEFAULT_DAYS - 1)
        figures = funnel(session, FunnelRange(start, end, zone))
    typer.echo(json.dumps(figures, indent=2) if as_json else _report_text(figures))


@referrals_app.command("worklist")
def worklist_command(
    as_json: bool = typer.Option(False, "--json", help="Print the worklist as JSON."),
    now_iso: str | None = typer.Option(None, "--now", help="Start the clock at this instant."),
) -> None:
    """Referrals not booked yet, most pressing first, with outreach's next step."""
    from referraldesk.outreach.worklist import worklist

    start_clock(now_iso)
    with cli_session() as session:
        items = [item.as_dict() for item in worklist(session)]
    if as_json:
        typer.echo(json.dumps(items, indent=2))
        return
    if not items:
        typer.echo("no referrals waiting for the patient")
    for item in items:
        why = item["blocked_reason"] or item["last_skip_reason"] or ""
        typer.echo(
            f"{item['referral_id']}  {item['urgency']:<7} {item['status']:<10} "
            f"target {item['target_date'] or '-'}  rounds {item['rounds']}/{item['max_attempts']}  "
            f"next {item['next_step']} {item['next_attempt_at'] or ''} {why}".rstrip()
        )


@referrals_app.command("nudges")
def nudges_command(
    as_json: bool = typer.Option(False, "--json", help="Print the list as JSON."),
    now_iso: str | None = typer.Option(None, "--now", help="Start the clock at this instant."),
) -> None:
    """Referrals that need the referring practice's help, per practice."""
    from sqlalchemy import select

    from referraldesk.loop.nudges import nudge_list
    from referraldesk.models import Practice

    start_clock(now_iso)
    with cli_session() as session:
        zone = session.scalar(select(Practice.timezone).limit(1)) or "America/Los_Angeles"
        groups = [g.as_dict() for g in nudge_list(session, now().astimezone(ZoneInfo(zone)).date())]
    if as_json:
        typer.echo(json.dumps(groups, indent=2))
        return
    if not groups:
        typer.echo("no referral needs a nudge")
    for group in groups:
        typer.echo(f"{group['practice_name']} ({len(group['referrals'])})")
        if group["tell_by_hand"]:
            typer.echo(f"  ! {group['tell_by_hand']}")
        if group["letters_waiting"]:
            typer.echo(f"  {group['letters_waiting']} status letter(s) waiting to be faxed or "
                       "phoned through (GET /api/outbox?status=pending)")
        for item in group["referrals"]:
            late = (
                f", {item['days_past_target']} days past target" if item["days_past_target"] else ""
            )
            typer.echo(f"  {item['referral_id']}  {item['status']}{late}: {item['needs']}")


@referrals_app.command("import-visits")
def import_visits(
    path: Annotated[Path, typer.Argument(metavar="FILE.csv",
                                        help="CSV: appointment_id or referral_id, status.")],
) -> None:
    """Record kept and missed visits from the practice's schedule (CSV)."""
    from referraldesk.loop.visits import import_visits_csv

    try:
        text = path.read_text("utf-8")
    except OSError as exc:
        fail(f"cannot read {path}: {exc.strerror}")
        return
    except UnicodeDecodeError:
        fail(f"{path} is not UTF-8 text: save the schedule as CSV UTF-8")
        return
    with cli_session() as session:
        done = import_visits_csv(session, cli_actor(*CLI_ACTOR), text)
    typer.echo(f"kept {len(done.kept)}, missed {len(done.missed)}, unchanged {len(done.unchanged)}")


def _day(text: str | None, option: str) -> date | None:
    if text is None:
        return None
    try:
        return date.fromisoformat(text)
    except ValueError:
        fail(f"{option} {text!r} is not a date like 2026-03-01")
        return None


def _report_text(figures: dict[str, Any]) -> str:
    counts, rates = figures["counts"], figures["rates"]
    lines = [
        f"Referrals received {figures['from']} to {figures['to']} ({figures['timezone']})",
        f"  received   {counts['received']}",
        f"  scheduled  {counts['scheduled']}  ({_pct(rates['scheduled'])} of received)",
        f"  kept       {counts['kept']}  ({_pct(rates['kept'])} of scheduled)",
        f"  closed     {counts['closed']}  ({_pct(rates['closed'])} of kept)",
        f"  lost       {counts['lost']}",
        f"median days to schedule: {_median_days(figures['median_days_to_schedule'])}",
        f"median days to visit:    {_median_days(figures['median_days_to_visit'])}",
        f"inside the timely-access target: {_pct(figures['timely_access']['share'])}",
    ]
    if figures["leakage"]:
        lines.append("leakage: " + ", ".join(f"{k} {v}" for k, v in figures["leakage"].items()))
    for title, key in (
        ("by referring practice", "by_referring_practice"),
        ("by specialty", "by_specialty"),
        ("by language", "by_language"),
    ):
        lines.append(title + ":")
        lines.extend(
            f"  {row['name']}: {row['received']} received, {row['scheduled']} scheduled, "
            f"{row['kept']} kept, {row['closed']} closed, {row['lost']} lost"
            for row in figures[key]
        )
    return "\n".join(lines)


def _median_days(median: float | None) -> str:
    # 0.0 is a real median (booked the day the referral came): only None is unknown.
    return "-" if median is None else str(median)


def _pct(rate: float | None) -> str:
    return "-" if rate is None else f"{rate * 100:.1f}%"


def register(app: typer.Typer) -> None:
    app.add_typer(referrals_app, name="referrals")
