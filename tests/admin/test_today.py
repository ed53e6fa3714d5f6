"""Today: what is going on, who waits for a person, which referrals need outreach."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from sqlalchemy import Engine, select
from tests.admin.conftest import SignIn
from tests.admin.world import World, at

from referraldesk import clock
from referraldesk.admin.pages import today as today_page
from referraldesk.db.session import session_scope
from referraldesk.models import (
    Appointment,
    AuditEvent,
    Conversation,
    ConversationAnalysis,
    Referral,
    ReferralTransition,
    StaffTask,
)
from referraldesk.settings import reset_settings_cache


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


OUTREACH_OFF = "Automated calls and texts are off: Twilio is not set up"


def test_without_twilio_today_says_outreach_is_off_and_to_call_by_hand(
    signed_in: SignIn, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("REFERRALDESK_TWILIO_ACCOUNT_SID", raising=False)
    reset_settings_cache()

    page = signed_in("coordinator").get("/admin/today")

    assert page.context["outreach"]["total"] > 0
    assert OUTREACH_OFF in page.text
    assert "call these patients by hand" in page.text


def test_with_twilio_set_up_today_raises_no_alarm(
    signed_in: SignIn, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("REFERRALDESK_TWILIO_ACCOUNT_SID", "AC" + "1" * 32)
    monkeypatch.setenv("REFERRALDESK_TWILIO_AUTH_TOKEN", "test-token")
    reset_settings_cache()
    try:
        page = signed_in("coordinator").get("/admin/today")
    finally:
        monkeypatch.undo()
        reset_settings_cache()

    assert page.context["outreach"]["total"] > 0
    assert OUTREACH_OFF not in page.text


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


# Booked today ----------------------------------------------------------------------------

def _rebook(engine: Engine, booked_at: list[datetime], channel: str = "sms") -> list[str]:
    """Give the first future appointments of the demo these booking instants; their ids."""
    with session_scope(engine) as session:
        appointments = session.scalars(
            select(Appointment).where(Appointment.status == "booked",
                                      Appointment.start_at > clock.now())
            .order_by(Appointment.start_at, Appointment.id).limit(len(booked_at))).all()
        assert len(appointments) == len(booked_at)
        for appointment, at in zip(appointments, booked_at, strict=True):
            appointment.booked_at = at
            appointment.channel = channel
        return [appointment.id for appointment in appointments]


def test_booked_today_lists_the_local_days_bookings_newest_first(
    signed_in: SignIn, engine: Engine
) -> None:
    # 08:30 and 00:10 on Tuesday in Visalia are today; 23:50 on Monday is not, though it is
    # already Tuesday in UTC.
    morning, just_after_midnight, last_night = _rebook(engine, [
        datetime(2026, 3, 10, 15, 30, tzinfo=UTC), datetime(2026, 3, 10, 7, 10, tzinfo=UTC),
        datetime(2026, 3, 10, 6, 50, tzinfo=UTC)])
    _rebook_channel(engine, just_after_midnight, "voice")

    page = signed_in("staff").get("/admin/today")

    bookings = page.context["bookings"]
    assert bookings["total"] == 2
    assert bookings["by_channel"] == {"sms": 1, "voice": 1}
    assert [row["appointment"].id for row in bookings["rows"]] == [morning, just_after_midnight]
    first = bookings["rows"][0]
    assert first["patient"] in page.text and first["provider"] in page.text
    assert last_night not in {row["appointment"].id for row in bookings["rows"]}
    assert "Nothing booked yet today." not in page.text


def _rebook_channel(engine: Engine, appointment_id: str, channel: str) -> None:
    with session_scope(engine) as session:
        appointment = session.get(Appointment, appointment_id)
        assert appointment is not None
        appointment.channel = channel


def test_booked_today_says_when_there_are_more_than_it_shows(
    signed_in: SignIn, engine: Engine
) -> None:
    _rebook(engine, [datetime(2026, 3, 10, 15, minute, tzinfo=UTC) for minute in range(14)])

    page = signed_in("staff").get("/admin/today")

    assert page.context["bookings"]["total"] == 14
    assert len(page.context["bookings"]["rows"]) == 12
    assert "The 12 latest of 14" in page.text and 'href="/admin/schedule"' in page.text


def test_with_nothing_booked_today_it_says_so(signed_in: SignIn) -> None:
    page = signed_in("staff").get("/admin/today")

    assert page.context["bookings"]["total"] == 0
    assert "Nothing booked yet today." in page.text


# Paging through the long lists ------------------------------------------------------------

def test_outreach_pages_through_every_referral_due_in_target_order(
    signed_in: SignIn, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setitem(today_page.SECTION_SIZES, "outreach", 4)
    coordinator = signed_in("coordinator")

    first = coordinator.get("/admin/today")
    pages = first.context["pages"]["outreach"]
    assert (pages.total, pages.first, pages.last) == (6, 1, 4)
    assert pages.next_url == "/admin/today?outreach_page=2#outreach"
    assert 'href="/admin/today?outreach_page=2#outreach"' in first.text
    assert "Show more (2 left)" in first.text
    second = coordinator.get(pages.next_url)

    rows = first.context["outreach"]["rows"] + second.context["outreach"]["rows"]
    assert len({row.referral.id for row in rows}) == 6
    targets = [row.referral.target_date for row in rows]
    assert targets == sorted(targets)
    later = second.context["pages"]["outreach"]
    assert (later.first, later.last, later.next_url) == (5, 6, None)
    assert later.previous_url == "/admin/today#outreach"


def test_waiting_tasks_page_most_urgent_first_and_keep_the_other_lists_page(
    signed_in: SignIn, engine: Engine, world: World, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setitem(today_page.SECTION_SIZES, "tasks", 2)
    monkeypatch.setitem(today_page.SECTION_SIZES, "outreach", 4)
    with session_scope(engine) as session:
        session.add_all([
            StaffTask(kind="callback", reason="urgent one", urgency="urgent", created_at=at(1)),
            StaffTask(kind="transfer", reason="routine one", urgency="routine", created_at=at(40)),
        ])
    staff = signed_in("staff")

    first = staff.get("/admin/today?outreach_page=2")
    pages = first.context["pages"]["tasks"]
    second = staff.get(pages.next_url)

    assert pages.total == 3
    assert pages.next_url == "/admin/today?outreach_page=2&tasks_page=2#tasks"
    reasons = [row["task"].reason for row in first.context["tasks"]["rows"]]
    assert reasons == ["urgent one", "asked for a person"]
    assert [row["task"].reason for row in second.context["tasks"]["rows"]] == ["routine one"]
    assert second.context["pages"]["outreach"].first == 5  # the outreach list stayed on page 2


def test_a_page_number_out_of_range_is_refused_with_a_page(signed_in: SignIn) -> None:
    page = signed_in("staff").get("/admin/today?tasks_page=0")

    assert page.status_code == 422
    assert "tasks_page" in page.text


def test_a_page_past_the_end_of_a_list_says_so_and_links_back(signed_in: SignIn) -> None:
    page = signed_in("coordinator").get("/admin/today?outreach_page=5")

    assert page.status_code == 200
    assert page.context["outreach"]["rows"] == []
    assert "No referral is waiting for outreach." not in page.text
    assert 'past the end of this list; <a href="/admin/today#outreach">' in page.text


# Conversations flagged by the post-call analysis -----------------------------------------

def _flagged(engine: Engine, world: World, *, reason: str = "caller upset",
             outcome: str = "abandoned", task_status: str | None = None,
             current: bool = True) -> str:
    """An ended conversation whose analysis asks for a person, with or without a task."""
    with session_scope(engine) as session:
        conversation = Conversation(
            channel="voice", language="en", patient_id=world.patient_id, status="ended",
            outcome=outcome, started_at=at(3), last_activity_at=at(2.9), ended_at=at(2.9),
            caller_phone="+15595550188")
        session.add(conversation)
        session.flush()
        session.add(ConversationAnalysis(
            conversation_id=conversation.id, is_current=current, sentiment=-0.7, lead_score=10,
            intent="complaint", topics=[], satisfaction=1, escalation_flag=True,
            escalation_reason=reason, summary="Caller was unhappy about a wait.",
            analyzer="embedded", analyzer_version="1", analyzed_at=at(2.8)))
        if task_status is not None:
            session.add(StaffTask(kind="callback", conversation_id=conversation.id,
                                  reason="call back", status=task_status, created_at=at(2.8)))
        return conversation.id


def test_a_flagged_conversation_without_a_task_is_on_today(
    signed_in: SignIn, engine: Engine, world: World
) -> None:
    untasked = _flagged(engine, world)
    _flagged(engine, world, task_status="done")
    _flagged(engine, world, current=False)

    page = signed_in("staff").get("/admin/today")

    flagged = page.context["flagged"]
    # The voice call in the world is flagged too, but its callback task covers it.
    assert flagged["total"] == 1
    assert [row.conversation.id for row in flagged["rows"]] == [untasked]
    row = flagged["rows"][0]
    assert (row.reason, row.patient_name) == ("caller upset", world.patient_name)
    assert f'action="/admin/today/flagged/{untasked}"' in page.text
    assert f'href="/admin/conversations/{untasked}"' in page.text
    assert "flagged, no task yet" in page.text


def test_nothing_flagged_and_untasked_says_so(signed_in: SignIn) -> None:
    page = signed_in("staff").get("/admin/today")

    assert page.context["flagged"]["total"] == 0
    assert "Nothing flagged is left without a task." in page.text


def test_making_a_task_of_a_flagged_conversation_puts_it_with_the_people_waiting(
    signed_in: SignIn, engine: Engine, world: World
) -> None:
    conversation_id = _flagged(engine, world, reason="emergency: caller told to call 911",
                               outcome="emergency")
    staff = signed_in("staff")

    response = staff.post(f"/admin/today/flagged/{conversation_id}", {"then": "task"})
    page = staff.get(response.headers["location"])

    assert response.status_code == 303
    assert page.context["flagged"]["total"] == 0
    assert "It is on the list of people waiting" in page.text
    first = page.context["tasks"]["rows"][0]["task"]
    assert (first.kind, first.status, first.urgency, first.conversation_id) == (
        "review", "open", "urgent", conversation_id)
    assert first.reason == "flagged: emergency: caller told to call 911"
    assert first.callback_phone == "+15595550188"
    with session_scope(engine) as session:
        audited = session.scalar(select(AuditEvent).where(AuditEvent.resource_id == first.id))
        assert audited is not None
        assert (audited.action, audited.actor, audited.reason) == (
            "create", "staff:staff@valle.example.org", "flagged conversation taken up")


def test_marking_a_flagged_conversation_reviewed_takes_it_off_with_a_done_task(
    signed_in: SignIn, engine: Engine, world: World
) -> None:
    conversation_id = _flagged(engine, world)
    coordinator = signed_in("coordinator")

    response = coordinator.post(f"/admin/today/flagged/{conversation_id}", {"then": "reviewed"})
    page = coordinator.get(response.headers["location"])

    assert response.status_code == 303
    assert page.context["flagged"]["total"] == 0
    assert page.context["tasks"]["total"] == 1  # only the world's callback is still open
    with session_scope(engine) as session:
        task = session.scalars(select(StaffTask)
                               .where(StaffTask.conversation_id == conversation_id)).one()
        assert (task.kind, task.status, task.done_at) == ("review", "done", clock.now())


def test_settling_a_flag_twice_or_without_a_choice_says_why(
    signed_in: SignIn, engine: Engine, world: World
) -> None:
    conversation_id = _flagged(engine, world)
    staff = signed_in("staff")
    staff.post(f"/admin/today/flagged/{conversation_id}", {"then": "reviewed"})

    again = staff.post(f"/admin/today/flagged/{conversation_id}", {"then": "task"})
    unflagged = staff.post(f"/admin/today/flagged/{world.chat_id}", {"then": "task"})
    no_choice = staff.post(f"/admin/today/flagged/{conversation_id}", {"then": "later"})
    unknown = staff.post("/admin/today/flagged/nope", {"then": "task"})

    assert (again.status_code, unflagged.status_code) == (409, 409)
    assert "not flagged without a task any more" in again.text
    assert no_choice.status_code == 422 and "is not one of task, reviewed" in no_choice.text
    assert unknown.status_code == 404


# Booked, still missing information --------------------------------------------------------

def _book_needs_info(engine: Engine, count: int) -> list[tuple[str, str]]:
    """Link the first `count` future booked appointments to referrals in needs_info, the
    way a booking does when the lifecycle cannot move them; (referral, appointment) ids."""
    with session_scope(engine) as session:
        appointments = session.scalars(
            select(Appointment).where(Appointment.status == "booked",
                                      Appointment.start_at > clock.now())
            .order_by(Appointment.start_at, Appointment.id).limit(count)).all()
        referrals = session.scalars(
            select(Referral).where(Referral.status.not_in(["needs_info", "scheduled"]))
            .order_by(Referral.id).limit(count)).all()
        assert len(appointments) == len(referrals) == count
        linked = []
        for referral, appointment in zip(referrals, appointments, strict=True):
            referral.status = "needs_info"
            referral.appointment_id = appointment.id
            linked.append((referral.id, appointment.id))
        return linked


def test_booked_referrals_still_missing_information_are_listed_soonest_visit_first(
    signed_in: SignIn, engine: Engine, world: World
) -> None:
    linked = _book_needs_info(engine, 2)
    with session_scope(engine) as session:
        # A needs_info referral without a booking is for the nudge list, not this one.
        unbooked = session.scalars(select(Referral).where(Referral.status == "needs_info",
                                                          Referral.appointment_id.is_(None))
                                   ).first()
        assert unbooked is not None
        unbooked_id = unbooked.id

    page = signed_in("coordinator").get("/admin/today")

    unresolved = page.context["unresolved"]
    assert unresolved["total"] == 2
    assert [(row.referral.id, row.appointment.id) for row in unresolved["rows"]] == linked
    for referral_id, _ in linked:
        assert f'href="/admin/referrals/{referral_id}"' in page.text
    assert f'href="/admin/referrals/{unbooked_id}"' not in page.text
    assert "Booked, still missing information" in page.text


def test_a_cancelled_booking_takes_the_referral_off_the_missing_information_list(
    signed_in: SignIn, engine: Engine
) -> None:
    (_, appointment_id), _ = _book_needs_info(engine, 2)
    with session_scope(engine) as session:
        session.get(Appointment, appointment_id).status = "cancelled"  # type: ignore[union-attr]

    page = signed_in("coordinator").get("/admin/today")

    assert page.context["unresolved"]["total"] == 1


def test_booked_referrals_missing_information_page_and_say_what_was_asked_for(
    signed_in: SignIn, engine: Engine, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setitem(today_page.SECTION_SIZES, "unresolved", 2)
    linked = _book_needs_info(engine, 3)
    with session_scope(engine) as session:
        referral = session.get(Referral, linked[0][0])
        assert referral is not None
        referral.history.append(ReferralTransition(
            seq=len(referral.history) + 1, from_status="accepted", to_status="needs_info",
            actor="staff:coordinator@valle.example.org", reason="missing: authorization"))
    coordinator = signed_in("coordinator")

    first = coordinator.get("/admin/today")
    pages = first.context["pages"]["unresolved"]
    second = coordinator.get(pages.next_url)

    assert (pages.total, pages.first, pages.last) == (3, 1, 2)
    assert pages.next_url == "/admin/today?unresolved_page=2#unresolved"
    assert first.context["unresolved"]["rows"][0].missing == "missing: authorization"
    assert "missing: authorization" in first.text
    shown = first.context["unresolved"]["rows"] + second.context["unresolved"]["rows"]
    assert [row.referral.id for row in shown] == [referral_id for referral_id, _ in linked]


def test_with_no_booked_referral_missing_information_it_says_so(signed_in: SignIn) -> None:
    page = signed_in("coordinator").get("/admin/today")

    assert page.context["unresolved"]["total"] == 0
    assert "No booked referral is waiting for information." in page.text
