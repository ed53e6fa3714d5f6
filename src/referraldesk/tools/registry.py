"""The registry of tools: each tool module registers its handlers with `@tool`."""

from __future__ import annotations

import inspect
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, get_type_hints

from sqlalchemy.orm import Session

from referraldesk.tools.contract import (
    ALL_TOOL_ROLES,
    PatientArgs,
    ToolArgs,
    ToolContext,
    ToolOutput,
)

Handler = Callable[[Session, ToolContext, Any], ToolOutput]


@dataclass(frozen=True)
class Tool:
    """One tool: its handler, input and output models, and who may call it."""

    name: str
    description: str
    args_model: type[ToolArgs]
    output_model: type[ToolOutput]
    handler: Handler
    roles: frozenset[str]
    # A write changes the practice's data: it honours idempotency keys.
    writes: bool

    @property
    def patient_scoped(self) -> bool:
        return issubclass(self.args_model, PatientArgs)

    def allows(self, role: str) -> bool:
        return role == "admin" or role in self.roles


_TOOLS: dict[str, Tool] = {}


def tool(
    *, roles: frozenset[str] = ALL_TOOL_ROLES, writes: bool = False
) -> Callable[[Handler], Handler]:
    """Register a handler `(session, ctx, args: ArgsModel) -> OutputModel`.

    The tool's name is the function's name and its description the docstring, which
    is what a language model reads: say units, defaults and what null means there.
    """

    def register(handler: Handler) -> Handler:
        hints = get_type_hints(handler)
        description = inspect.getdoc(handler)
        if not description:
            raise ValueError(f"tool {handler.__name__} needs a docstring: it is its description")
        _TOOLS[handler.__name__] = Tool(
            name=handler.__name__,
            # Unwrapped: a model reads one paragraph better than hard line breaks.
            description=" ".join(description.split()),
            args_model=hints["args"],
            output_model=hints["return"],
            handler=handler,
            roles=frozenset(roles),
            writes=writes,
        )
        return handler

    return register


def find(name: str) -> Tool | None:
    return _TOOLS.get(name)


def all_tools() -> list[Tool]:
    return list(_TOOLS.values())
