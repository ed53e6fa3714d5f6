"""JSON schemas of the tools, in the form OpenAI-style function calling takes as is.

Strict-friendly: every object lists all its properties as required and forbids
others, optional values are nullable (the description says what null means), and
nested models are inlined, so no `$ref` or `$defs` remain.
"""

from __future__ import annotations

import copy
from typing import Any

from referraldesk.tools.contract import PRIVILEGED_ROLES
from referraldesk.tools.registry import Tool

# Noise for a model, and `default` is not allowed in strict mode.
_DROPPED_KEYS = ("title", "default")


def function_schema(tool: Tool, role: str = "agent") -> dict[str, Any]:
    """One tool as `{"type": "function", "function": {name, description, parameters}}`."""
    return {
        "type": "function",
        "function": {
            "name": tool.name,
            "description": tool.description,
            "strict": True,
            "parameters": parameters_schema(tool, role),
        },
    }


def parameters_schema(tool: Tool, role: str = "agent") -> dict[str, Any]:
    """The JSON schema of a tool's arguments as `role` may send them.

    `patient_id` appears only for staff and integration roles: the agent acts on the
    patient verified in its conversation and cannot name another.
    """
    raw = tool.args_model.model_json_schema()
    definitions = raw.pop("$defs", {})
    schema = _normalize(_inline(raw, definitions))
    if role not in PRIVILEGED_ROLES:
        schema["properties"].pop("patient_id", None)
        schema["required"] = [name for name in schema["required"] if name != "patient_id"]
    return schema


def _inline(node: Any, definitions: dict[str, Any]) -> Any:
    if isinstance(node, dict):
        if "$ref" in node:
            target = copy.deepcopy(definitions[node["$ref"].rsplit("/", 1)[-1]])
            siblings = {key: value for key, value in node.items() if key != "$ref"}
            return _inline({**target, **siblings}, definitions)
        return {key: _inline(value, definitions) for key, value in node.items()}
    if isinstance(node, list):
        return [_inline(item, definitions) for item in node]
    return node


def _normalize(node: Any) -> Any:
    if isinstance(node, list):
        return [_normalize(item) for item in node]
    if not isinstance(node, dict):
        return node
    result: dict[str, Any] = {}
    for key, value in node.items():
        if key in _DROPPED_KEYS:
            continue
        if key == "properties":
            # Property names are data here, not keywords: a property may be called "title".
            result[key] = {name: _normalize(prop) for name, prop in value.items()}
        else:
            result[key] = _normalize(value)
    if result.get("type") == "object" and "properties" in result:
        result["required"] = list(result["properties"])
        result["additionalProperties"] = False
    return result
