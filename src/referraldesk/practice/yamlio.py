"""Reading and writing the practice file, keeping the line of every value for messages."""

from __future__ import annotations

import re
from dataclasses import replace
from typing import Any

import yaml
from yaml.nodes import MappingNode, Node, ScalarNode, SequenceNode

from referraldesk.practice.problems import Path, Problem

_BOOL = "tag:yaml.org,2002:bool"
_INT = "tag:yaml.org,2002:int"
_FLOAT = "tag:yaml.org,2002:float"


class ConfigLoader(yaml.SafeLoader):
    """SafeLoader with YAML 1.2 scalars.

    YAML 1.1 reads `19:30` as the integer 1170 (base 60), `off` and `no` as false and
    `+15595550100` as an integer: an office-hours span, an exception kind, a language
    code and a phone number would all be silently mangled. Here only true/false are
    booleans and only plain digits are numbers; everything else stays a string.
    """


ConfigLoader.yaml_implicit_resolvers = {
    first: [(tag, regex) for tag, regex in resolvers if tag not in (_BOOL, _INT, _FLOAT)]
    for first, resolvers in yaml.SafeLoader.yaml_implicit_resolvers.items()
}
ConfigLoader.add_implicit_resolver(
    _BOOL, re.compile(r"^(?:true|True|TRUE|false|False|FALSE)$"), list("tTfF")
)
ConfigLoader.add_implicit_resolver(_INT, re.compile(r"^-?(?:0|[1-9][0-9]*)$"), list("-0123456789"))
ConfigLoader.add_implicit_resolver(
    _FLOAT, re.compile(r"^-?(?:[0-9]+\.[0-9]*|\.[0-9]+)(?:[eE][-+]?[0-9]+)?$"), list("-0123456789.")
)


class Document:
    """The parsed data of a file plus the line where each path starts."""

    def __init__(self, data: Any, lines: dict[Path, int]):
        self.data = data
        self.lines = lines

    def line_of(self, path: Path) -> int | None:
        """The line of `path`, or of its nearest parent the file has (a missing field)."""
        for length in range(len(path), -1, -1):
            line = self.lines.get(tuple(path[:length]))
            if line is not None:
                return line
        return None

    def locate(self, problems: list[Problem]) -> list[Problem]:
        return [replace(p, line=p.line or self.line_of(p.path)) for p in problems]


def read_document(text: str) -> Document:
    """Parse YAML text; raises `yaml.YAMLError` on a syntax error or an alias."""
    _refuse_aliases(text)
    loader = ConfigLoader(text)
    try:
        node = loader.get_single_node()
        data = loader.construct_document(node) if node is not None else None
    finally:
        loader.dispose()
    lines: dict[Path, int] = {}
    if node is not None:
        _collect_lines(node, (), lines)
    return Document(data, lines)


def _refuse_aliases(text: str) -> None:
    # Nested aliases ("billion laughs") expand a small file into gigabytes while it
    # is built; a practice file has no use for them, so the event stream is checked
    # before anything is constructed.
    for event in yaml.parse(text, Loader=ConfigLoader):
        if isinstance(event, yaml.AliasEvent):
            raise yaml.MarkedYAMLError(
                problem=f"the alias *{event.anchor} is not allowed in a practice file; "
                "write the values out in full",
                problem_mark=event.start_mark,
            )


def _collect_lines(node: Node, path: Path, lines: dict[Path, int]) -> None:
    lines.setdefault(path, node.start_mark.line + 1)
    if isinstance(node, MappingNode):
        for key_node, value_node in node.value:
            if isinstance(key_node, ScalarNode):
                child = (*path, str(key_node.value))
                lines[child] = key_node.start_mark.line + 1
                _collect_lines(value_node, child, lines)
    elif isinstance(node, SequenceNode):
        for index, item in enumerate(node.value):
            _collect_lines(item, (*path, index), lines)


def syntax_problem(error: yaml.YAMLError) -> Problem:
    mark = getattr(error, "problem_mark", None)
    reason = getattr(error, "problem", None) or str(error)
    return Problem((), f"not valid YAML: {reason}", mark.line + 1 if mark is not None else None)


def dump(data: Any) -> str:
    return yaml.safe_dump(
        data, sort_keys=False, allow_unicode=True, width=100, default_flow_style=None
    )
