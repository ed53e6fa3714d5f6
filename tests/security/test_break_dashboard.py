"""Breaking the dashboard's newest doors: Today's paging, flagged calls, "Call back now",
and the provider and service edit pages, with bad values and the wrong roles.

A refusal is a page that says what was wrong and where, nothing is written by it, and
no answer is a server error.
"""

from __future__ import annotations

import pytest
from sqlalchemy import Engine, func, select
from tests.admin import conftest as dashboard
from tests.admin.conftest import SignIn
from tests.admin.world import World

from referraldesk import clock
from referraldesk.db.session import session_scope
from referraldesk.models import AuditEvent, DataRightsRequest, Provider, StaffTask

# The dashboard's world and signed-in clients (tests/admin/conftest.py), found by name.
_built = dashboard._built
_quick_password_hashes = dashboard._quick_password_hashes
engine = dashboard.engine
signed_in = dashboard.signed_in
world = dashboard.world
# Providers of the demo practice whose file entry has no title (therapists).
UNTITLED_NPIS = ("1904001561", "1904001678", "1904001785")


def _count(engine: Engine, model: type) -> int:
    with session_scope(engine) as session:
        return int(session.scalar(select(func.count()).select_from(model)) or 0)


@pytest.mark.parametrize(("query", "named"), [
    ("tasks_page=-1", "tasks_page"),
    ("tasks_page=0", "tasks_page"),
    ("flagged_page=10001", "flagged_page"),
    ("outreach_page=99999999999999999999", "outreach_page"),
    ("tasks_page=abc", "tasks_page"),
    ("flagged_page=1e3", "flagged_page"),
    ("tasks_page=%00", "tasks_page"),
])
def test_a_page_number_no_link_writes_is_refused_naming_it(
    signed_in: SignIn, query: str, named: str
) -> None:
    page = signed_in("staff").get(f"/admin/today?{query}")

    assert page.status_code == 422
    assert "Some of what was sent is not valid" in page.text
    assert named in page.text


def test_a_page_past_the_end_is_empty_not_an_error(signed_in: SignIn) -> None:
    page = signed_in("staff").get("/admin/today?outreach_page=10000")

    assert page.status_code == 200
    assert page.context["outreach"]["rows"] == []
    assert page.context["pages"]["outreach"].next_url is None


@pytest.mark.parametrize(("then", "status"), [("", 422), ("maybe", 422), ("x" * 11, 422)])
def test_settling_a_flag_needs_one_of_its_two_outcomes(
    signed_in: SignIn, world: World, engine: Engine, then: str, status: int
) -> None:
    tasks = _count(engine, StaffTask)

    response = signed_in("staff").post(f"/admin/today/flagged/{world.voice_id}", {"then": then})

    assert response.status_code == status
    assert "then" in response.text
    assert _count(engine, StaffTask) == tasks


def test_a_flag_already_covered_by_a_task_is_a_conflict_and_no_second_task(
    signed_in: SignIn, world: World, engine: Engine
) -> None:
    # The world's voice call is flagged and already has its callback request.
    tasks = _count(engine, StaffTask)

    response = signed_in("staff").post(f"/admin/today/flagged/{world.voice_id}",
                                       {"then": "task"})

    assert response.status_code == 409
    assert "reload Today" in response.text
    assert _count(engine, StaffTask) == tasks


def test_settling_or_calling_without_the_forms_token_or_as_the_auditor_is_refused(
    signed_in: SignIn, world: World, engine: Engine
) -> None:
    staff, auditor = signed_in("staff"), signed_in("auditor")
    events = _count(engine, AuditEvent)

    answers = [
        staff.client.post(f"/admin/today/flagged/{world.voice_id}", data={"then": "task"}),
        staff.client.post(f"/admin/tasks/{world.task_id}/call"),
        auditor.post(f"/admin/today/flagged/{world.voice_id}", {"then": "task"}),
        auditor.post(f"/admin/tasks/{world.task_id}/call"),
    ]

    assert [answer.status_code for answer in answers] == [403, 403, 403, 403]
    assert "security token" in answers[0].text and "security token" in answers[1].text
    # A missing token is an expired form, not a question of role.
    assert "This form expired" in answers[0].text and "reload the page" in answers[0].text
    assert "Not for this role" not in answers[0].text
    assert "Not for this role" in answers[2].text
    assert "auditor role may not change Today" in answers[2].text
    # Refusals read nothing and change nothing (signing in for the pages is not audited).
    assert _count(engine, AuditEvent) == events


