"""The secret token of each provider's feed URL: shown again on request, rotated on demand.

The token is an HMAC of the provider id and a generation number, so it can be shown
again without being stored; the table keeps the generation and the token's SHA-256
for the lookup. Rotating bumps the generation: the old URL stops working at once.
"""

from __future__ import annotations

import hashlib

from sqlalchemy import select
from sqlalchemy.orm import Session

from referraldesk.audit.trail import Actor, record
from referraldesk.calendar_feeds.signing import mac
from referraldesk.clock import now
from referraldesk.errors import NotFound
from referraldesk.models import CalendarFeed, Provider
from referraldesk.settings import get_settings

PURPOSE = "provider-calendar-feed"


def feed_url(session: Session, actor: Actor, provider_id: str, *, rotate: bool = False) -> str:
    """The provider's feed URL, created on first use; with `rotate`, a new one."""
    provider = session.get(Provider, provider_id)
    if provider is None:
        raise NotFound(f"no provider with id {provider_id!r}; `referraldesk slots` and "
                       "GET /api/providers list them", field="provider_id")
    feed = session.get(CalendarFeed, provider.id)
    if feed is None:
        feed = CalendarFeed(provider_id=provider.id, generation=1, created_at=now())
        session.add(feed)
    elif rotate:
        feed.generation += 1
        feed.rotated_at = now()
    token = _token(provider.id, feed.generation)
    feed.token_hash = _hash(token)
    session.flush()
    if rotate or feed.generation == 1:
        record(session, actor, "update" if rotate else "create", "calendar_feed", provider.id,
               reason="feed URL rotated" if rotate else "feed URL created")
    return f"{get_settings().public_url.rstrip('/')}/calendar/{token}.ics"


def provider_for_token(session: Session, token: str) -> Provider | None:
    """The provider whose current feed token this is; None for any other string."""
    feed = session.scalar(select(CalendarFeed).where(CalendarFeed.token_hash == _hash(token)))
    return session.get(Provider, feed.provider_id) if feed is not None else None


def _token(provider_id: str, generation: int) -> str:
    return mac(PURPOSE, f"{provider_id}:{generation}", length=40)


def _hash(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8")).hexdigest()
