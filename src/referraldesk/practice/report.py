"""What a load did: totals after it, and what it created, changed, removed or kept."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from referraldesk.models import (
    Appointment,
    Location,
    Patient,
    Plan,
    Provider,
    Referral,
    ReferringPractice,
    Service,
    Specialty,
)

TOTALS = {
    "locations": Location,
    "specialties": Specialty,
    "providers": Provider,
    "plans": Plan,
    "services": Service,
    "referring_practices": ReferringPractice,
    "patients": Patient,
    "appointments": Appointment,
    "referrals": Referral,
}


@dataclass
class LoadReport:
    source: str
    created: Counter[str] = field(default_factory=Counter)
    updated: Counter[str] = field(default_factory=Counter)
    removed: Counter[str] = field(default_factory=Counter)
    # NPIs of providers no longer listed but kept inactive (future bookings, history).
    deactivated: list[str] = field(default_factory=list)
    # Items the file no longer lists that could not be removed, each with the reason.
    kept: list[str] = field(default_factory=list)
    totals: dict[str, int] = field(default_factory=dict)

    @property
    def changes(self) -> int:
        return (
            sum(self.created.values())
            + sum(self.updated.values())
            + sum(self.removed.values())
            + len(self.deactivated)
        )

    def count_totals(self, session: Session) -> None:
        session.flush()
        for name, model in TOTALS.items():
            self.totals[name] = session.scalar(select(func.count()).select_from(model)) or 0
        self.totals["active_providers"] = (
            session.scalar(
                select(func.count()).select_from(Provider).where(Provider.active.is_(True))
            )
            or 0
        )

    def summary(self) -> str:
        """A few lines for a person: the totals, then what changed."""
        totals = self.totals
        lines = [
            f"{self.source}: {totals.get('locations', 0)} locations, "
            f"{totals.get('active_providers', 0)} providers, {totals.get('plans', 0)} plans, "
            f"{totals.get('services', 0)} services, {totals.get('patients', 0)} patients, "
            f"{totals.get('appointments', 0)} appointments, {totals.get('referrals', 0)} referrals",
            f"changes: {_counted('created', self.created)}; {_counted('updated', self.updated)}; "
            f"{_counted('removed', self.removed)}",
        ]
        lines += [
            f"deactivated provider {npi} (kept for its bookings and history)"
            for npi in self.deactivated
        ]
        lines += [f"kept {reason}" for reason in self.kept]
        return "\n".join(lines)


def _counted(verb: str, counter: Counter[str]) -> str:
    items = [f"{count} {name}" for name, count in sorted(counter.items()) if count]
    return f"{verb} " + (", ".join(items) if items else "nothing")
