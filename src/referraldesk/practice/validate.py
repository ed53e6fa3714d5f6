"""From YAML text to a checked `PracticeConfig`, or every problem in the file at once."""

from __future__ import annotations

from datetime import date
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import yaml
from pydantic import BaseModel, ValidationError
from pydantic_core import ErrorDetails

from referraldesk.clock import now
from referraldesk.practice.checks import Sections, reference_problems
from referraldesk.practice.problems import ConfigError, Problem, prefixed
from referraldesk.practice.schema import SECTION_MODELS, PracticeConfig, PracticeInfo
from referraldesk.practice.yamlio import read_document, syntax_problem

SECTIONS = ("practice", *SECTION_MODELS)


def parse_config(text: str, source: str = "<practice config>") -> PracticeConfig:
    """Parse and check a practice file; raises `ConfigError` listing every problem."""
    try:
        document = read_document(text)
    except yaml.YAMLError as exc:
        raise ConfigError(source, [syntax_problem(exc)]) from exc
    config, problems = check_data(document.data)
    if problems or config is None:
        raise ConfigError(source, document.locate(problems))
    return config


def read_config(path: Path) -> PracticeConfig:
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise ConfigError(str(path), [Problem((), f"cannot read the file: {exc}")]) from exc
    return parse_config(text, str(path))


def config_problems(config: PracticeConfig) -> list[Problem]:
    """The cross-reference problems of a config built in code (its items are already valid)."""
    return reference_problems(Sections.of(config), practice_today(config.practice))


def practice_today(practice: PracticeInfo | None) -> date:
    """The practice's date by its clock: what is dated before it is history (`checks`).

    A practice section too broken to read is in the zone the file's default names.
    """
    zone = practice.timezone if practice is not None else "America/Los_Angeles"
    return now().astimezone(ZoneInfo(zone)).date()


def check_data(data: Any) -> tuple[PracticeConfig | None, list[Problem]]:
    """Validate every item on its own, then what refers to what among the valid ones."""
    if not isinstance(data, dict):
        return None, [
            Problem((), f"the file must be a mapping with the sections {', '.join(SECTIONS)}")
        ]
    problems = [
        Problem((str(key),), f"unknown section; the sections are {', '.join(SECTIONS)}")
        for key in data
        if key not in SECTIONS
    ]
    practice = _validate_practice(data.get("practice"), problems)
    sections = Sections()
    for name, model in SECTION_MODELS.items():
        items = _validate_section(name, model, data.get(name), problems)
        setattr(sections, name, items)
    sections.declared = {
        "locations": _raw_values(data.get("locations"), "key"),
        "specialties": _raw_values(data.get("specialties"), "key"),
        "plans": _raw_values(data.get("plans"), "key") | _raw_values(data.get("plans"), "name"),
    }
    problems.extend(reference_problems(sections, practice_today(practice)))
    if problems or practice is None:
        return None, problems
    config = PracticeConfig(
        practice=practice,
        **{name: [item for _, item in getattr(sections, name)] for name in SECTION_MODELS},
    )
    return config, []


def _raw_values(raw: Any, field_name: str) -> set[str]:
    if not isinstance(raw, list):
        return set()
    return {
        str(item[field_name]).casefold() if field_name == "name" else str(item[field_name])
        for item in raw
        if isinstance(item, dict) and item.get(field_name) is not None
    }


def _validate_practice(raw: Any, problems: list[Problem]) -> PracticeInfo | None:
    if raw is None:
        problems.append(
            Problem(
                ("practice",), "missing; the file needs a practice section with at least a name"
            )
        )
        return None
    try:
        return PracticeInfo.model_validate(raw)
    except ValidationError as exc:
        problems.extend(prefixed(("practice",), pydantic_problems(exc, PracticeInfo)))
        return None


def _validate_section(
    name: str, model: type[BaseModel], raw: Any, problems: list[Problem]
) -> list[tuple[int, Any]]:
    if raw is None:
        return []
    if not isinstance(raw, list):
        problems.append(Problem((name,), "must be a list of items (each starting with '- ')"))
        return []
    valid = []
    for index, item in enumerate(raw):
        try:
            valid.append((index, model.model_validate(item)))
        except ValidationError as exc:
            problems.extend(prefixed((name, index), pydantic_problems(exc, model)))
    return valid


def pydantic_problems(error: ValidationError, model: type[BaseModel]) -> list[Problem]:
    return [Problem(tuple(detail["loc"]), _reason(detail, model)) for detail in error.errors()]


def _reason(detail: ErrorDetails, model: type[BaseModel]) -> str:
    kind = detail["type"]
    if kind == "missing":
        return "required; add it"
    if kind == "extra_forbidden":
        return f"unknown field; check its spelling ({_known_fields(detail, model)})"
    if kind == "value_error":
        return str(detail["msg"]).removeprefix("Value error, ")
    if kind == "literal_error":
        return f"{detail.get('input')!r} is not allowed; {detail['msg'].lower()}"
    return f"{detail['msg']} (got {detail.get('input')!r})"


def _known_fields(detail: ErrorDetails, model: type[BaseModel]) -> str:
    # Walk the model along the error's path to name the fields that would be right there.
    current: Any = model
    for part in detail["loc"][:-1]:
        if isinstance(part, int) or current is None:
            continue
        field_info = getattr(current, "model_fields", {}).get(part)
        current = _inner_model(field_info.annotation) if field_info is not None else None
    fields = getattr(current, "model_fields", None)
    return "known: " + ", ".join(fields) if fields else "not a known field here"


def _inner_model(annotation: Any) -> Any:
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        return annotation
    for arg in getattr(annotation, "__args__", ()):
        inner = _inner_model(arg)
        if inner is not None:
            return inner
    return None
