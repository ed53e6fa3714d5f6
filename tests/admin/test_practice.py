"""Practice: edits go through the same checks and loader as the practice file."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, datetime, time
from typing import Any

import pytest
from sqlalchemy import Engine, select
from tests.admin.conftest import SignIn

from referraldesk.admin.queries import practice as queries
from referraldesk.audit.trail import SYSTEM
from referraldesk.db.session import session_scope
from referraldesk.models import (
    AuditEvent,
    AvailabilityException,
    Closure,
    Location,
    OfficeHours,
    Practice,
    Provider,
    Service,
)

WEEKDAYS = ("mon", "tue", "wed", "thu", "fri")
TULARE_WEEK = {f"hours_{day}": "08:00-17:00" for day in WEEKDAYS}
VISALIA_WEEK = {f"hours_{day}": "06:30-19:30" for day in WEEKDAYS}
VISALIA = "Sequoia Valley Occupational Health - Visalia"
TULARE = "Sequoia Valley Specialty Clinic - Tulare"
SANDHU = "Dr. Anil Sandhu (NPI 1904000779)"  # an extra Saturday clinic at Visalia, 2026-09-12


def _hours(engine: Engine, key: str) -> dict[int, list[tuple[time, time]]]:
    with session_scope(engine) as session:
        rows = session.scalars(select(OfficeHours).join(Location).where(Location.key == key)
                               .order_by(OfficeHours.weekday, OfficeHours.opens)).all()
        found: dict[int, list[tuple[time, time]]] = {}
        for row in rows:
            found.setdefault(row.weekday, []).append((row.opens, row.closes))
        return found


def test_it_shows_providers_services_hours_closures_and_languages(signed_in: SignIn) -> None:
    page = signed_in("staff").get("/admin/practice")

    config = page.context["config"]
    assert len(config["providers"]) == 19 and config["services"] and config["closures"]
    assert "06:30-19:30" in page.text
    assert 'action="/admin/practice/locations/visalia/hours"' not in page.text


def test_editing_office_hours_applies_them(signed_in: SignIn, engine: Engine) -> None:
    response = signed_in("admin").post("/admin/practice/locations/tulare/hours",
                                       {**TULARE_WEEK, "hours_sat": "09:00-12:00, 13:00-14:00"})

    assert response.status_code == 303
    hours = _hours(engine, "tulare")
    assert hours[5] == [(time(9), time(12)), (time(13), time(14))]
    assert hours[0] == [(time(8), time(17))]


def test_hours_that_do_not_parse_are_refused_each_named_and_nothing_changes(
    signed_in: SignIn, engine: Engine
) -> None:
    before = _hours(engine, "tulare")

    page = signed_in("admin").post("/admin/practice/locations/tulare/hours",
                                   {**TULARE_WEEK, "hours_mon": "25:00-26:00",
                                    "hours_tue": "17:00-08:00"})

    assert page.status_code == 422
    assert page.context["problems"] == [
        f"{TULARE}, Monday hours: '25:00' is not a time of day; hours go 00-23 and minutes 00-59",
        f"{TULARE}, Monday hours: '26:00' is not a time of day; hours go 00-23 and minutes 00-59",
        f"{TULARE}, Tuesday hours: span 17:00-08:00 ends before it starts; spans cannot cross "
        "midnight, so give the earlier time first",
    ]
    assert _hours(engine, "tulare") == before


def test_hours_a_providers_week_no_longer_fits_in_are_refused_naming_each_provider(
    signed_in: SignIn, engine: Engine
) -> None:
    page = signed_in("admin").post("/admin/practice/locations/visalia/hours",
                                   {**VISALIA_WEEK, "hours_sat": "08:00-11:00"})

    assert page.status_code == 422
    outside = f"is outside {VISALIA}'s hours 08:00-11:00"
    assert page.context["problems"] == [
        f"{SANDHU}, extra span 08:00-12:00 on Saturday 2026-09-12 {outside}",
        f"Dr. Alejandro Fuentes (NPI 1904001892), Saturday block 07:00-12:00 {outside}",
        f"Dr. Javier Montoya (NPI 1904000449), Saturday block 07:00-12:00 {outside}",
        f"Dr. Ryan Dela Cruz (NPI 1904001454), Saturday block 07:00-12:00 {outside}",
        f"Dra. Isabel Navarro (NPI 1904001348), Saturday block 08:00-12:00 {outside}",
        f"Marco Estrada (NPI 1904001561), Saturday block 07:00-11:30 {outside}",
    ]
    assert "Nothing was changed." in page.text
    # Shown at the form's URL; the browser is sent back to the page's own address.
    assert '<body data-address="/admin/practice">' in page.text
    assert _hours(engine, "visalia")[5] == [(time(7), time(12))]


def test_a_block_outside_hours_on_several_days_names_each_days_hours(
    signed_in: SignIn, engine: Engine
) -> None:
    page = signed_in("admin").post("/admin/practice/locations/visalia/hours",
                                   {**VISALIA_WEEK, "hours_mon": "10:00-11:00",
                                    "hours_tue": "", "hours_sat": "07:00-12:00"})

    assert f"Dr. Kevin Thao (NPI 1904000555), Monday and Tuesday block 12:00-19:30 is outside " \
        f"{VISALIA}'s hours (Monday 10:00-11:00; Tuesday closed)" in page.context["problems"]
    assert _hours(engine, "visalia")[0] == [(time(6, 30), time(19, 30))]


def _change(engine: Engine, change: Callable[[dict[str, Any]], None]) -> None:
    with session_scope(engine) as session:
        queries.apply_change(session, SYSTEM, change)


def _no_saturday_blocks(document: dict[str, Any]) -> None:
    for provider in document["providers"]:
        for block in provider.get("blocks", []):
            block["days"] = [day for day in block["days"] if day != "sat"]
        provider["blocks"] = [block for block in provider.get("blocks", []) if block["days"]]


def test_a_past_extra_span_is_history_and_does_not_hold_up_todays_hours(
    signed_in: SignIn, engine: Engine, frozen_now: Callable[[str], datetime]
) -> None:
    _change(engine, _no_saturday_blocks)
    frozen_now("2026-09-20T16:00:00+00:00")  # Dr. Sandhu's Saturday clinic was 2026-09-12

    response = signed_in("admin").post("/admin/practice/locations/visalia/hours", VISALIA_WEEK)

    assert response.status_code == 303
    assert 5 not in _hours(engine, "visalia")
    with session_scope(engine) as session:  # kept as it was: it happened
        assert session.scalars(select(AvailabilityException.starts).where(
            AvailabilityException.on_date == date(2026, 9, 12))).all() == [time(8)]


def test_an_extra_span_still_to_come_keeps_the_hours_it_needs(
    signed_in: SignIn, engine: Engine
) -> None:
    _change(engine, _no_saturday_blocks)  # the clock: 2026-03-10, before the clinic

    page = signed_in("admin").post("/admin/practice/locations/visalia/hours", VISALIA_WEEK)

    assert page.status_code == 422
    assert page.context["problems"] == [
        f"{SANDHU}, extra span 08:00-12:00 on Saturday 2026-09-12 is outside {VISALIA}'s "
        "hours (closed on Saturday)"]
    assert _hours(engine, "visalia")[5] == [(time(7), time(12))]


def _thao_on_saturday(start: str, end: str, until: str) -> Callable[[dict[str, Any]], None]:
    def change(document: dict[str, Any]) -> None:
        thao = next(p for p in document["providers"] if p["npi"] == THAO)
        thao["blocks"].append({"days": ["sat"], "start": start, "end": end,
                               "location": "visalia", "valid_until": until})

    return change


def test_a_block_that_ended_is_history_too_and_one_still_running_is_checked(
    signed_in: SignIn, engine: Engine
) -> None:
    _change(engine, _thao_on_saturday("13:00", "15:00", "2026-02-28"))  # ended before 03-10

    response = signed_in("admin").post("/admin/practice/locations/tulare/hours", TULARE_WEEK)
    with pytest.raises(queries.ChangeRefused) as refused:
        _change(engine, _thao_on_saturday("15:00", "16:00", "2026-03-31"))

    assert response.status_code == 303
    assert refused.value.problems == [
        f"Dr. Kevin Thao (NPI 1904000555), Saturday block 15:00-16:00 is outside {VISALIA}'s "
        "hours 07:00-12:00"]


def test_a_holiday_is_added_and_removed(signed_in: SignIn, engine: Engine) -> None:
    admin = signed_in("admin")

    added = admin.post("/admin/practice/closures", {"name": "Staff retreat", "date": "2026-06-05",
                                                    "location": "tulare"})
    with session_scope(engine) as session:
        closure = session.scalar(select(Closure).where(Closure.name == "Staff retreat"))
        assert closure is not None and closure.starts_on == date(2026, 6, 5)
        assert closure.location_id is not None
    removed = admin.post("/admin/practice/closures/remove",
                         {"name": "Staff retreat", "date": "2026-06-05"})

    assert added.status_code == removed.status_code == 303
    with session_scope(engine) as session:
        assert session.scalar(select(Closure).where(Closure.name == "Staff retreat")) is None


def test_a_closure_ending_before_it_starts_is_refused(signed_in: SignIn) -> None:
    backwards = {"name": "Backwards", "date": "2026-06-05", "until": "2026-06-01"}

    page = signed_in("admin").post("/admin/practice/closures", backwards)

    assert page.status_code == 422
    assert page.context["problems"] == [
        "Closure 'Backwards' on 2026-06-05: closure ends (2026-06-01) before it starts "
        "(2026-06-05)"]


def test_languages_and_coverage_are_changed_and_an_empty_language_list_refused(
    signed_in: SignIn, engine: Engine
) -> None:
    admin = signed_in("admin")

    saved = admin.post("/admin/practice/service",
                       {"language_en": "on", "coverage_mode": "after_hours"})
    refused = admin.post("/admin/practice/service", {"coverage_mode": "full_day"})

    assert saved.status_code == 303 and refused.status_code == 422
    assert refused.context["problems"] == [
        "Languages: List should have at least 1 item after validation, not 0 (got [])"]
    with session_scope(engine) as session:
        practice = session.scalars(select(Practice)).one()
        assert (practice.languages, practice.coverage_mode) == (["en"], "after_hours")


# Providers and services ------------------------------------------------------------------

THAO = "1904000555"  # Kevin Thao, orthopedics: en and hmn, Visalia only, every plan
THAO_FORM = {"languages": "en, hmn", "accepting_new_patients": "on", "site_visalia": "on",
             **{f"plan_{key}": "on" for key in ("anthem_medi_cal", "health_net_medi_cal",
                                                 "medicare", "state_fund", "blue_shield_ppo",
                                                 "aetna_ppo", "self_pay")}}


def _provider(engine: Engine, npi: str) -> tuple[list[str], bool, list[str], list[str]]:
    with session_scope(engine) as session:
        row = session.scalars(select(Provider).where(Provider.npi == npi)).one()
        return (list(row.languages), row.accepting_new_patients,
                sorted(site.key for site in row.locations), sorted(plan.key for plan in row.plans))


def _audited(engine: Engine, resource_type: str) -> list[tuple[str, str, str | None]]:
    with session_scope(engine) as session:
        rows = session.scalars(select(AuditEvent).where(AuditEvent.resource_type == resource_type)
                               .order_by(AuditEvent.seq)).all()
        return [(row.actor, row.action, row.reason) for row in rows]


def test_an_administrator_opens_a_providers_form_filled_in(signed_in: SignIn) -> None:
    page = signed_in("admin").get(f"/admin/practice/providers/{THAO}")

    assert page.status_code == 200
    assert 'name="languages" value="en, hmn"' in page.text
    assert 'name="site_visalia" checked' in page.text
    assert 'name="site_tulare">' in page.text
    assert 'name="accepting_new_patients" checked' in page.text
    assert f'action="/admin/practice/providers/{THAO}"' in page.text
    assert 'name="csrf_token"' in page.text


def test_the_practice_page_links_each_provider_and_service_to_its_form_for_admins_only(
    signed_in: SignIn
) -> None:
    admin_page = signed_in("admin").get("/admin/practice").text
    staff_page = signed_in("staff").get("/admin/practice").text

    assert f'href="/admin/practice/providers/{THAO}"' in admin_page
    assert 'href="/admin/practice/services/pt_eval"' in admin_page
    assert "/admin/practice/providers/" not in staff_page
    assert "/admin/practice/services/" not in staff_page


def test_editing_a_providers_languages_sites_plans_and_new_patients_applies_and_is_audited(
    signed_in: SignIn, engine: Engine
) -> None:
    form = {"languages": "en, hmn, es", "site_visalia": "on", "site_tulare": "on",
            "plan_medicare": "on", "plan_self_pay": "on"}  # new patients: unticked

    response = signed_in("admin").post(f"/admin/practice/providers/{THAO}", form)

    assert response.status_code == 303
    assert response.headers["location"] == "/admin/practice?done=saved#providers"
    assert _provider(engine, THAO) == (["en", "hmn", "es"], False, ["tulare", "visalia"],
                                       ["medicare", "self_pay"])
    assert _audited(engine, "provider") == [
        ("staff:admin@valle.example.org", "update",
         "edited on the dashboard: languages, locations, plans, accepting_new_patients")]
    assert ("staff:admin@valle.example.org", "update",
            "practice config loaded from the dashboard") in _audited(engine, "practice")


def test_saving_a_provider_unchanged_writes_and_audits_nothing(
    signed_in: SignIn, engine: Engine
) -> None:
    admin = signed_in("admin")

    response = admin.post(f"/admin/practice/providers/{THAO}", THAO_FORM)

    assert response.headers["location"] == "/admin/practice?done=unchanged#providers"
    assert "Nothing to save: it was already so." in admin.get(response.headers["location"]).text
    assert _audited(engine, "provider") == []


def test_provider_languages_and_sites_are_checked_as_the_file_is_each_problem_named(
    signed_in: SignIn, engine: Engine
) -> None:
    before = _provider(engine, THAO)
    form = {**THAO_FORM, "languages": "english, en"}
    del form["site_visalia"]

    page = signed_in("admin").post(f"/admin/practice/providers/{THAO}", form)

    assert page.status_code == 422
    problems = page.context["problems"]
    assert "Languages: 'english' is not an ISO 639 language code; e.g. es, en, hmn" in problems, (
        problems
    )
    assert any(p.startswith("Sites: ") and "at least 1 item" in p for p in problems), problems
    assert "Nothing was changed." in page.text and 'role="alert"' in page.text
    assert 'value="english, en"' in page.text  # what was typed is kept to fix
    assert _provider(engine, THAO) == before
    assert _audited(engine, "provider") == []


def test_a_site_the_providers_week_uses_cannot_be_taken_away(
    signed_in: SignIn, engine: Engine
) -> None:
    form = {**THAO_FORM, "site_tulare": "on"}
    del form["site_visalia"]

    page = signed_in("admin").post(f"/admin/practice/providers/{THAO}", form)

    assert page.status_code == 422
    assert page.context["problems"] == [
        "Weekly schedule: Monday, Tuesday, Wednesday and Thursday block 12:00-19:30 is at "
        f"{VISALIA}, which is not one of this provider's sites ({TULARE})"]
    assert _provider(engine, THAO)[2] == ["visalia"]


def test_an_empty_language_list_is_refused(signed_in: SignIn, engine: Engine) -> None:
    page = signed_in("admin").post(f"/admin/practice/providers/{THAO}",
                                   {**THAO_FORM, "languages": " , "})

    assert page.status_code == 422
    assert any(p.startswith("Languages: ") and "at least 1 item" in p
               for p in page.context["problems"])
    assert _provider(engine, THAO)[0] == ["en", "hmn"]


def test_an_unknown_provider_or_service_is_a_clear_404(signed_in: SignIn) -> None:
    admin = signed_in("admin")

    provider = admin.post("/admin/practice/providers/1234567893", THAO_FORM)
    service = admin.get("/admin/practice/services/no_such_visit")

    assert provider.status_code == service.status_code == 404
    assert provider.context["message"] == "there is no provider with npi '1234567893'"
    assert service.context["message"] == "there is no service with key 'no_such_visit'"
    assert "there is no provider with npi &#39;1234567893&#39;" in provider.text


def _minutes(engine: Engine, key: str) -> int:
    with session_scope(engine) as session:
        return session.scalars(select(Service.duration_minutes).where(Service.key == key)).one()


def test_a_services_length_is_changed_and_audited(signed_in: SignIn, engine: Engine) -> None:
    admin = signed_in("admin")
    form = admin.get("/admin/practice/services/pt_eval")

    response = admin.post("/admin/practice/services/pt_eval", {"duration_minutes": " 60 "})

    assert form.status_code == 200 and 'name="duration_minutes" value="45"' in form.text
    assert response.status_code == 303
    assert response.headers["location"] == "/admin/practice?done=saved#services"
    assert _minutes(engine, "pt_eval") == 60
    assert _audited(engine, "service") == [
        ("staff:admin@valle.example.org", "update", "edited on the dashboard: duration_minutes")]


@pytest.mark.parametrize(("typed", "says"), [
    ("3", "Minutes: Input should be greater than or equal to 5 (got 3)"),
    ("481", "Minutes: Input should be less than or equal to 480 (got 481)"),
    ("forty", "Minutes: Input should be a valid integer, unable to parse string as an integer "
              "(got 'forty')"),
    ("", "Minutes: Input should be a valid integer, unable to parse string as an integer "
         "(got '')"),
    ("²", "Minutes: Input should be a valid integer"),
])
def test_a_service_length_outside_the_files_rules_is_refused_on_the_form(
    signed_in: SignIn, engine: Engine, typed: str, says: str
) -> None:
    page = signed_in("admin").post("/admin/practice/services/pt_eval",
                                   {"duration_minutes": typed})

    assert page.status_code == 422
    assert any(problem.startswith(says) for problem in page.context["problems"]), \
        page.context["problems"]
    assert f'name="duration_minutes" value="{typed}"' in page.text
    assert _minutes(engine, "pt_eval") == 45


@pytest.mark.parametrize("role", ["staff", "coordinator", "auditor"])
def test_only_an_administrator_may_edit_providers_and_services(
    signed_in: SignIn, engine: Engine, role: str
) -> None:
    other = signed_in(role)

    responses = [other.get(f"/admin/practice/providers/{THAO}"),
                 other.post(f"/admin/practice/providers/{THAO}", {"languages": "en"}),
                 other.get("/admin/practice/services/pt_eval"),
                 other.post("/admin/practice/services/pt_eval", {"duration_minutes": "60"})]

    assert [response.status_code for response in responses] == [403] * 4
    assert f"the {role} role may not change Practice" in responses[1].text
    assert _provider(engine, THAO)[0] == ["en", "hmn"] and _minutes(engine, "pt_eval") == 45
