"""What every calendar we serve shares: the product id, the zones, the content type."""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

from icalendar import Calendar, Event

from referraldesk.clock import now

MEDIA_TYPE = "text/calendar; charset=utf-8"
PRODUCT_ID = "-//referraldesk//calendar feeds//EN"


def new_calendar(name: str) -> Calendar:
    calendar = Calendar()
    calendar.add("prodid", PRODUCT_ID)
    calendar.add("version", "2.0")
    calendar.add("calscale", "GREGORIAN")
    calendar.add("x-wr-calname", name)
    return calendar


def new_event(uid: str, start: datetime, end: datetime, zone: str, summary: str) -> Event:
    """An event whose times carry the site's TZID (local wall time, as calendars show it)."""
    event = Event()
    event.add("uid", uid)
    event.add("dtstamp", now())
    event.add("dtstart", start.astimezone(ZoneInfo(zone)))
    event.add("dtend", end.astimezone(ZoneInfo(zone)))
    event.add("summary", summary)
    return event


def finish(calendar: Calendar) -> bytes:
    """The calendar as bytes, with a VTIMEZONE for every TZID its events use."""
    calendar.add_missing_timezones()
    return calendar.to_ical()
