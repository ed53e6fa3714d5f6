"""The guided brain's frame: what the caller has told us and where the dialogue stands.

The frame is the brain's whole memory between turns. It is stored as JSON in the
conversation (`ctx.state`), so any web instance can serve the next turn; dates and
times are kept as ISO strings for that reason. Unknown keys in a stored state are
ignored, so a frame written by an older version still loads.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field, fields
from typing import Any

# What a caller may want from a conversation, as the frame names it.
GOALS = ("book", "reschedule", "cancel", "appointments", "register", "decline")
# Goals that read or change the patient's record: identity comes first.
PATIENT_GOALS = frozenset({"book", "reschedule", "cancel", "appointments", "decline"})


@dataclass
class Frame:
    """The slots of one conversation, filled in any order, corrected at any time."""

    lang: str = "en"
    lang_locked: bool = False
    goal: str | None = None
    # What the last turn asked for, how many turns in a row asked it, and what a
    # yes or no answers now ("dob", "slot", "cancel", "decline", "handoff", "callback").
    awaiting: str = "none"
    ask_count: int = 0
    pending: str | None = None
    resume_awaiting: str | None = None

    # What the caller said.
    given: str | None = None
    surnames: list[str] = field(default_factory=list)
    dob: str | None = None
    dob_alternative: str | None = None
    dob_confirmed: bool = False
    phone: str | None = None
    plan: str | None = None
    plan_candidates: list[str] = field(default_factory=list)
    plan_unknown: bool = False
    specialty: str | None = None
    reason: str | None = None
    reason_asked: bool = False
    reason_retried: bool = False
    window: dict[str, Any] | None = None
    dates: list[str] = field(default_factory=list)
    # A span the caller named as a whole ("next week"): {"start": ISO, "end": ISO}.
    date_range: dict[str, str] | None = None
    any_time: bool = False
    appointment_dates: list[str] = field(default_factory=list)
    # Why a caller turns a referral down: "unwanted" or "elsewhere" (seen elsewhere).
    decline_why: str | None = None

    # What the practice told us.
    verified: bool = False
    patient_id: str | None = None
    failed_verifications: int = 0
    referrals_checked: bool = False
    referral: dict[str, Any] | None = None
    appointment: dict[str, Any] | None = None
    candidates: list[dict[str, Any]] = field(default_factory=list)
    offered: list[dict[str, Any]] = field(default_factory=list)
    shown: list[str] = field(default_factory=list)
    chosen: dict[str, Any] | None = None
    outcome: str | None = None
    # True once a staff task was opened: a conversation hands over once, never twice.
    transferred: bool = False
    # A hand-over waiting for a number to call back: {"reason", "key", "asks"}.
    callback: dict[str, Any] | None = None

    # The last agent turn, for "can you repeat that?".
    last_reply: dict[str, Any] | None = None

    @classmethod
    def load(cls, state: dict[str, Any] | None, default_lang: str) -> Frame:
        """Return the frame stored in `state`, or a fresh one in `default_lang`."""
        if not state:
            return cls(lang=default_lang if default_lang in ("en", "es") else "en")
        known = {f.name for f in fields(cls)}
        return cls(**{key: value for key, value in state.items() if key in known})

    def dump(self) -> dict[str, Any]:
        """Return the frame as a JSON-ready dict."""
        return asdict(self)

    @property
    def has_name(self) -> bool:
        return bool(self.given) and bool(self.surnames)

    @property
    def has_time_preference(self) -> bool:
        return self.any_time or bool(self.window) or bool(self.dates) or bool(self.date_range)

    def forget_identity(self) -> None:
        """Drop the name and date of birth after a failed lookup, to ask afresh."""
        self.given = None
        self.surnames = []
        self.dob = None
        self.dob_alternative = None
        self.dob_confirmed = False

    def start_goal(self, goal: str) -> None:
        """Switch to a new goal, keeping identity but not the last goal's choices."""
        self.goal = goal
        self.appointment = None
        self.candidates = []
        self.offered = []
        self.shown = []
        self.chosen = None
        self.pending = None
        self.window = None
        self.dates = []
        self.date_range = None
        self.any_time = False
        self.specialty = None
        self.appointment_dates = []

    def clear_time_preference(self) -> None:
        self.window = None
        self.dates = []
        self.date_range = None
        self.any_time = False
