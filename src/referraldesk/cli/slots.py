"""`referraldesk slots`: open slots for a specialty, plan, language and time window,
from the practice's configured calendar (built-in, or its EHR's over FHIR)."""

from __future__ import annotations

import json
from datetime import date, timedelta
from typing import TYPE_CHECKING, Annotated
from zoneinfo import ZoneInfo

import typer

from referraldesk.cli.common import cli_session, start_clock
from referraldesk.clock import now
from referraldesk.errors import InvalidArgument, NotFound

if TYPE_CHECKING:
    from sqlalchemy.orm import Session

    from referraldesk.scheduling.slots import Slot
    from referraldesk.scheduling.windows import TimeWindow


def slots(
    specialty: str = typer.Option(..., "--specialty", help="Key or name: dermatology, 'skin'."),
    plan: str | None = typer.Option(None, "--plan", help="Plan name, loosely matched."),
    lang: str | None = typer.Option(None, "--lang", help="A language the provider speaks: es, en."),
    window: Annotated[
        list[str] | None,
        typer.Option("--window", help="'weekdays 06:00-08:00', 'sat', 'after 17:00'; repeatable."),
    ] = None,
    from_date: str | None = typer.Option(None, "--from", help="First local date (YYYY-MM-DD)."),
    days: int = typer.Option(14, "--days", min=1, max=366, help="How many days to search."),
    limit: int = typer.Option(20, "--limit", min=1, max=500, help="At most this many slots."),
    now_iso: str | None = typer.Option(None, "--now", help="Pretend it is this instant (ISO)."),
    show_ids: bool = typer.Option(False, "--ids", help="Add each slot's id for booking."),
    as_json: bool = typer.Option(False, "--json", help="One JSON object per slot."),
) -> None:
    """Print open slots with their local times, earliest first."""
    from referraldesk.patients.service import resolve_plan
    from referraldesk.scheduling.backends import calendar_for
    from referraldesk.scheduling.slots import SlotQuery

    start_clock(now_iso)
    windows = _windows(window or [])
    first = _first_date(from_date)
    with cli_session() as session:
        start = first or _practice_today(session)
        query = SlotQuery(
            specialty_key=_specialty(session, specialty),
            plan_id=resolve_plan(session, plan).id if plan else None,
            language=_language(session, lang),
            start=start,
            end=start + timedelta(days=days - 1),
            windows=windows,
            limit=limit,
        )
        found = calendar_for(session).find_slots(session, query)
    if not found:
        typer.echo(f"no open slots from {query.start} to {query.end}")
        return
    for slot in found:
        typer.echo(json.dumps(slot.as_dict()) if as_json else format_slot(slot, show_ids))


def format_slot(slot: Slot, show_id: bool = False) -> str:
    """One line: "Tue 2026-03-10 07:00 PST  Dr. Ana Reyes (dermatology) — Visalia — es,en"."""
    line = (
        f"{slot.label()}  {slot.provider_name} ({slot.specialty_key}) — "
        f"{slot.location_name} — {','.join(slot.languages)}"
    )
    return f"{line}  [{slot.id}]" if show_id else line


def _language(session: Session, lang: str | None) -> str | None:
    """The language code asked for, if some provider speaks it; otherwise a clear refusal
    (an unknown code would silently print "no open slots")."""
    if lang is None:
        return None
    from sqlalchemy import select

    from referraldesk.models import Provider

    code = lang.strip().lower()
    spoken = sorted({language for languages in session.scalars(select(Provider.languages))
                     for language in languages or []})
    if code not in spoken:
        raise InvalidArgument(
            f"--lang {lang!r} is not a language any provider speaks; use one of: "
            f"{', '.join(spoken) or 'none configured'}",
            field="lang",
        )
    return code


def _windows(texts: list[str]) -> list[TimeWindow]:
    from referraldesk.scheduling.windows import parse_window

    windows: list[TimeWindow] = []
    for text in texts:
        try:
            windows.extend(parse_window(text))
        except InvalidArgument as exc:
            raise typer.BadParameter(exc.message, param_hint="--window") from None
    return windows


def _first_date(text: str | None) -> date | None:
    if text is None:
        return None
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise typer.BadParameter(
            f"{text!r} is not a date; write YYYY-MM-DD", param_hint="--from"
        ) from None


def _specialty(session: Session, text: str) -> str:
    from sqlalchemy import select

    from referraldesk.models import Specialty
    from referraldesk.referrals.specialties import specialty_key_for

    key = specialty_key_for(session, text)
    known = sorted(session.scalars(select(Specialty.key)))
    if key not in known:
        listed = ", ".join(known) or "none configured (referraldesk practice load)"
        raise NotFound(
            f"no specialty matches {text!r}; the practice has: {listed}", field="specialty"
        )
    return key


def _practice_today(session: Session) -> date:
    from sqlalchemy import select

    from referraldesk.models import Practice

    zone = session.scalar(select(Practice.timezone).order_by(Practice.id).limit(1))
    return now().astimezone(ZoneInfo(zone or "America/Los_Angeles")).date()


def register(app: typer.Typer) -> None:
    app.command("slots")(slots)
