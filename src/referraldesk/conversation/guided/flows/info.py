"""Questions anyone may ask without saying who they are: hours, sites, plans,
services and providers. Nothing here reads patient data."""

from __future__ import annotations

import re
from datetime import date, time, timedelta
from typing import Any

from referraldesk.conversation.guided import guards
from referraldesk.conversation.guided.flows.referral import specialty_label
from referraldesk.conversation.guided.step import Step
from referraldesk.conversation.phrasebook import (
    join_words,
    plan_name,
    provider_name,
    say,
    spoken_date,
    spoken_time,
)
from referraldesk.conversation.phrasebook.phrasebook import calendar, holiday_name
from referraldesk.understanding.text import fold

TOPICS = frozenset(
    {"hours", "location", "provider_question", "plans_question", "services_question"}
)
WEEKDAY_KEYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
# A directory answer names a few providers; a long list is for the website.
MAX_NAMES = 4


def answer(step: Step, topic: str) -> None:
    """Answer `topic` in the reply."""
    {
        "hours": _hours,
        "location": _locations,
        "provider_question": _providers,
        "plans_question": _plans,
        "services_question": _services,
    }[topic](step)


def _sites(step: Step) -> list[dict[str, Any]]:
    return (step.data("get_office_hours") or {}).get("sites", [])


def _asked_weekdays(step: Step) -> list[int]:
    """Weekdays asked about as such: "on Saturdays", or "Saturday" with no date."""
    heard = step.heard
    if heard is None:
        return []
    window = heard.window or {}
    days = [WEEKDAY_KEYS.index(day) for day in window.get("weekdays") or [] if day in WEEKDAY_KEYS]
    days += [day.weekday() for day in heard.dates if _bare_weekday(heard.text, day)]
    return sorted(set(days))


def _asked_dates(step: Step) -> list[date]:
    """Calendar days asked about: "December 24", "Christmas", "tomorrow"."""
    heard = step.heard
    if heard is None:
        return []
    return [day for day in heard.dates if not _bare_weekday(heard.text, day)]


def _bare_weekday(text: str, day: date) -> bool:
    """True when `day` came from a weekday name alone ("on Saturday"), not a calendar date."""
    said = fold(text)
    if re.search(r"\d", said):
        return False
    names = {fold(calendar(lang)["weekdays"][day.weekday()]) for lang in ("en", "es")}
    return any(re.search(rf"\b{name}", said) for name in names)


def _clock(value: str, lang: str) -> str:
    return spoken_time(time.fromisoformat(value), lang)


def _hours(step: Step) -> None:
    sites = _sites(step)
    dates, days = _asked_dates(step), _asked_weekdays(step)
    for day in dates:
        _hours_on_date(step, sites, day)
    for weekday in days:
        closure = _closure_on(sites, _next(step, weekday))
        if closure is not None:
            _closed_on(step, _next(step, weekday), closure)
        else:
            _hours_on(step, sites, weekday)
    if dates or days:
        return
    for site in sites:
        spans = _grouped_spans(site.get("hours", []), step.lang)
        step.reply.say("hours.site", site=site["name"], spans=join_words(spans, step.lang))


def _next(step: Step, weekday: int) -> date:
    today = step.local_now().date()
    return today + timedelta(days=(weekday - today.weekday()) % 7)


def _closure_on(sites: list[dict[str, Any]], day: date) -> str | None:
    """The name of a closure covering `day` at every site (a holiday), else None."""
    names = [
        next(
            (
                c["name"]
                for c in site.get("closures", [])
                if c["starts_on"] <= day.isoformat() <= c["ends_on"]
            ),
            None,
        )
        for site in sites
    ]
    return names[0] if names and all(names) else None


def _closed_on(step: Step, day: date, closure: str) -> None:
    step.reply.say(
        "hours.date_closed",
        date=spoken_date(day, step.lang),
        holiday=holiday_name(closure, step.lang),
    )


def _hours_on_date(step: Step, sites: list[dict[str, Any]], day: date) -> None:
    """Hours on one calendar day: closed for a holiday, or that weekday's hours."""
    closure = _closure_on(sites, day)
    if closure is not None:
        _closed_on(step, day, closure)
        return
    key = WEEKDAY_KEYS[day.weekday()]
    open_sites = [
        (site["name"], span)
        for site in sites
        for span in site.get("hours", [])
        if span["weekday"] == key
        and not any(
            c["starts_on"] <= day.isoformat() <= c["ends_on"] for c in site.get("closures", [])
        )
    ]
    said = spoken_date(day, step.lang)
    if not open_sites:
        step.reply.say("hours.date_shut", date=said)
        return
    for name, span in open_sites:
        step.reply.say(
            "hours.date_open",
            date=said,
            site=name,
            opens=_clock(span["opens"], step.lang),
            closes=_clock(span["closes"], step.lang),
        )


