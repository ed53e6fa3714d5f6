"""Problems of the practice worded for a clinic admin: names where the file has paths and keys.

The file's checks say where a mistake is as a path (`providers[7].blocks[1].start`),
which is what someone editing the YAML needs. Someone editing on the dashboard
knows the provider as "Dr. Javier Montoya", not as the eighth item of a list, so
`describe` names the item a path points at from the very document that was checked,
and uses the check's `plain` wording when it has one.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from typing import Any

from referraldesk.practice.fields import WEEKDAYS
from referraldesk.practice.problems import Path, Problem, format_path

_DAY_NAMES = dict(zip(WEEKDAYS, ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday",
                                 "Saturday", "Sunday"), strict=True))
_ITEM_WORDS = {
    "locations": "site", "closures": "closure", "specialties": "specialty", "plans": "plan",
    "referring_practices": "referring practice", "providers": "provider", "services": "service",
}
# `providers[3]` inside a message ("npi ... is already used by providers[3]").
_ITEM_REFERENCE = re.compile(rf"\b({'|'.join(_ITEM_WORDS)})\[(\d+)\]")
_FIELD_WORDS = {
    "npi": "NPI", "duration_minutes": "minutes", "coverage_mode": "coverage",
    "location": "site", "locations": "sites", "date": "first day", "until": "last day",
    "accepting_new_patients": "accepting new patients", "name_en": "name",
    "name_es": "name in Spanish", "cpt": "CPT code",
}


def day_names(days: Sequence[str]) -> str:
    """`["mon", "wed", "fri"]` → "Monday, Wednesday and Friday"."""
    names = [_DAY_NAMES.get(day, day) for day in days]
    return " and ".join(filter(None, [", ".join(names[:-1]), *names[-1:]]))


def describe(problem: Problem, document: Mapping[str, Any]) -> str:
    """The problem as a clinic admin reads it: "whose, what is wrong".

    "Dr. Javier Montoya (NPI 1904000449), Saturday block 07:00-12:00 is outside
    Visalia's hours 08:00-11:00"; "Tulare, Monday hours: '25:00' is not a time of day".
    """
    message = _ITEM_REFERENCE.sub(lambda found: _item_name(
        document, found.group(1), int(found.group(2))), problem.message)
    path = problem.path
    if len(path) < 2 or path[0] not in _ITEM_WORDS or not isinstance(path[1], int):
        rest = path[1:] if path[:1] == ("practice",) and len(path) > 1 else path
        if not rest:
            return message
        field = _field_words(rest, {}, document)
        return f"{field[:1].upper()}{field[1:]}: {message}"
    owner = _item_name(document, str(path[0]), path[1])
    if problem.plain:
        return f"{owner}, {problem.plain}"
    if len(path) == 2:
        return f"{owner}: {message}"
    item = _item(document, str(path[0]), path[1])
    return f"{owner}, {_field_words(path[2:], item, document)}: {message}"


def _item(document: Mapping[str, Any], section: str, index: int) -> Mapping[str, Any]:
    items = document.get(section)
    if isinstance(items, list) and 0 <= index < len(items) and isinstance(items[index], dict):
        return items[index]  # type: ignore[no-any-return]
    return {}


def _item_name(document: Mapping[str, Any], section: str, index: int) -> str:
    item = _item(document, section, index)
    fallback = f"{_ITEM_WORDS[section].capitalize()} #{index + 1}"
    if section == "providers":
        name = " ".join(str(item[part]) for part in ("title", "given_name", "family_name")
                        if item.get(part))
        npi = f" (NPI {item['npi']})" if item.get("npi") else ""
        return f"{name or fallback}{npi}"
    if section == "closures":
        name = f"Closure {item['name']!r}" if item.get("name") else "The closure"
        return f"{name} on {item['date']}" if item.get("date") else fallback
    for field in ("name", "name_en", "label_en", "key"):
        if item.get(field):
            return str(item[field])
    return fallback


def _field_words(rest: Path, item: Mapping[str, Any], document: Mapping[str, Any]) -> str:
    """What a path inside an item names: "Monday hours", "Saturday block 07:00-12:00 at …"."""
    field = str(rest[0])
    if field == "hours" and len(rest) > 1:
        return f"{_DAY_NAMES.get(str(rest[1]), rest[1])} hours"
    entries = item.get(field)
    if len(rest) > 1 and isinstance(rest[1], int) and isinstance(entries, list) \
            and rest[1] < len(entries) and field in ("blocks", "exceptions"):
        entry = entries[rest[1]]
        named = (_block_words(entry, document) if field == "blocks"
                 else _exception_words(entry)) or format_path(rest[:2])
        return f"{named} ({_words(rest[2:])})" if len(rest) > 2 else named
    return _words(rest)


def _words(rest: Path) -> str:
    names = [_FIELD_WORDS.get(str(part), str(part).replace("_", " "))
             for part in rest if not isinstance(part, int)]
    return " ".join(names) or format_path(rest)


def _site_name(document: Mapping[str, Any], key: Any) -> str:
    for site in document.get("locations") or []:
        if isinstance(site, dict) and site.get("key") == key and site.get("name"):
            return str(site["name"])
    return str(key)


def _block_words(block: Any, document: Mapping[str, Any]) -> str | None:
    if not isinstance(block, dict) or not {"days", "start", "end", "location"} <= block.keys():
        return None
    days = block["days"]
    days_text = day_names([str(day) for day in days]) if isinstance(days, list) else str(days)
    return (f"{days_text} block {block['start']}-{block['end']} "
            f"at {_site_name(document, block['location'])}")


def _exception_words(exception: Any) -> str | None:
    if not isinstance(exception, dict) or "date" not in exception:
        return None
    kind = "extra span" if exception.get("kind") == "extra" else "time off"
    return f"{kind} on {exception['date']}"
