"""The simulated caller: answers each agent turn by what the agent is awaiting.

It follows no fixed script. Words come from the case's `says` for that thing, or,
when the case gives none, from the caller's facts in a plain form. A slot is chosen
among the options offered (`first`, `first_fitting`, `none_fit`, or literal words).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from referraldesk.conversation.turn import AgentTurn, Option
from referraldesk.simulation import phrasing
from referraldesk.simulation.cases import AppointmentExpectation, CallerCase

_WEEKDAY_KEYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")


@dataclass
class SimulatedCaller:
    case: CallerCase
    specialty_label: str | None = None  # the referral's specialty in the caller's words

    def opening(self) -> str:
        return self.case.says["opening"]

    def answer(self, turn: AgentTurn) -> str | None:
        """What the caller says next; None when it has nothing to say and hangs up."""
        awaiting = turn.awaiting
        if awaiting == "slot_choice":
            return self._slot_choice(turn.options)
        said = self.case.says.get(awaiting)
        if said is not None:
            return said
        from_facts = self._from_facts(awaiting)
        if from_facts is not None:
            return from_facts
        return self.case.says.get("other")

    def _from_facts(self, awaiting: str) -> str | None:
        language = self.case.caller_language
        patient = self.case.patient
        if awaiting == "name" and patient is not None:
            return " ".join([patient.given, *patient.surnames])
        if awaiting == "dob" and patient is not None:
            return phrasing.plain_date(patient.dob, language)
        if awaiting == "phone" and self.case.phone:
            return phrasing.plain_phone(self.case.phone)
        if awaiting == "plan" and patient is not None:
            return patient.plan
        if awaiting == "specialty" and self.specialty_label:
            return self.specialty_label
        if awaiting == "reason" and self.case.referral is not None:
            return self.case.referral.reason
        if awaiting in phrasing.DEFAULTS:
            return phrasing.DEFAULTS[awaiting][language]
        if awaiting == "none" and "other" not in self.case.says and self.specialty_label:
            # An open "how can I help?": say again what the call is about.
            return phrasing.restate_referral(self.specialty_label, language)
        return None

    def _slot_choice(self, options: list[Option]) -> str:
        rule = self.case.says.get("slot_choice", "first_fitting")
        language = self.case.caller_language
        dated = [o for o in options if o.start]
        if rule not in ("first", "first_fitting", "none_fit"):
            return rule
        if not dated:
            return self.case.says.get("other") or phrasing.DEFAULTS["no_options"][language]
        if rule == "none_fit":
            return self.case.says.get("other") or phrasing.DEFAULTS["none_fit"][language]
        wanted = self.case.expect.appointment
        chosen = (
            dated[0]
            if rule == "first"
            else next((o for o in dated if option_fits(o, wanted)), None)
        )
        if chosen is None:
            return self.case.says.get("other") or phrasing.DEFAULTS["none_fit"][language]
        return name_option(chosen, dated, language)


def option_start(option: Option) -> datetime:
    """The option's local start (its ISO time carries the site's offset)."""
    return datetime.fromisoformat(str(option.start))


def option_fits(option: Option, wanted: AppointmentExpectation | None) -> bool:
    """Whether an offered slot meets the case's expected appointment."""
    if wanted is None:
        return True
    start = option_start(option)
    if wanted.specialty and option.specialty and option.specialty != wanted.specialty:
        return False
    if wanted.local_start_before and not start.time() < wanted.local_start_before:
        return False
    if wanted.local_start_after and not start.time() >= wanted.local_start_after:
        return False
    return not (wanted.weekday_in and _WEEKDAY_KEYS[start.weekday()] not in wanted.weekday_in)


def name_option(chosen: Option, offered: list[Option], language: str) -> str:
    """Weekday and time; the date too when another offered slot has the same weekday and time."""
    start = option_start(chosen)
    same = [
        o for o in offered if o is not chosen and _weekday_and_time(o) == _weekday_and_time(chosen)
    ]
    return phrasing.slot_phrase(start, language, with_date=bool(same))


def _weekday_and_time(option: Option) -> tuple[int, int, int]:
    start = option_start(option)
    return start.weekday(), start.hour, start.minute
