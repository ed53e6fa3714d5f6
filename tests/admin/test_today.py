"""Today: what is going on, who waits for a person, which referrals need outreach."""

from __future__ import annotations

from sqlalchemy import Engine, select
from tests.admin.conftest import SignIn
from tests.admin.world import World

from referraldesk.db.session import session_scope
from referraldesk.models import AuditEvent, StaffTask


def test_it_shows_what_waits_for_a_person_with_a_done_button(
    signed_in: SignIn, world: World
) -> None:
    page = signed_in("staff").get("/admin/today")

    assert page.status_code == 200
    assert "asked for a person" in page.text
    assert f'action="/admin/tasks/{world.task_id}/done"' in page.text
    assert page.context["tasks"]["total"] == 1


def test_it_counts_conversations_going_on_and_ended_today(signed_in: SignIn) -> None:
    page = signed_in("staff").get("/admin/today")

    counts = page.context["counts"]
    assert (counts["active"], counts["ended"], counts["by_outcome"]) == (1, 1, {"booked": 1})


def test_it_lists_referrals_due_for_outreach_most_pressing_first(signed_in: SignIn) -> None:
    page = signed_in("coordinator").get("/admin/today")

    rows = page.context["outreach"]["rows"]
    assert rows and {row.referral.status for row in rows} <= {"accepted", "contacting", "no_show"}
    keys = [row.referral.target_date for row in rows]
    assert keys == sorted(keys)
    assert all(row.next_step for row in rows)


def test_marking_a_task_done_takes_it_off_the_list_and_is_audited(
    signed_in: SignIn, world: World, engine: Engine
) -> None:
    staff = signed_in("staff")

    response = staff.post(f"/admin/tasks/{world.task_id}/done")

    assert response.status_code == 303
    assert staff.get(response.headers["location"]).context["tasks"]["total"] == 0
    with session_scope(engine) as session:
        task = session.get(StaffTask, world.task_id)
        assert task is not None and task.status == "done" and task.done_at is not None
        audited = session.scalar(select(AuditEvent).where(AuditEvent.resource_id == world.task_id))
        assert audited is not None and audited.actor == "staff:staff@valle.example.org"


def test_a_task_done_twice_says_so(signed_in: SignIn, world: World) -> None:
    staff = signed_in("staff")
    staff.post(f"/admin/tasks/{world.task_id}/done")

    again = staff.post(f"/admin/tasks/{world.task_id}/done")

    assert again.status_code == 409
    assert "already done" in again.text
