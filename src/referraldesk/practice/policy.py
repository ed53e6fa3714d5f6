"""The practice's policy as typed values, for code that would rather not read JSON keys."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from referraldesk.models import Practice
from referraldesk.practice.schema import PracticePolicy


def current_policy(session: Session) -> PracticePolicy:
    """The loaded practice's policy; the defaults when no practice is configured yet."""
    policy = session.scalar(select(Practice.policy).order_by(Practice.id).limit(1))
    return PracticePolicy.model_validate(policy or {})
