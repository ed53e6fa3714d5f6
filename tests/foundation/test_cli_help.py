"""`referraldesk ... --help`: every argument and option explained, paragraphs that wrap to
the terminal, argument names in capitals."""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

import pytest
import typer
from typer.testing import CliRunner

from referraldesk.cli import app

# Click's own, the same on every command.
HELP_OPTION = "help"


def commands() -> Iterator[tuple[str, Any]]:
    def walk(command: Any, path: list[str]) -> Iterator[tuple[str, Any]]:
        yield " ".join(path), command
        for name, sub in (getattr(command, "commands", None) or {}).items():
            yield from walk(sub, [*path, name])

    yield from walk(typer.main.get_command(app), ["referraldesk"])


ALL = dict(commands())


@pytest.mark.parametrize("path", sorted(ALL))
def test_every_argument_and_option_says_what_it_is(path: str) -> None:
    params = ALL[path].params
    unexplained = [p.name for p in params if not getattr(p, "help", None) and p.name != HELP_OPTION]
    # FILE.csv and CASE.yaml name their kind of file after the dot.
    lowercase = [p.metavar or p.name for p in params if p.param_type_name == "argument"
                 and not (p.metavar or "").split(".")[0].isupper()]

    assert (unexplained, lowercase) == ([], [])


@pytest.mark.parametrize("path", sorted(ALL))
def test_no_help_paragraph_keeps_a_source_line_break(path: str) -> None:
    command = ALL[path]
    paragraphs = [p for text in (command.help or "", command.epilog or "")
                  for p in text.split("\n\n")]

    # A numbered or dashed list keeps its lines on purpose.
    broken = [p for p in paragraphs if "\n" in p
              and not any(re.match(r"(\d+\.|-) ", line) for line in p.splitlines())]
    assert broken == []


def wide_help(*args: str) -> str:
    """The help as a 200-column terminal shows it (Rich reads COLUMNS)."""
    result = CliRunner().invoke(app, [*args, "--help"], env={"COLUMNS": "200"})
    assert result.exit_code == 0, result.output
    return result.output


def test_a_later_paragraph_wraps_at_the_terminal_not_at_the_source() -> None:
    assert ("Set it once, the same on every instance and worker, before the first audit record "
            "is written: records keep the hash they were made with, so the key never changes."
            ) in wide_help("audit", "new-key")


def test_a_list_keeps_a_line_per_step() -> None:
    lines = [line.strip() for line in wide_help("keys", "rotate").splitlines()]
    assert "1. referraldesk keys generate: the new key" in lines
    assert "4. referraldesk keys rotate: safe to stop and run again" in lines
