"""Structured logging: stable event names and ids, never patient data.

Log lines carry ids (`conversation_id=`, `referral_id=`, `tool=`) and outcomes only.
Names, dates of birth, phone numbers, tool arguments and transcript text stay out of
the logs; `tests/test_no_phi_in_logs.py` plays a whole booking and scans for them.
"""

from __future__ import annotations

import logging
import sys
from typing import Any

import structlog

_configured = False


def configure_logging(level: str = "INFO", json: bool = True) -> None:
    global _configured
    processors: list[Any] = [
        structlog.contextvars.merge_contextvars,
        structlog.processors.add_log_level,
        structlog.processors.TimeStamper(fmt="iso", utc=True),
    ]
    renderer: Any = (
        structlog.processors.JSONRenderer() if json else structlog.dev.ConsoleRenderer(colors=False)
    )
    structlog.configure(
        processors=[*processors, renderer],
        wrapper_class=structlog.make_filtering_bound_logger(logging.getLevelName(level.upper())),
        logger_factory=_StderrLogger,
        cache_logger_on_first_use=False,
    )
    _configured = True


class _StderrLogger:
    """Writes each line to whatever sys.stderr is at that moment.

    Binding the stream once, at configuration, breaks when a test runner or a
    command swaps stderr and closes the old one: every later log line would fail.
    """

    def __init__(self, *_args: Any) -> None:
        return None

    def msg(self, message: str) -> None:
        print(message, file=sys.stderr, flush=True)

    log = debug = info = warning = warn = error = critical = exception = fatal = msg


def get_logger(name: str) -> Any:
    return structlog.get_logger(name)
