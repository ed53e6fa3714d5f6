"""Which role may see and do what on each dashboard page: the one table to read.

`view` opens the page; `act` submits its forms. Each page's routes name their page
here, so the navigation, the routes and the access tests all read the same table.
"""

from __future__ import annotations

from dataclasses import dataclass

ADMIN, STAFF, COORDINATOR, AUDITOR = "admin", "staff", "coordinator", "auditor"
EVERYONE = frozenset({ADMIN, STAFF, COORDINATOR, AUDITOR})
DESK = frozenset({ADMIN, STAFF, COORDINATOR})


@dataclass(frozen=True)
class Page:
    key: str
    label: str
    path: str
    view: frozenset[str]
    act: frozenset[str]


PAGES: tuple[Page, ...] = (
    Page("today", "Today", "/admin/today", DESK, DESK),
    # Not the auditor: transcripts are what patients said; the audit trail shows who read
    # them without the words (HIPAA minimum necessary).
    Page("conversations", "Conversations", "/admin/conversations", DESK, frozenset()),
    Page("referrals", "Referrals", "/admin/referrals", DESK, frozenset({ADMIN, COORDINATOR})),
    Page("intake", "Intake", "/admin/intake", frozenset({ADMIN, COORDINATOR}),
         frozenset({ADMIN, COORDINATOR})),
    Page("numbers", "Numbers", "/admin/numbers", EVERYONE, frozenset()),
    Page("schedule", "Schedule", "/admin/schedule", DESK, frozenset()),
    Page("practice", "Practice", "/admin/practice", DESK, frozenset({ADMIN})),
    Page("patients", "Patients", "/admin/patients", DESK, frozenset()),
    # The request log with its 45-day deadlines; the actions are on each patient's record,
    # authorized by `rights.permissions`.
    Page("rights", "Data rights", "/admin/rights", frozenset({ADMIN, STAFF}), frozenset()),
    Page("audit", "Audit", "/admin/audit", frozenset({ADMIN, AUDITOR}),
         frozenset({ADMIN, AUDITOR})),
)
BY_KEY = {page.key: page for page in PAGES}


def may(role: str, page: str, action: str = "view") -> bool:
    """True when `role` may `view` the page or `act` on it."""
    entry = BY_KEY[page]
    return role in (entry.view if action == "view" else entry.act)


def pages_for(role: str) -> list[Page]:
    return [page for page in PAGES if role in page.view]


def home_for(role: str) -> str:
    """Where a user lands after signing in: their first page."""
    pages = pages_for(role)
    return pages[0].path if pages else "/admin/login"