def _hours_on(step: Step, sites: list[dict[str, Any]], weekday: int) -> None:
    plural = calendar(step.lang)["weekdays_plural"][weekday]
    open_sites = [
        (site["name"], span)
        for site in sites
        for span in site.get("hours", [])
        if span["weekday"] == WEEKDAY_KEYS[weekday]
    ]
    if not open_sites:
        step.reply.say("hours.day_closed", day=plural)
        return
    for name, span in open_sites:
        step.reply.say(
            "hours.day_open",
            day=plural,
            site=name,
            opens=_clock(span["opens"], step.lang),
            closes=_clock(span["closes"], step.lang),
        )


def _grouped_spans(hours: list[dict[str, str]], lang: str) -> list[str]:
    """Runs of weekdays with the same hours: "Monday to Friday, 6:30 AM to 7:30 PM"."""
    names = calendar(lang)["weekdays"]
    runs: list[tuple[int, int, str, str]] = []
    for span in sorted(hours, key=lambda s: (WEEKDAY_KEYS.index(s["weekday"]), s["opens"])):
        day = WEEKDAY_KEYS.index(span["weekday"])
        last = runs[-1] if runs else None
        if last and last[1] == day - 1 and (last[2], last[3]) == (span["opens"], span["closes"]):
            runs[-1] = (last[0], day, last[2], last[3])
        else:
            runs.append((day, day, span["opens"], span["closes"]))
    spoken = []
    for first, last_day, opens, closes in runs:
        days = (
            names[first]
            if first == last_day
            else say("hours.day_range", lang, first=names[first], last=names[last_day])
        )
        spoken.append(
            say(
                "hours.span",
                lang,
                days=days,
                opens=_clock(opens, lang),
                closes=_clock(closes, lang),
            )
        )
    return spoken


def _locations(step: Step) -> None:
    for site in _sites(step):
        address = ", ".join(part for part in (site.get("address"), site.get("city")) if part)
        step.reply.say("location.site", site=site["name"], address=address or site["name"])


def _directory(step: Step, **filters: Any) -> list[dict[str, Any]]:
    arguments = {key: value for key, value in filters.items() if value}
    return (step.data("get_providers", **arguments) or {}).get("providers", [])


def _providers(step: Step) -> None:
    heard = step.heard
    text = heard.text if heard else ""
    specialty = heard.u.specialty if heard else None
    label = specialty_label(specialty, step.lang)
    if guards.mentions_telehealth(text):
        found = [p for p in _directory(step, specialty=specialty) if p.get("telehealth")]
        key = "providers.telehealth" if found else "providers.no_telehealth"
    elif heard is not None and heard.language_named:
        found = _directory(step, specialty=specialty, language=heard.language_named)
        language = calendar(step.lang)["languages"][heard.language_named]
        key = "providers.speak" if found else "providers.none_speak"
        step.reply.say(key, names=_names(found, step.lang), language=language)
        return
    else:
        found = _directory(step, specialty=specialty)
        key = "providers.list" if found else "providers.none"
    everyone = say("providers.all_specialties", step.lang)
    step.reply.say(key, names=_names(found, step.lang), specialty=label or everyone)


def _names(providers: list[dict[str, Any]], lang: str) -> str:
    return join_words([provider_name(p["name"], lang) for p in providers[:MAX_NAMES]], lang)


def _plans(step: Step) -> None:
    """Answer the plan asked about ("¿aceptan Medi-Cal?": which Medi-Cal plans), or list all."""
    heard = step.heard
    plan = heard.u.plan if heard else None
    if plan:
        takes = _directory(step, plan=plan)
        key = "plans.accepted" if takes else "plans.not_accepted"
        step.reply.say(key, plan=plan_name(plan, step.lang))
        return
    accepted: dict[str, None] = {}
    for provider in _directory(step):
        accepted.update(dict.fromkeys(provider.get("plans", [])))
    candidates = [name for name in (heard.u.plan_candidates if heard else []) if name in accepted]
    if candidates:
        named = [plan_name(name, step.lang) for name in candidates]
        step.reply.say("plans.accepted_some", plans=join_words(named, step.lang))
        return
    named = [plan_name(name, step.lang) for name in sorted(accepted)]
    step.reply.say("plans.list", plans=join_words(named, step.lang))


def _services(step: Step) -> None:
    keys: dict[str, None] = {}
    for provider in _directory(step):
        keys.setdefault(provider["specialty"], None)
    labels = [specialty_label(key, step.lang) for key in sorted(keys)]
    step.reply.say("services.list", specialties=join_words(labels, step.lang))
