"""Is anyone at the front desk now? Office hours, closures and the coverage mode.

The desk counts as open when any site is open: the staff line is shared by the sites.
Each site's hours are in its own zone, so the instant is read in that zone, not the
practice's (a site across a zone line opens at its own 08:00).
"""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

from sqlalchemy import or_, select
from sqlalchemy.orm import Session

from referraldesk.models import Closure, Location, OfficeHours, Practice


def desk_open(session: Session, at: datetime) -> bool:
    """Whether any site is open at the aware instant `at` (closures honoured)."""
    return any(_site_open(session, site, at) for site in session.scalars(select(Location)))


def staff_line(session: Session) -> str | None:
    """The number calls are transferred to, if the practice set one."""
    return session.scalar(select(Practice.staff_phone).limit(1))


def staff_take_calls_now(session: Session, at: datetime) -> bool:
    """Coverage `after_hours`: staff answer in office hours and the agent the rest."""
    mode = session.scalar(select(Practice.coverage_mode).limit(1))
    return mode == "after_hours" and staff_line(session) is not None and desk_open(session, at)


def _site_open(session: Session, site: Location, at: datetime) -> bool:
    local = at.astimezone(ZoneInfo(site.timezone))
    if _closed_on(session, site, local):
        return False
    hours = session.scalars(
        select(OfficeHours).where(
            OfficeHours.location_id == site.id, OfficeHours.weekday == local.weekday()
        )
    )
    moment = local.time().replace(tzinfo=None)
    return any(span.opens <= moment < span.closes for span in hours)


def _closed_on(session: Session, site: Location, local: datetime) -> bool:
    day = local.date()
    closure = session.scalar(
        select(Closure.id)
        .where(
            Closure.starts_on <= day,
            Closure.ends_on >= day,
            or_(Closure.location_id.is_(None), Closure.location_id == site.id),
        )
        .limit(1)
    )
    return closure is not None
