"""The patient's upcoming appointments: which one the caller means, and reading them back."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from referraldesk.conversation.guided.flows import wrapup
from referraldesk.conversation.guided.flows.referral import specialty_label
from referraldesk.conversation.guided.slots import choose_among
from referraldesk.conversation.guided.step import Step
from referraldesk.conversation.phrasebook import join_words, say, spoken_datetime, with_article
from referraldesk.conversation.turn import Option


def upcoming(step: Step) -> list[dict[str, Any]]:
    """The verified patient's booked appointments from now on, earliest first."""
    data = step.data("get_patient_appointments") or {}
    now = step.ctx.now
    found = [
        _view(raw)
        for raw in data.get("appointments", [])
        if raw.get("status", "booked") == "booked" and datetime.fromisoformat(raw["start"]) >= now
    ]
    return sorted(found, key=lambda appointment: datetime.fromisoformat(appointment["start"]))


def _view(raw: dict[str, Any]) -> dict[str, Any]:
    provider = raw.get("provider") or {}
    return {
        "id": raw["id"],
        "start": raw["start"],
        "specialty": provider.get("specialty")
        if isinstance(provider, dict)
        else raw.get("specialty"),
        "provider": provider.get("name", "") if isinstance(provider, dict) else str(provider),
        "location": raw.get("location") or "",
    }


def describe(appointment: dict[str, Any], lang: str) -> dict[str, str]:
    """The params an appointment is spoken with: specialty, when, provider, location."""
    return {
        "specialty": specialty_label(appointment.get("specialty"), lang),
        "when": spoken_datetime(datetime.fromisoformat(appointment["start"]), lang),
        "provider": with_article(appointment.get("provider", ""), lang),
        "location": appointment.get("location", ""),
    }


def choose(step: Step, *, which_key: str) -> dict[str, Any] | None:
    """Return the appointment the caller means, or ask which one (None then)."""
    frame = step.frame
    appointments = upcoming(step)
    if not appointments:
        step.reply.say("appointments.none")
        wrapup.ask_anything_else(step)
        return None
    candidates = _matching(step, appointments) or appointments
    if len(candidates) == 1:
        frame.appointment = candidates[0]
        return candidates[0]
    frame.candidates = candidates
    step.reply.options = _options(candidates, step.lang)
    step.reply.ask("slot_choice", which_key, pending="appointment")
    return None


def _matching(step: Step, appointments: list[dict[str, Any]]) -> list[dict[str, Any]]:
    frame = step.frame
    found = appointments
    if frame.appointment_dates:
        found = _on_days(found, frame.appointment_dates)
    if frame.specialty:
        found = [a for a in found if a.get("specialty") == frame.specialty]
    return found


def _on_days(appointments: list[dict[str, Any]], days: list[str]) -> list[dict[str, Any]]:
    """Appointments on the dates said, or failing that on their weekdays: "my Wednesday
    appointment" said on a Wednesday usually means next week's, not today's."""
    on_date = [a for a in appointments if a["start"][:10] in days]
    if on_date:
        return on_date
    weekdays = {date.fromisoformat(day).weekday() for day in days}
    return [a for a in appointments if datetime.fromisoformat(a["start"]).weekday() in weekdays]


def _options(appointments: list[dict[str, Any]], lang: str) -> list[Option]:
    return [
        Option(
            id=appointment["id"],
            kind="appointment",
            label=say("appointment.label", lang, **describe(appointment, lang)),
            start=appointment["start"],
            provider=appointment.get("provider") or None,
            specialty=appointment.get("specialty"),
        )
        for appointment in appointments
    ]


def on_pick(step: Step) -> bool:
    """The caller says which appointment ("the second", "the pulmonology one", "la del
    14 de diciembre", "the one on Tuesday"); the planner goes on once one is known,
    after saying which one it took."""
    frame, heard = step.frame, step.heard
    assert heard is not None
    options = _options(frame.candidates, step.lang)
    chosen = choose_among(step, frame.candidates, [option.label for option in options])
    if chosen is None:
        chosen = _by_words(step, frame.candidates)
    if chosen is None:
        step.reply.options = options
        step.reply.ask("slot_choice", "appointment.which_again", pending="appointment")
        return True
    frame.appointment = chosen
    frame.candidates = []
    if frame.goal != "cancel":
        # Cancelling reads the appointment back in its own question.
        described = describe(chosen, step.lang)
        described.pop("location")
        step.reply.say("appointment.chosen", **described)
    return False


def _by_words(step: Step, candidates: list[dict[str, Any]]) -> dict[str, Any] | None:
    """The one candidate of the specialty and the days the caller named, if one fits."""
    heard = step.heard
    assert heard is not None
    found = candidates
    if heard.u.dates:
        found = _on_days(found, list(heard.u.dates))
    if heard.u.specialty:
        found = [a for a in found if a.get("specialty") == heard.u.specialty]
    named = bool(heard.u.dates or heard.u.specialty)
    return found[0] if named and len(found) == 1 else None


def answer(step: Step) -> None:
    """ "When is my appointment?": read the upcoming ones back."""
    appointments = upcoming(step)
    if not appointments:
        step.reply.say("appointments.none")
    else:
        spoken = [
            say("appointment.item", step.lang, **describe(a, step.lang)) for a in appointments[:3]
        ]
        step.reply.say("appointments.list", items=join_words(spoken, step.lang))
    step.reply.conclude("answered", "appointment question")
    step.frame.outcome = step.frame.outcome or "answered"
    wrapup.ask_anything_else(step)
