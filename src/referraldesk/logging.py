"""Structured logging: stable event names and ids, never patient data.

Log lines carry ids (`conversation_id=`, `referral_id=`, `tool=`) and outcomes only.
Names, dates of birth, phone numbers, tool arguments and transcript text stay out of
the logs; `tests/test_no_phi_in_logs.py` plays whole conversations and scans for them.

Tracebacks are where patient data slips in unasked: an exception's message quotes the
value it choked on (pydantic prints the input, a parser the text), and a pretty
printer shows every frame's local variables (structlog's console renderer does, with
rich installed). So every traceback we write, ours and the ones uvicorn and huey log,
keeps its frames (file, line, code) and the exception's type, and leaves out the
message and the locals.
"""

from __future__ import annotations

import logging
import sys
import traceback
from typing import Any, TextIO

import structlog

_configured = False

# Loggers of libraries that log the exceptions our code raised inside them: uvicorn
# an unhandled one in a route, huey one in a job.
_LIBRARY_LOGGERS = ("uvicorn.error", "huey")


def configure_logging(level: str = "INFO", json: bool = True) -> None:
    global _configured
    processors: list[Any] = [
        structlog.contextvars.merge_contextvars,
        structlog.processors.add_log_level,
        structlog.processors.TimeStamper(fmt="iso", utc=True),
        _exception_without_values,
    ]
    renderer: Any = (
        structlog.processors.JSONRenderer()
        if json
        else structlog.dev.ConsoleRenderer(colors=False, exception_formatter=_write_traceback)
    )
    structlog.configure(
        processors=[*processors, renderer],
        wrapper_class=structlog.make_filtering_bound_logger(logging.getLevelName(level.upper())),
        logger_factory=_StderrLogger,
        cache_logger_on_first_use=False,
    )
    _strip_values_from_library_tracebacks()
    _configured = True


def traceback_without_values(error: BaseException) -> str:
    """`error`'s traceback, its causes' too: frames and exception types, no messages or locals."""
    chain: list[BaseException] = []
    current: BaseException | None = error
    while current is not None and all(current is not seen for seen in chain):
        chain.append(current)
        context = None if current.__suppress_context__ else current.__context__
        current = current.__cause__ or context
    parts: list[str] = []
    for position, link in enumerate(reversed(chain)):
        if position:
            parts.append("\nDuring or because of the exception above, another one:\n\n")
        parts.append("Traceback (most recent call last; messages and values left out):\n")
        parts.extend(traceback.extract_tb(link.__traceback__).format())
        parts.append(_type_name(link) + "\n")
    return "".join(parts).rstrip("\n")


def _type_name(error: BaseException) -> str:
    kind = type(error)
    if kind.__module__ == "builtins":
        return kind.__qualname__
    return f"{kind.__module__}.{kind.__qualname__}"


def _exception_without_values(_logger: Any, _method: str, event: dict[str, Any]) -> dict[str, Any]:
    # Replaces `exc_info` (log.exception, exc_info=True) before any renderer sees it.
    error = _exception_of(event.pop("exc_info", None))
    if error is not None:
        event["exception"] = traceback_without_values(error)
    return event


def _exception_of(exc_info: Any) -> BaseException | None:
    if isinstance(exc_info, BaseException):
        return exc_info
    if isinstance(exc_info, tuple) and len(exc_info) == 3:
        return exc_info[1]  # type: ignore[no-any-return]
    if exc_info:
        return sys.exc_info()[1]
    return None


def _write_traceback(stream: TextIO, exc_info: Any) -> None:
    # The console renderer's own formatter is rich's, with every frame's locals; the
    # processor above leaves it nothing to format, and this stands in if that changes.
    error = _exception_of(exc_info)
    if error is not None:
        stream.write("\n" + traceback_without_values(error))


class _TracebackWithoutValues(logging.Filter):
    """Gives a standard-library record the same traceback as ours, before any handler."""

    def filter(self, record: logging.LogRecord) -> bool:
        if record.exc_info and record.exc_info[1] is not None:
            record.exc_text = traceback_without_values(record.exc_info[1])
            record.exc_info = None
        return True


def _strip_values_from_library_tracebacks() -> None:
    # A logger's filter sees only records made on that logger; records that reach the
    # root with no handler go to logging.lastResort. uvicorn replaces its handlers when
    # it starts, not the filters of its loggers.
    targets: list[logging.Filterer] = [logging.getLogger(name) for name in _LIBRARY_LOGGERS]
    targets += logging.getLogger().handlers
    if logging.lastResort is not None:
        targets.append(logging.lastResort)
    for target in targets:
        if not any(isinstance(existing, _TracebackWithoutValues) for existing in target.filters):
            target.addFilter(_TracebackWithoutValues())


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
