"""Small helpers the page queries share: local days as UTC bounds, names, cursors."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from referraldesk.clock import now
from referraldesk.errors import InvalidArgument

MAX_RANGE_DAYS = 366


def local_today(zone: str) -> date:
    return now().astimezone(ZoneInfo(zone)).date()


def day_bounds(first: date, last: date, zone: str) -> tuple[datetime, datetime]:
    """UTC instants from the start of `first` to the end of `last`, local days in `zone`.

    Midnight is placed with zoneinfo on each end, so a range over a DST change is
    23 or 25 hours longer or shorter, as the wall clock says.
    """
    tz = ZoneInfo(zone)
    start = datetime.combine(first, time.min, tz).astimezone(UTC)
    end = datetime.combine(last + timedelta(days=1), time.min, tz).astimezone(UTC)
    return start, end


def checked_range(first: date | None, last: date | None, *, default_days: int,
                  zone: str) -> tuple[date, date]:
    """The asked range, or the last `default_days` days; InvalidArgument when it is reversed
    or longer than a year."""
    end = last or local_today(zone)
    start = first or end - timedelta(days=default_days - 1)
    if start > end:
        raise InvalidArgument(f"the range starts {start} after it ends {end}; swap the dates",
                              field="from")
    if (end - start).days >= MAX_RANGE_DAYS:
        raise InvalidArgument(f"the range {start} to {end} is longer than {MAX_RANGE_DAYS} days; "
                              "choose a shorter one", field="to")
    return start, end


def person_name(given_names: str | None, surnames: list[str] | None) -> str:
    if given_names is None:
        return ""
    return " ".join([given_names, *(surnames or [])])


def encode_cursor(at: datetime, row_id: str) -> str:
    return f"{at.astimezone(UTC).strftime('%Y%m%dT%H%M%S.%fZ')}~{row_id}"


def decode_cursor(text: str | None) -> tuple[datetime, str] | None:
    """A keyset cursor "<instant>~<id>" back to its parts; None when there is none."""
    if not text:
        return None
    stamp, _, row_id = text.partition("~")
    try:
        at = datetime.strptime(stamp, "%Y%m%dT%H%M%S.%fZ").replace(tzinfo=UTC)
    except ValueError:
        at = None
    if at is None or not row_id:
        raise InvalidArgument(f"the page cursor {text[:60]!r} is not one this dashboard made; "
                              "start again from the first page", field="before")
    return at, row_id[:32]
