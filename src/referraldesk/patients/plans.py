"""Reading a health plan from what a caller or a form says ("Medi-Cal de Anthem").

Plans are compared by folded words (rapidfuzz token_set_ratio against each plan's
name, aliases and key), so word order, accents, filler words and a missing word do
not matter. A name that fits two plans equally well ("Medi-Cal" when the practice
takes two Medi-Cal plans) is Ambiguous and lists them, so the agent can ask which.
"""

from __future__ import annotations

import re

from rapidfuzz import fuzz
from sqlalchemy import select
from sqlalchemy.orm import Session

from referraldesk.errors import Ambiguous, InvalidArgument, NotFound
from referraldesk.models import Patient, Plan
from referraldesk.patients.names import fold

# token_set_ratio, 0-100. 85 keeps "Medicare" (80 against "Medi-Cal") apart from
# the Medi-Cal plans while accepting a dropped or misspelled word.
PLAN_MATCH_THRESHOLD = 85
# Plans within this many points of the best are as good as the best: ask which.
PLAN_TIE_MARGIN = 5

_FILLER = frozenset(
    {
        "de",
        "del",
        "la",
        "el",
        "mi",
        "my",
        "the",
        "plan",
        "insurance",
        "seguro",
        "aseguranza",
        "con",
        "with",
        "tengo",
        "i",
        "have",
        "es",
        "is",
        "it",
        "por",
        "medio",
        "through",
    }
)
# Callers write Medi-Cal as "MediCal", "Medi Cal", "Medical": one word for all.
_JOINED = ((re.compile(r"\bmedi cal\b"), "medical"), (re.compile(r"\bmedi care\b"), "medicare"))
_SELF_PAY = (
    "self pay",
    "selfpay",
    "cash",
    "no insurance",
    "uninsured",
    "none",
    "private pay",
    "sin seguro",
    "no tengo seguro",
    "no tengo aseguranza",
    "pago en efectivo",
    "efectivo",
    "pago propio",
    "particular",
    "ninguno",
    "ninguna",
)
_SELF_PAY_FOLDED = frozenset(fold(phrase) for phrase in _SELF_PAY)


def resolve_plan(session: Session, text: str) -> Plan:
    """Return the plan `text` names, loosely matched; NotFound or Ambiguous otherwise."""
    words = plan_words(text)
    if not words:
        raise InvalidArgument("no plan given: send the plan's name, or 'self pay'", field="plan")
    plans = list(session.scalars(select(Plan).order_by(Plan.name)).all())
    if _says_self_pay(text):
        return _self_pay_plan(plans, text)
    exact = [plan for plan in plans if words in _plan_names(plan)]
    if len(exact) == 1:
        return exact[0]
    return _best_plan(plans, words, text)


def primary_plan(patient: Patient) -> Plan | None:
    """Return the plan of the patient's primary coverage (else the first one), or None."""
    coverages = sorted(patient.coverages, key=lambda coverage: not coverage.is_primary)
    return coverages[0].plan if coverages else None


def plan_words(text: str) -> str:
    """Fold a plan name and drop filler words: "Medi-Cal de Anthem" -> "medical anthem"."""
    folded = fold(text or "")
    for pattern, joined in _JOINED:
        folded = pattern.sub(joined, folded)
    return " ".join(word for word in folded.split() if word not in _FILLER)


def _plan_names(plan: Plan) -> set[str]:
    names = [plan.name, plan.key.replace("_", " "), *(plan.aliases or [])]
    return {plan_words(name) for name in names} - {""}


def _says_self_pay(text: str) -> bool:
    return fold(text) in _SELF_PAY_FOLDED


def _self_pay_plan(plans: list[Plan], text: str) -> Plan:
    for plan in plans:
        if plan.kind == "self_pay":
            return plan
    raise NotFound(
        f"{text!r} means paying without insurance, and this practice has no self-pay plan "
        "set up; add one (kind self_pay) to the practice file or ask for a plan",
        field="plan",
    )


def _best_plan(plans: list[Plan], words: str, text: str) -> Plan:
    scored = sorted(
        (
            (max(fuzz.token_set_ratio(words, name) for name in _plan_names(plan)), plan)
            for plan in plans
        ),
        key=lambda pair: pair[0],
        reverse=True,
    )
    fitting = [(score, plan) for score, plan in scored if score >= PLAN_MATCH_THRESHOLD]
    if not fitting:
        taken = ", ".join(plan.name for plan in plans) or "none configured"
        raise NotFound(
            f"no plan taken here matches {text!r}; the plans taken are: {taken}", field="plan"
        )
    best_score = fitting[0][0]
    tied = [plan for score, plan in fitting if best_score - score < PLAN_TIE_MARGIN]
    if len(tied) > 1:
        raise Ambiguous(
            f"{text!r} fits more than one plan: {', '.join(plan.name for plan in tied)}; "
            "ask which one is on the card",
            field="plan",
        )
    return fitting[0][1]
