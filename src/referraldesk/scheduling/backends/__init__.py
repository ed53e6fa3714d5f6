"""The calendars the tools book through: built-in, or a FHIR R4 scheduling server."""

from referraldesk.scheduling.backends.base import CalendarBackend
from referraldesk.scheduling.backends.selection import calendar_for, forget_calendars

__all__ = ["CalendarBackend", "calendar_for", "forget_calendars"]
