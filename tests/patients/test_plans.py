from __future__ import annotations

import pytest
from sqlalchemy import delete
from sqlalchemy.orm import Session

from referraldesk.errors import Ambiguous, InvalidArgument, NotFound
from referraldesk.models import Plan
from referraldesk.patients.plans import plan_words
from referraldesk.patients.service import resolve_plan


class TestResolvePlan:
    @pytest.mark.parametrize(
        ("text", "key"),
        [
            ("Anthem Blue Cross Medi-Cal", "anthem_medi_cal"),
            ("Medi-Cal de Anthem", "anthem_medi_cal"),
            ("anthem medical", "anthem_medi_cal"),
            ("MediCal Anthem", "anthem_medi_cal"),
            ("Blue Cross", "anthem_medi_cal"),
            ("Health Net", "health_net_medi_cal"),
            ("Helth Net Medi-Cal", "health_net_medi_cal"),
            ("Health Net Community Solutions", "health_net_medi_cal"),
            ("Medicare", "medicare"),
            ("medicare", "medicare"),
        ],
    )
    def test_it_reads_a_plan_loosely(
        self, session: Session, plans: dict[str, Plan], text: str, key: str
    ) -> None:
        assert resolve_plan(session, text).key == key

    @pytest.mark.parametrize("text", ["Medi-Cal", "medi cal", "Medical", "mi Medi-Cal"])
    def test_it_asks_which_medi_cal_plan(
        self, session: Session, plans: dict[str, Plan], text: str
    ) -> None:
        with pytest.raises(Ambiguous) as caught:
            resolve_plan(session, text)

        assert "Anthem Blue Cross Medi-Cal" in caught.value.message
        assert "Health Net Medi-Cal" in caught.value.message
        assert "Medicare" not in caught.value.message

    @pytest.mark.parametrize(
        "text", ["self pay", "Self-pay", "cash", "no insurance", "sin seguro", "No tengo seguro"]
    )
    def test_it_reads_paying_without_insurance(
        self, session: Session, plans: dict[str, Plan], text: str
    ) -> None:
        assert resolve_plan(session, text).kind == "self_pay"

    def test_it_says_so_when_no_self_pay_plan_is_set_up(
        self, session: Session, plans: dict[str, Plan]
    ) -> None:
        session.execute(delete(Plan).where(Plan.kind == "self_pay"))

        with pytest.raises(NotFound, match="no self-pay plan"):
            resolve_plan(session, "cash")

    def test_it_lists_the_plans_taken_when_none_fits(
        self, session: Session, plans: dict[str, Plan]
    ) -> None:
        with pytest.raises(NotFound) as caught:
            resolve_plan(session, "Kaiser Permanente")

        assert "Medicare" in caught.value.message and caught.value.field == "plan"

    def test_it_refuses_an_empty_plan(self, session: Session, plans: dict[str, Plan]) -> None:
        with pytest.raises(InvalidArgument):
            resolve_plan(session, "  ")

    def test_it_prefers_a_plan_named_exactly(
        self, session: Session, plans: dict[str, Plan]
    ) -> None:
        session.add(Plan(key="medi_cal_ffs", name="Medi-Cal", payer="DHCS", kind="medi_cal"))
        session.flush()

        assert resolve_plan(session, "Medi-Cal").key == "medi_cal_ffs"

    def test_it_folds_plan_words(self) -> None:
        assert plan_words("Medi-Cal de Anthem") == "medical anthem"