def test_calling_back_a_task_that_is_done_or_unknown_says_so(
    signed_in: SignIn, world: World
) -> None:
    staff = signed_in("staff")
    staff.post(f"/admin/tasks/{world.task_id}/done")

    done = staff.post(f"/admin/tasks/{world.task_id}/call")
    unknown = staff.post("/admin/tasks/no-such-task/call")

    assert done.status_code == 409 and "not an open callback request" in done.text
    assert unknown.status_code == 404 and "no-such-task" in unknown.text


def test_calling_back_without_a_phone_line_says_to_call_by_hand_and_logs_no_number(
    signed_in: SignIn, world: World, capsys: pytest.CaptureFixture[str]
) -> None:
    response = signed_in("staff").post(f"/admin/tasks/{world.task_id}/call")

    assert response.headers["location"] == "/admin/today?done=callback_no_line#tasks"
    logged = capsys.readouterr()
    assert "callback_not_placed" in logged.err + logged.out
    assert "5550143" not in logged.err + logged.out


@pytest.mark.parametrize("npi", ["0000000000", "abc", "1" * 300])
def test_an_unknown_npi_is_a_404_naming_it(signed_in: SignIn, npi: str) -> None:
    admin = signed_in("admin")

    shown = admin.get(f"/admin/practice/providers/{npi}")
    posted = admin.post(f"/admin/practice/providers/{npi}", {"languages": "en"})

    assert (shown.status_code, posted.status_code) == (404, 404)
    assert "there is no provider with npi" in shown.text


@pytest.mark.parametrize("languages", ["en,\u202ees", "klingon!!", "en;es"])
def test_odd_languages_are_refused_each_named_and_nothing_changes(
    signed_in: SignIn, engine: Engine, languages: str
) -> None:
    with session_scope(engine) as session:
        provider = session.scalars(select(Provider).order_by(Provider.npi)).first()
        assert provider is not None
        npi, before = provider.npi, list(provider.languages)

    response = signed_in("admin").post(f"/admin/practice/providers/{npi}",
                                       {"languages": languages, "site_visalia": "on"})

    assert response.status_code == 422
    assert "is not an ISO 639 language code" in response.text
    with session_scope(engine) as session:
        after = session.scalar(select(Provider.languages).where(Provider.npi == npi))
    assert list(after or []) == before


def test_a_nul_in_an_npi_is_refused_naming_the_address(signed_in: SignIn) -> None:
    admin = signed_in("admin")

    shown = admin.get("/admin/practice/providers/%00")
    posted = admin.post("/admin/practice/providers/%00", {"languages": "en"})

    assert (shown.status_code, posted.status_code) == (422, 422)
    assert "Some of what was sent is not valid" in shown.text
    assert "/admin/practice/providers/%00 holds a NUL character" in shown.text
    # The dashboard's own policy, so the page's stylesheet loads.
    assert shown.headers["content-security-policy"].startswith("default-src 'self'")


def test_a_nul_in_a_form_field_is_refused_naming_it_and_nothing_changes(
    signed_in: SignIn, engine: Engine
) -> None:
    with session_scope(engine) as session:
        provider = session.scalars(select(Provider).order_by(Provider.npi)).first()
        assert provider is not None
        npi, before = provider.npi, list(provider.languages)

    response = signed_in("admin").post(f"/admin/practice/providers/{npi}",
                                       {"languages": "e\x00n", "site_visalia": "on"})

    assert response.status_code == 422
    assert "languages: holds a NUL character (%00)" in response.text
    with session_scope(engine) as session:
        after = session.scalar(select(Provider.languages).where(Provider.npi == npi))
    assert list(after or []) == before


