"""Problems found in a practice file, and the error that carries all of them at once."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace

from referraldesk.errors import InvalidArgument

Path = tuple[str | int, ...]


@dataclass(frozen=True)
class Problem:
    """One mistake: where in the file (`providers[3].blocks[1].end`), what, and its line.

    `plain` says the same without the file's keys and paths ("Saturday block 07:00-12:00
    is outside Visalia's hours 08:00-11:00"), for people who edit the practice on the
    dashboard and never see the file; `plain.describe` adds whose it is.
    """

    path: Path
    message: str
    line: int | None = None
    plain: str | None = None

    @property
    def where(self) -> str:
        return format_path(self.path)

    def render(self, source: str) -> str:
        """`FILE: path: reason`, with the line appended when the loader knew it."""
        line = f" (line {self.line})" if self.line else ""
        return f"{source}: {self.where}: {self.message}{line}"


def format_path(path: Path) -> str:
    text = ""
    for part in path:
        if isinstance(part, int):
            text += f"[{part}]"
        else:
            text += f".{part}" if text else str(part)
    return text or "(file)"


def prefixed(prefix: Path, problems: Sequence[Problem]) -> list[Problem]:
    return [replace(problem, path=(*prefix, *problem.path)) for problem in problems]


class ConfigError(InvalidArgument):
    """The practice file has mistakes; nothing was applied. `problems` lists every one."""

    def __init__(self, source: str, problems: Sequence[Problem]):
        self.source = source
        self.problems = list(problems)
        count = len(self.problems)
        summary = f"{source}: {count} problem{'s' if count != 1 else ''}, nothing was applied"
        super().__init__("\n".join([summary, *self.lines()]), field=self.problems[0].where)

    def lines(self) -> list[str]:
        return [problem.render(self.source) for problem in self.problems]
