"""Editing the practice the way its YAML file is edited: build the config, check it, load it.

Every change starts from the practice as it is (`exporter.current_config`), changes
one part of that document, and goes through the same checks as a file
(`validate.check_data`) and the same loader (`loader.load_config`). A change that
would make the config invalid (hours a provider's week no longer fits in, a
closure that ends before it starts) is refused with every problem listed, and
nothing is written. The problems are worded for a clinic admin (`plain.describe`:
"Dr. Javier Montoya (NPI 1904000449), Saturday block ..."), not as paths in the file.

A provider or a service is edited the same way (`edit_item`); what changed is
named in the audit trail next to the loader's own record.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from referraldesk.audit import trail
from referraldesk.audit.trail import Actor
from referraldesk.errors import InvalidArgument, NotFound
from referraldesk.models import Provider, Service
from referraldesk.practice.exporter import current_config
from referraldesk.practice.fields import WEEKDAYS
from referraldesk.practice.loader import load_config
from referraldesk.practice.plain import describe as plain_words
from referraldesk.practice.problems import Problem
from referraldesk.practice.report import LoadReport
from referraldesk.practice.validate import check_data

SOURCE = "the dashboard"
Document = dict[str, Any]


class ChangeRefused(InvalidArgument):
    """The edited config does not pass the practice file's checks; `problems` lists each."""

    def __init__(self, problems: list[str]):
        super().__init__("\n".join(problems), field="practice")
        self.problems = problems


def apply_change(
    session: Session, actor: Actor, change: Callable[[Document], None],
    describe: Callable[[Problem, Document], str] = plain_words,
) -> LoadReport:
    """Change the practice's config document with `change`, check it, and load it.

    `describe` words each problem, found in the changed document, for the form that
    made the change (default: whose it is by name, then what is wrong).
    """
    document = current_config(session).model_dump(mode="json", exclude_none=True)
    change(document)
    config, problems = check_data(document)
    if problems or config is None:
        raise ChangeRefused([describe(problem, document) for problem in problems])
    return load_config(session, config, source=SOURCE, actor=actor)


@dataclass(frozen=True)
class Editable:
    """A section whose items the dashboard edits one at a time, and how its forms name fields."""

    section: str
    natural_key: str
    model: type[Provider] | type[Service]
    resource_type: str
    labels: Mapping[str, str]


PROVIDERS = Editable("providers", "npi", Provider, "provider", {
    "languages": "Languages", "locations": "Sites", "plans": "Plans",
    "accepting_new_patients": "Accepting new patients", "blocks": "Weekly schedule",
    "exceptions": "Days off and extra hours",
})
SERVICES = Editable("services", "key", Service, "service", {"duration_minutes": "Minutes"})


def config_item(session: Session, kind: Editable, key: str) -> Document:
    """One provider (by NPI) or service (by key) as the practice file has it; NotFound if none."""
    document = current_config(session).model_dump(mode="json", exclude_none=True)
    return _find(document, kind, key)[1]


def _find(document: Document, kind: Editable, key: str) -> tuple[int, Document]:
    for index, item in enumerate(document.get(kind.section, [])):
        if item.get(kind.natural_key) == key:
            return index, item
    raise NotFound(f"there is no {kind.resource_type} with {kind.natural_key} {key!r}",
                   field=kind.natural_key)


def edit_item(session: Session, actor: Actor, kind: Editable, key: str,
              values: Mapping[str, Any]) -> list[str]:
    """Set `values` on one provider or service and load the result as a file would be.

    Returns the names of the fields that changed (none: nothing is written or audited).
    ChangeRefused lists every problem, worded for the edit form.
    """
    changed: list[str] = []
    where: list[int] = []

    def change(document: Document) -> None:
        index, item = _find(document, kind, key)
        where.append(index)
        for name, value in values.items():
            if item.get(name) != value:
                changed.append(name)
            item[name] = value

    def describe(problem: Problem, document: Document) -> str:
        inside = problem.path[:2] == (kind.section, where[0]) and len(problem.path) > 2
        if not inside:
            return plain_words(problem, document)
        field, rest = str(problem.path[2]), problem.path[3:]
        label = kind.labels.get(field, field.replace("_", " ").capitalize())
        if problem.plain:
            return f"{label}: {problem.plain}"
        # A list position ("[0]") means nothing on the form; the message names the value.
        detail = " ".join(str(part).replace("_", " ") for part in rest if not isinstance(part, int))
        return f"{label}{f' ({detail})' if detail else ''}: {problem.message}"

    apply_change(session, actor, change, describe)
    if changed:
        column = getattr(kind.model, kind.natural_key)
        row_id = session.scalar(select(kind.model.id).where(column == key))
        trail.record(session, actor, "update", kind.resource_type, row_id,
                     reason=f"edited on the dashboard: {', '.join(changed)}")
    return changed


def kept_order(current: list[str], chosen: list[str]) -> list[str]:
    """The chosen values, those already listed first in their order (a form's checkboxes
    come in a fixed order; the file's order is the practice's own)."""
    return [value for value in current if value in chosen] + [
        value for value in chosen if value not in current]


def _location(document: Document, key: str) -> Document:
    for location in document.get("locations", []):
        if location.get("key") == key:
            return location  # type: ignore[no-any-return]
    raise InvalidArgument(f"there is no site with key {key!r}", field="location")


def set_hours(key: str, hours_text: dict[str, str]) -> Callable[[Document], None]:
    """Office hours of site `key` from one text per weekday ("08:00-12:00, 13:00-17:00"; blank:
    closed that day)."""

    def change(document: Document) -> None:
        location = _location(document, key)
        hours: dict[str, list[str]] = {}
        for day in WEEKDAYS:
            spans = [part.strip() for part in hours_text.get(day, "").split(",") if part.strip()]
            if spans:
                hours[day] = spans
        location["hours"] = hours

    return change


def add_closure(name: str, first: str, last: str, location: str) -> Callable[[Document], None]:
    def change(document: Document) -> None:
        closure: Document = {"name": name.strip(), "date": first.strip()}
        if last.strip():
            closure["until"] = last.strip()
        if location.strip():
            closure["location"] = location.strip()
        document.setdefault("closures", []).append(closure)

    return change


def remove_closure(name: str, first: str) -> Callable[[Document], None]:
    def change(document: Document) -> None:
        closures = document.get("closures", [])
        kept = [c for c in closures if not (c.get("name") == name and str(c.get("date")) == first)]
        if len(kept) == len(closures):
            raise InvalidArgument(f"there is no closure {name!r} on {first}; reload the page",
                                  field="closure")
        document["closures"] = kept

    return change


def set_service_levels(languages: list[str], coverage_mode: str) -> Callable[[Document], None]:
    def change(document: Document) -> None:
        document["practice"]["languages"] = languages
        document["practice"]["coverage_mode"] = coverage_mode

    return change


def hours_as_text(location: Document) -> dict[str, str]:
    """A site's hours as the form shows them, one text per weekday."""
    hours = location.get("hours", {})
    return {day: ", ".join(hours.get(day, [])) for day in WEEKDAYS}