@pytest.mark.parametrize("minutes", ["-5", "0", "٣٠", "30.5", "1e3", "30\x00", "100000"])
def test_a_services_odd_length_is_refused_on_its_form(signed_in: SignIn, minutes: str) -> None:
    response = signed_in("admin").post("/admin/practice/services/derm_new",
                                       {"duration_minutes": minutes})

    assert response.status_code == 422
    assert "Minutes:" in response.text and "Nothing was changed" in response.text


@pytest.mark.parametrize("role", ["staff", "coordinator", "auditor"])
def test_only_an_administrator_opens_the_edit_pages(signed_in: SignIn, role: str) -> None:
    user = signed_in(role)

    answers = [user.get("/admin/practice/providers/1904000118"),
               user.get("/admin/practice/services/derm_new"),
               user.post("/admin/practice/services/derm_new", {"duration_minutes": "30"})]

    assert [answer.status_code for answer in answers] == [403, 403, 403]


@pytest.mark.parametrize("npi", UNTITLED_NPIS)
def test_a_provider_without_a_title_opens_for_editing(signed_in: SignIn, npi: str) -> None:
    page = signed_in("admin").get(f"/admin/practice/providers/{npi}")

    assert page.status_code == 200
    assert f"NPI {npi}" in page.text
    assert "title" not in page.context["provider"]


def test_a_provider_without_a_title_gets_its_refusal_on_its_form(signed_in: SignIn) -> None:
    npi = UNTITLED_NPIS[0]

    refused = signed_in("admin").post(f"/admin/practice/providers/{npi}",
                                      {"languages": "klingon!!"})

    assert refused.status_code == 422
    assert f"NPI {npi}" in refused.text and "is not an ISO 639 language code" in refused.text


@pytest.mark.parametrize(("received", "why"), [
    ("2026-03-11", "received: 2026-03-11 is after today (2026-03-10)"),
    ("2062-03-09", "received: 2062-03-09 is after today (2026-03-10)"),
    ("1999-12-31", "received: 1999-12-31 is before 2000-01-01; check the year"),
    ("1900-01-01", "received: 1900-01-01 is before 2000-01-01; check the year"),
])
def test_a_request_received_after_today_or_before_2000_is_refused_not_corrected(
    signed_in: SignIn, world: World, engine: Engine, received: str, why: str
) -> None:
    response = signed_in("staff").post(f"/admin/patients/{world.patient_id}/rights/request",
                                       {"kind": "access", "received": received})

    assert response.status_code == 422
    assert why in response.text
    assert _count(engine, DataRightsRequest) == 0


def test_today_is_the_practices_day_not_utcs(
    signed_in: SignIn, world: World, engine: Engine
) -> None:
    # 03:00 UTC on the 11th is still the evening of the 10th in Visalia.
    clock.set_now(clock.parse_instant("2026-03-11T03:00:00+00:00"), frozen=True)
    desk = signed_in("staff")

    tomorrow = desk.post(f"/admin/patients/{world.patient_id}/rights/request",
                         {"kind": "access", "received": "2026-03-11"})
    today = desk.post(f"/admin/patients/{world.patient_id}/rights/request",
                      {"kind": "access", "received": "2026-03-10"})
    earliest = desk.post(f"/admin/patients/{world.patient_id}/rights/request",
                         {"kind": "access", "received": "2000-01-01"})

    assert (tomorrow.status_code, today.status_code, earliest.status_code) == (422, 303, 303)
    with session_scope(engine) as session:
        days = sorted(request.received_at.date().isoformat()
                      for request in session.scalars(select(DataRightsRequest)))
    assert days == ["2000-01-01", "2026-03-10"]
