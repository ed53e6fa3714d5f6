"""Which calendar the practice books into, from `practice.policy.scheduling`.

The FHIR calendar keeps what is worth keeping between calls (the server's
Schedules, its access token, its HTTP connections), so one is made per distinct
configuration and reused.
"""

from __future__ import annotations

import json
import threading
from typing import Any

import httpx
from pydantic import ValidationError
from sqlalchemy import select
from sqlalchemy.orm import Session

from referraldesk.errors import InvalidArgument
from referraldesk.models import Practice
from referraldesk.practice.schema import SchedulingConfig
from referraldesk.scheduling.backends.base import CalendarBackend
from referraldesk.scheduling.backends.builtin import BuiltinCalendar
from referraldesk.scheduling.backends.fhir_auth import auth_from_config
from referraldesk.scheduling.backends.fhir_calendar import FhirCalendar
from referraldesk.scheduling.backends.fhir_http import FhirHttp

BUILTIN = BuiltinCalendar()
_made: dict[str, FhirCalendar] = {}
_lock = threading.Lock()


def calendar_for(session: Session) -> CalendarBackend:
    """The practice's calendar; the built-in one unless the config names another."""
    policy = session.scalar(select(Practice.policy).order_by(Practice.id).limit(1)) or {}
    raw = policy.get("scheduling") if isinstance(policy, dict) else None
    if not raw or raw.get("backend", "builtin") == "builtin":
        return BUILTIN
    key = json.dumps(raw, sort_keys=True)
    with _lock:
        calendar = _made.get(key)
        if calendar is None:
            calendar = _made[key] = fhir_calendar(_config(raw))
    return calendar


def fhir_calendar(
    config: SchedulingConfig,
    *,
    transport: httpx.BaseTransport | None = None,
    backoff_seconds: float = 0.2,
) -> FhirCalendar:
    assert config.base_url is not None
    auth = auth_from_config(config.auth, timeout_seconds=config.timeout_seconds)
    http = FhirHttp(
        config.base_url,
        auth=auth,
        timeout_seconds=config.timeout_seconds,
        retries=config.retries,
        backoff_seconds=backoff_seconds,
        transport=transport,
    )
    return FhirCalendar(http)


def forget_calendars() -> None:
    """Drop the made calendars (after a config change, and between tests)."""
    with _lock:
        for calendar in _made.values():
            calendar.http.close()
        _made.clear()


def _config(raw: dict[str, Any]) -> SchedulingConfig:
    try:
        return SchedulingConfig.model_validate(raw)
    except ValidationError as exc:
        problems = "; ".join(
            f"scheduling.{'.'.join(str(p) for p in error['loc'])}: {error['msg']}"
            for error in exc.errors()
        )
        raise InvalidArgument(f"practice config: {problems}", field="policy.scheduling") from None
