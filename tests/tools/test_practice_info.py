from __future__ import annotations

from tests.tools.factories import Call, PracticeData

from referraldesk.tools import ToolContext


def test_it_lists_every_provider_with_the_api_shape(
    call: Call, agent: ToolContext, practice: PracticeData
) -> None:
    outcome = call(agent, "get_providers")

    assert outcome.ok
    assert outcome.data == {
        "providers": [
            {
                "id": practice.surgeon.id,
                "name": "Dr. Ben Cole",
                "specialty": "orthopedics",
                "specialty_label": "Cirugía ortopédica",
                "languages": ["en"],
                "plans": ["Blue Shield PPO"],
                "locations": ["Selma Clinic"],
                "accepting_new_patients": False,
                "telehealth": False,
            },
            {
                "id": practice.therapist.id,
                "name": "Dr. Ana Ruiz",
                "specialty": "physical_therapy",
                "specialty_label": "Fisioterapia",
                "languages": ["en", "es"],
                "plans": ["Blue Shield PPO", "CalViva Health"],
                "locations": ["Fresno Main"],
                "accepting_new_patients": True,
                "telehealth": False,
            },
        ]
    }


def test_it_filters_providers_by_every_criterion(
    call: Call, agent: ToolContext, practice: PracticeData
) -> None:
    by_label = call(agent, "get_providers", specialty="fisioterapia")
    by_language = call(agent, "get_providers", language="es")
    by_plan = call(agent, "get_providers", plan="medi-cal")
    by_site = call(agent, "get_providers", location="selma")
    accepting = call(agent, "get_providers", accepting_new=True, specialty="orthopedics")

    assert [p["name"] for p in by_label.data["providers"]] == ["Dr. Ana Ruiz"]
    assert [p["name"] for p in by_language.data["providers"]] == ["Dr. Ana Ruiz"]
    assert [p["name"] for p in by_plan.data["providers"]] == ["Dr. Ana Ruiz"]
    assert [p["name"] for p in by_site.data["providers"]] == ["Dr. Ben Cole"]
    assert accepting.data["providers"] == []


def test_it_says_which_specialties_exist_when_one_is_unknown(
    call: Call, agent: ToolContext, practice: PracticeData
) -> None:
    outcome = call(agent, "get_providers", specialty="dermatology")

    assert outcome.error.code == "not_found"
    assert outcome.error.field == "specialty"
    assert outcome.error.hint == "Known specialties: orthopedics, physical_therapy."


def test_it_refuses_an_unknown_plan_and_site(
    call: Call, agent: ToolContext, practice: PracticeData
) -> None:
    plan = call(agent, "get_providers", plan="Kaiser Gold")
    site = call(agent, "get_providers", location="Bakersfield")

    assert (plan.error.code, plan.error.field) == ("not_found", "plan")
    assert (site.error.code, site.error.field) == ("not_found", "location")


def test_it_describes_one_provider(call: Call, agent: ToolContext, practice: PracticeData) -> None:
    outcome = call(agent, "get_provider_info", provider_id=practice.therapist.id)

    assert outcome.ok
    assert outcome.data["npi"] == "1234567893"
    assert outcome.data["bio"] == "Sports and back rehabilitation."
    assert outcome.data["sites"] == [
        {
            "id": practice.site.id,
            "key": "fresno",
            "name": "Fresno Main",
            "address": "100 Tulare St",
            "city": "Fresno",
            "phone": "+15595550110",
        }
    ]
    assert outcome.data["services"] == ["Evaluación de fisioterapia"]


def test_it_reports_an_unknown_provider(
    call: Call, agent: ToolContext, practice: PracticeData
) -> None:
    outcome = call(agent, "get_provider_info", provider_id="nobody")

    assert outcome.error.code == "not_found"
    assert outcome.error.message == "no provider with id 'nobody'"
    assert outcome.error.retryable is False


def test_it_lists_services_in_the_conversation_language(
    call: Call, agent: ToolContext, practice: PracticeData
) -> None:
    outcome = call(agent, "get_services", specialty="physical therapy")

    assert outcome.data == {
        "services": [
            {
                "key": "pt_eval",
                "name": "Evaluación de fisioterapia",
                "name_en": "Physical therapy evaluation",
                "name_es": "Evaluación de fisioterapia",
                "cpt": "97161",
                "duration_minutes": 30,
                "specialty": "physical_therapy",
                "new_patient": True,
            }
        ]
    }


def test_it_gives_office_hours_in_local_time_with_closures(
    call: Call, agent: ToolContext, practice: PracticeData
) -> None:
    outcome = call(agent, "get_office_hours", location="Fresno Main")

    [site] = outcome.data["sites"]
    assert site["open_now"] is True  # 09:00 on a Tuesday in Fresno
    assert site["hours"][0] == {"weekday": "mon", "opens": "07:00", "closes": "18:00"}
    assert site["hours"][-1] == {"weekday": "sat", "opens": "08:00", "closes": "12:00"}
    assert site["closures"] == [
        {"name": "César Chávez Day", "starts_on": "2026-03-31", "ends_on": "2026-03-31"}
    ]


def test_it_lists_every_site_when_none_is_named(
    call: Call, agent: ToolContext, practice: PracticeData
) -> None:
    outcome = call(agent, "get_office_hours")

    assert [(s["key"], s["open_now"]) for s in outcome.data["sites"]] == [
        ("fresno", True),
        ("selma", False),
    ]
