"""Editing the practice the way its YAML file is edited: build the config, check it, load it.

Every change starts from the practice as it is (`exporter.current_config`), changes
one part of that document, and goes through the same checks as a file
(`validate.check_data`) and the same loader (`loader.load_config`). A change that
would make the config invalid (hours a provider's week no longer fits in, a
closure that ends before it starts) is refused with every problem listed, and
nothing is written.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from sqlalchemy.orm import Session

from referraldesk.audit.trail import Actor
from referraldesk.errors import InvalidArgument
from referraldesk.practice.exporter import current_config
from referraldesk.practice.fields import WEEKDAYS
from referraldesk.practice.loader import load_config
from referraldesk.practice.report import LoadReport
from referraldesk.practice.validate import check_data

SOURCE = "the dashboard"
Document = dict[str, Any]


class ChangeRefused(InvalidArgument):
    """The edited config does not pass the practice file's checks; `problems` lists each."""

    def __init__(self, problems: list[str]):
        super().__init__("\n".join(problems), field="practice")
        self.problems = problems


def apply_change(session: Session, actor: Actor, change: Callable[[Document], None]) -> LoadReport:
    """Change the practice's config document with `change`, check it, and load it."""
    document = current_config(session).model_dump(mode="json", exclude_none=True)
    change(document)
    config, problems = check_data(document)
    if problems or config is None:
        raise ChangeRefused([f"{problem.where}: {problem.message}" for problem in problems])
    return load_config(session, config, source=SOURCE, actor=actor)


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
