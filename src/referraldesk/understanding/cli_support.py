"""The `referraldesk understand` command's work, kept apart from the CLI wiring."""

from __future__ import annotations

import json
from collections.abc import Iterable, Iterator
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from .engine import understand

DEFAULT_ZONE = ZoneInfo("America/Los_Angeles")


def _now(now_iso: str | None) -> datetime:
    if not now_iso:
        return datetime.now(DEFAULT_ZONE)
    moment = datetime.fromisoformat(now_iso)
    # A clock without an offset is the site's local time, as the caller cases write it.
    return moment if moment.tzinfo else moment.replace(tzinfo=DEFAULT_ZONE)


def understand_json(
    text: str, lang: str | None = None, now_iso: str | None = None, awaiting: str | None = None
) -> dict[str, Any]:
    """Return the understanding of one turn as the API's JSON object."""
    return understand(text, now=_now(now_iso), lang=lang, awaiting=awaiting).model_dump()


def understand_batch(
    lines: Iterable[str],
    lang: str | None = None,
    now_iso: str | None = None,
    awaiting: str | None = None,
) -> Iterator[dict[str, Any]]:
    """Yield one result per input line, in order.

    A line is one utterance in plain text, understood with `lang`, `now_iso` and
    `awaiting`; a line starting with `{` is a JSON object `{text, lang?, now?, awaiting?}`
    whose fields win over those. A line that cannot be read yields `{"error": "..."}`
    naming the line and the problem, so one bad line never stops a batch. Blank lines
    are skipped.
    """
    for number, line in enumerate(lines, start=1):
        if not line.strip():
            continue
        try:
            if line.lstrip().startswith("{"):
                yield _one(line, lang, now_iso, awaiting)
            else:
                yield understand_json(line.strip(), lang, now_iso, awaiting)
        except (ValueError, TypeError, KeyError) as problem:
            yield {"error": f"line {number}: {problem}"}


def _one(
    line: str, lang: str | None, now_iso: str | None, awaiting: str | None
) -> dict[str, Any]:
    item = json.loads(line)
    if not isinstance(item, dict):
        raise TypeError("expected a JSON object with a 'text' field")
    text = item.get("text")
    if not isinstance(text, str):
        raise TypeError("'text' must be a string")
    return understand_json(
        text,
        item.get("lang", lang),
        item.get("now", now_iso),
        item.get("awaiting", awaiting),
    )
