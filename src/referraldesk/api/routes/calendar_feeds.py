"""Calendar feeds: `GET /calendar/{token}.ics` (a provider's schedule, secret URL) and
`GET /calendar/appointments/{signed}.ics` (a patient's booking, signed expiring link).

Neither takes a bearer token: calendar apps cannot send one, so the URL is the
secret. A wrong, rotated, altered or expired one is a plain 404, the same for all,
so the answer tells a guesser nothing.
"""

from __future__ import annotations

from fastapi import APIRouter
from fastapi.responses import Response

from referraldesk.api.deps import DbSession
from referraldesk.calendar_feeds.confirmation import appointment_for_link, confirmation_ics
from referraldesk.calendar_feeds.ics import MEDIA_TYPE
from referraldesk.calendar_feeds.provider_feed import provider_feed
from referraldesk.calendar_feeds.tokens import provider_for_token
from referraldesk.errors import NotFound

router = APIRouter(tags=["calendar"])
# Feeds hold schedules: no shared cache may keep them.
_NO_STORE = {"cache-control": "private, no-store"}


@router.get("/calendar/appointments/{signed}.ics")
def appointment_calendar(signed: str, session: DbSession) -> Response:
    """One appointment as .ics, for the patient's own calendar."""
    appointment = appointment_for_link(session, signed)
    if appointment is None:
        raise NotFound("no appointment at this link; it may have expired", field="link")
    return Response(confirmation_ics(session, appointment), media_type=MEDIA_TYPE,
                    headers={**_NO_STORE,
                             "content-disposition": 'attachment; filename="appointment.ics"'})


@router.get("/calendar/{token}.ics")
def provider_calendar(token: str, session: DbSession) -> Response:
    """A provider's schedule as an iCalendar feed, read-only."""
    provider = provider_for_token(session, token)
    if provider is None:
        raise NotFound("no calendar feed at this address", field="token")
    return Response(provider_feed(session, provider), media_type=MEDIA_TYPE, headers=_NO_STORE)
