"""Conversations: filtering the list, paging it, reading one (audited)."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import Engine, select
from tests.admin.conftest import SignIn
from tests.admin.world import World

from referraldesk import clock
from referraldesk.db.session import session_scope
from referraldesk.models import AuditEvent, Conversation


def _ids(response: object) -> set[str]:
    return {row.conversation.id for row in response.context["rows"]}  # type: ignore[attr-defined]


@pytest.mark.parametrize(("query", "expected"), [
    ("channel=voice", "voice"),
    ("language=es", "voice"),
    ("escalation=yes", "voice"),
    ("sentiment=negative", "voice"),
    ("outcome=booked", "chat"),
    ("intent=book_referral_visit", "chat"),
    ("sentiment=positive&escalation=no", "chat"),
])
def test_each_filter_narrows_the_list(
    signed_in: SignIn, world: World, query: str, expected: str
) -> None:
    page = signed_in("coordinator").get(f"/admin/conversations?from=2026-03-01&{query}")

    assert _ids(page) == {world.voice_id if expected == "voice" else world.chat_id}


def test_the_default_range_is_the_last_seven_days(signed_in: SignIn) -> None:
    page = signed_in("staff").get("/admin/conversations")

    assert page.context["total"] == 3
    assert 'value="2026-03-04"' in page.text


def test_a_bad_filter_value_is_named_with_the_allowed_ones(signed_in: SignIn) -> None:
    page = signed_in("staff").get("/admin/conversations?channel=fax")

    assert page.status_code == 422
    assert "channel &#39;fax&#39; is not one of chat, sms, voice, terminal" in page.text


def test_it_pages_through_many_conversations_newest_first(
    signed_in: SignIn, engine: Engine
) -> None:
    with session_scope(engine) as session:
        session.add_all(Conversation(channel="chat", status="ended", outcome="answered",
                                     started_at=clock.now() - timedelta(minutes=minute))
                        for minute in range(1, 71))
    staff = signed_in("staff")

    first = staff.get("/admin/conversations")
    second = staff.get(first.context["older_url"])

    assert (first.context["total"], len(first.context["rows"]), len(second.context["rows"])) == (
        73, 50, 23)
    assert not _ids(first) & _ids(second)
    starts = [row.conversation.started_at for row in first.context["rows"] + second.context["rows"]]
    assert starts == sorted(starts, reverse=True)


def test_a_mangled_page_cursor_is_refused_plainly(signed_in: SignIn) -> None:
    page = signed_in("staff").get("/admin/conversations?before=yesterday")

    assert page.status_code == 422
    assert "start again from the first page" in page.text


def test_one_conversation_shows_transcript_tool_calls_analysis_and_recording(
    signed_in: SignIn, world: World
) -> None:
    chat = signed_in("staff").get(f"/admin/conversations/{world.chat_id}")
    voice = signed_in("staff").get(f"/admin/conversations/{world.voice_id}")

    assert "I need a physical therapy visit" in chat.text
    assert "find_slots" in chat.text and "physical_therapy" in chat.text
    assert "Booked a physical therapy visit." in chat.text
    assert 'href="https://recordings.example.org/RE123.wav"' in voice.text
    assert "asked for a person" in voice.text


def test_reading_a_transcript_is_audited(signed_in: SignIn, world: World, engine: Engine) -> None:
    signed_in("coordinator").get(f"/admin/conversations/{world.chat_id}")

    with session_scope(engine) as session:
        event = session.scalar(select(AuditEvent).where(
            AuditEvent.conversation_id == world.chat_id, AuditEvent.action == "read"))
    assert event is not None
    assert (event.actor, event.reason, event.patient_id) == (
        "staff:coordinator@valle.example.org", "transcript view", world.patient_id)


def test_an_unknown_conversation_is_a_plain_not_found_page(signed_in: SignIn) -> None:
    page = signed_in("staff").get("/admin/conversations/nothing-here")

    assert page.status_code == 404
    assert "there is no conversation with id" in page.text
