"""What refers to what in a practice file: keys exist, nothing is listed twice,
providers work inside their site's hours and are in one place at a time.

Works on whichever items passed their own validation, with their index in the file,
so a file with a broken provider still gets its other providers checked.

What is dated before today is history: an extra span or a day off already over, a
block whose `valid_until` has passed. It happened under the hours and sites of its
own day, so it is not checked against today's: otherwise narrowing Saturday's hours
today would be refused because of last September's Saturday clinic. It is still
checked for what storing it needs (its site exists). Closures are never checked
against hours, so a past closure only has to be well formed, as any other.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date

from referraldesk.practice.fields import WEEKDAYS, Span
from referraldesk.practice.plain import day_names
from referraldesk.practice.problems import Problem
from referraldesk.practice.schema import (
    BlockConfig,
    ClosureConfig,
    LocationConfig,
    PlanConfig,
    PracticeConfig,
    ProviderConfig,
    ReferringPracticeConfig,
    ServiceConfig,
    SpecialtyConfig,
)


@dataclass
class Sections:
    """The valid items of each section, each with its index in the file."""

    locations: list[tuple[int, LocationConfig]] = field(default_factory=list)
    closures: list[tuple[int, ClosureConfig]] = field(default_factory=list)
    specialties: list[tuple[int, SpecialtyConfig]] = field(default_factory=list)
    plans: list[tuple[int, PlanConfig]] = field(default_factory=list)
    referring_practices: list[tuple[int, ReferringPracticeConfig]] = field(default_factory=list)
    providers: list[tuple[int, ProviderConfig]] = field(default_factory=list)
    services: list[tuple[int, ServiceConfig]] = field(default_factory=list)
    # Keys of items that failed their own validation: others may still name them
    # without an "unknown key" line piling onto the item's real mistake.
    declared: dict[str, set[str]] = field(default_factory=dict)

    @classmethod
    def of(cls, config: PracticeConfig) -> Sections:
        return cls(
            locations=list(enumerate(config.locations)),
            closures=list(enumerate(config.closures)),
            specialties=list(enumerate(config.specialties)),
            plans=list(enumerate(config.plans)),
            referring_practices=list(enumerate(config.referring_practices)),
            providers=list(enumerate(config.providers)),
            services=list(enumerate(config.services)),
        )


def reference_problems(sections: Sections, today: date | None = None) -> list[Problem]:
    """Every cross-reference problem, in file order within each section.

    `today`: what is dated before it is history (see above); None checks everything.
    """
    locations = {item.key: item for _, item in sections.locations}
    specialties = {item.key for _, item in sections.specialties} | sections.declared.get(
        "specialties", set()
    )
    plan_names = plan_lookup(item for _, item in sections.plans)
    plan_names.update(
        {
            name.casefold(): name
            for name in sections.declared.get("plans", set())
            if name.casefold() not in plan_names
        }
    )
    broken_locations = sections.declared.get("locations", set()) - set(locations)
    problems = [
        *_duplicates("locations", "key", [(i, item.key) for i, item in sections.locations]),
        *_duplicates("specialties", "key", [(i, item.key) for i, item in sections.specialties]),
        *_duplicates("plans", "key", [(i, item.key) for i, item in sections.plans]),
        *_plan_name_clashes(sections.plans),
        *_duplicates(
            "referring_practices",
            "name",
            [(i, item.name.casefold()) for i, item in sections.referring_practices],
        ),
        *_duplicates("providers", "npi", [(i, item.npi) for i, item in sections.providers]),
        *_duplicates("services", "key", [(i, item.key) for i, item in sections.services]),
    ]
    for index, closure in sections.closures:
        if closure.location is not None and closure.location not in {*locations, *broken_locations}:
            problems.append(
                _unknown(("closures", index, "location"), "location", closure.location, locations)
            )
    for index, service in sections.services:
        if service.specialty not in specialties:
            problems.append(
                _unknown(
                    ("services", index, "specialty"), "specialty", service.specialty, specialties
                )
            )
    for index, provider in sections.providers:
        problems.extend(
            _provider_problems(
                index, provider, locations, broken_locations, specialties, plan_names, today
            )
        )
    return problems


def plan_lookup(plans: Iterable[PlanConfig]) -> dict[str, str]:
    """Casefolded key and name of every plan → its key; how providers name their plans."""
    lookup: dict[str, str] = {}
    for plan in plans:
        lookup[plan.key.casefold()] = plan.key
        lookup[plan.name.casefold()] = plan.key
    return lookup


def _duplicates(section: str, field_name: str, values: Sequence[tuple[int, str]]) -> list[Problem]:
    first_seen: dict[str, int] = {}
    problems = []
    for index, value in values:
        if value in first_seen:
            problems.append(
                Problem(
                    (section, index, field_name),
                    f"{field_name} {value!r} is already used by {section}[{first_seen[value]}]; "
                    "each must be unique",
                )
            )
        else:
            first_seen[value] = index
    return problems


def _plan_name_clashes(plans: Sequence[tuple[int, PlanConfig]]) -> list[Problem]:
    # A caller saying "Health Net" must reach one plan; a name shared by two is ambiguous.
    owner: dict[str, tuple[int, str]] = {}
    problems = []
    for index, plan in plans:
        names: list[tuple[tuple[str | int, ...], str]] = [(("plans", index, "name"), plan.name)]
        names += [(("plans", index, "aliases", n), alias) for n, alias in enumerate(plan.aliases)]
        for path, text in names:
            seen = owner.setdefault(text.casefold(), (index, plan.key))
            if seen[0] != index:
                problems.append(
                    Problem(
                        path, f"{text!r} already names plans[{seen[0]}] ({seen[1]}); pick another"
                    )
                )
    return problems


def _unknown(path: tuple[str | int, ...], what: str, value: str, known: Iterable[str]) -> Problem:
    choices = ", ".join(sorted(known)) or "none defined"
    return Problem(path, f"unknown {what} {value!r}; known: {choices}")


def _provider_problems(
    index: int,
    provider: ProviderConfig,
    locations: dict[str, LocationConfig],
    broken_locations: set[str],
    specialties: set[str],
    plan_names: dict[str, str],
    today: date | None,
) -> list[Problem]:
    base: tuple[str | int, ...] = ("providers", index)
    problems = []
    if provider.specialty not in specialties:
        problems.append(
            _unknown((*base, "specialty"), "specialty", provider.specialty, specialties)
        )
    for n, key in enumerate(provider.locations):
        if key not in locations and key not in broken_locations:
            problems.append(_unknown((*base, "locations", n), "location", key, locations))
    for n, name in enumerate(provider.plans):
        if name.casefold() not in plan_names:
            problems.append(
                _unknown((*base, "plans", n), "plan", name, sorted(set(plan_names.values())))
            )
    for n, block in enumerate(provider.blocks):
        if block.location not in broken_locations:
            ended = _before(block.valid_until, today)
            problems.extend(
                _block_problems((*base, "blocks", n), provider, block, locations, ended)
            )
    problems.extend(_overlaps(base, provider.blocks, locations))
    for n, exception in enumerate(provider.exceptions):
        if exception.location is None or exception.location in broken_locations:
            continue
        path = (*base, "exceptions", n, "location")
        site = locations.get(exception.location)
        if site is None:
            problems.append(_unknown(path, "location", exception.location, locations))
        elif _before(exception.date, today):
            continue
        elif exception.location not in provider.locations:
            what = "extra span" if exception.kind == "extra" else "time off"
            problems.append(_not_listed(path, site, provider, locations,
                                        f"{what} on {exception.date} is at {site.name}"))
        elif exception.kind == "extra" and exception.start and exception.end:
            span = Span(start=exception.start, end=exception.end)
            day = weekday_name(exception.date)
            if not _inside_hours(span, site.hours.get(day, [])):
                problems.append(
                    Problem(
                        (*base, "exceptions", n, "start"),
                        f"extra span {span.text()} on {exception.date} ({day}) is outside "
                        f"{site.key}'s office hours that day; move it inside them",
                        plain=_outside_hours_words(
                            f"extra span {span.text()} on {day_names([day])} {exception.date}",
                            site, [day]),
                    )
                )
    return problems


def _before(day: date | None, today: date | None) -> bool:
    return day is not None and today is not None and day < today


def _not_listed(
    path: tuple[str | int, ...],
    site: LocationConfig,
    provider: ProviderConfig,
    locations: dict[str, LocationConfig],
    what: str,
) -> Problem:
    sites = ", ".join(_site_name(key, locations) for key in provider.locations)
    return Problem(
        path,
        f"location {site.key!r} is not among this provider's locations "
        f"[{', '.join(provider.locations)}]; add it there or pick one of those",
        plain=f"{what}, which is not one of this provider's sites ({sites})",
    )


def _site_name(key: str, locations: dict[str, LocationConfig]) -> str:
    site = locations.get(key)
    return site.name if site is not None else key


def _block_problems(
    path: tuple[str | int, ...],
    provider: ProviderConfig,
    block: BlockConfig,
    locations: dict[str, LocationConfig],
    ended: bool,
) -> list[Problem]:
    site = locations.get(block.location)
    if site is None:
        return [_unknown((*path, "location"), "location", block.location, locations)]
    problems = []
    span = Span(start=block.start, end=block.end)
    named = f"{day_names(block.days)} block {span.text()}"
    if not ended and block.location not in provider.locations:
        problems.append(_not_listed((*path, "location"), site, provider, locations,
                                    f"{named} is at {site.name}"))
    if span.minutes() < provider.slot_minutes:
        problems.append(
            Problem(
                (*path, "end"),
                f"block {span.text()} is shorter than one {provider.slot_minutes}-minute slot",
                plain=f"{named} at {site.name} is shorter than one "
                f"{provider.slot_minutes}-minute slot",
            )
        )
    outside = [day for day in block.days if not _inside_hours(span, site.hours.get(day, []))]
    if outside and not ended:
        problems.append(_outside_hours_problem(path, span, block, site, outside))
    return problems


def _inside_hours(span: Span, hours: list[Span]) -> bool:
    return any(opening.contains(span) for opening in hours)


def _outside_hours_problem(
    path: tuple[str | int, ...],
    span: Span,
    block: BlockConfig,
    site: LocationConfig,
    days: list[str],
) -> Problem:
    hours = "; ".join(
        f"{day} {', '.join(s.text() for s in site.hours.get(day, [])) or 'closed'}" for day in days
    )
    opens = [s.start for day in days for s in site.hours.get(day, [])]
    closes = [s.end for day in days for s in site.hours.get(day, [])]
    if not opens:
        where = "days"
    elif span.start < min(opens):
        where = "start"
    elif span.end > max(closes):
        where = "end"
    else:
        where = "start"
    return Problem(
        (*path, where),
        f"block {span.text()} at {site.key} is outside the site's office hours ({hours}); "
        "move it inside them or widen the site's hours",
        plain=_outside_hours_words(f"{day_names(days)} block {span.text()}", site, days),
    )


def _outside_hours_words(what: str, site: LocationConfig, days: list[str]) -> str:
    """Says `what` is outside the site's hours on `days`, each day's hours if they differ.

    "Saturday block 07:00-12:00 is outside Visalia's hours 08:00-11:00".
    """
    hours = {day: ", ".join(span.text() for span in site.hours.get(day, [])) for day in days}
    if len(set(hours.values())) > 1:
        each = "; ".join(f"{day_names([day])} {text or 'closed'}" for day, text in hours.items())
        return f"{what} is outside {site.name}'s hours ({each})"
    same = hours[days[0]]
    return f"{what} is outside {site.name}'s hours {same or f'(closed on {day_names(days)})'}"


def _overlaps(
    base: tuple[str | int, ...],
    blocks: Sequence[BlockConfig],
    locations: dict[str, LocationConfig],
) -> list[Problem]:
    problems = []
    for n, block in enumerate(blocks):
        for m in range(n):
            earlier = blocks[m]
            days = [day for day in block.days if day in earlier.days]
            if not days or not _periods_meet(block, earlier):
                continue
            if Span(start=block.start, end=block.end).overlaps(
                Span(start=earlier.start, end=earlier.end)
            ):
                problems.append(
                    Problem(
                        (*base, "blocks", n),
                        f"overlaps blocks[{m}] ({earlier.start:%H:%M}-{earlier.end:%H:%M} at "
                        f"{earlier.location}) on {', '.join(days)}; "
                        "a provider is in one place at a time",
                        plain=f"{day_names(days)} block {block.start:%H:%M}-{block.end:%H:%M} "
                        f"at {_site_name(block.location, locations)} overlaps the block "
                        f"{earlier.start:%H:%M}-{earlier.end:%H:%M} at "
                        f"{_site_name(earlier.location, locations)}; "
                        "a provider is in one place at a time",
                    )
                )
                break
    return problems


def _periods_meet(one: BlockConfig, other: BlockConfig) -> bool:
    starts = max(one.valid_from or date.min, other.valid_from or date.min)
    ends = min(one.valid_until or date.max, other.valid_until or date.max)
    return starts <= ends


def weekday_name(day: date) -> str:
    return WEEKDAYS[day.weekday()]
