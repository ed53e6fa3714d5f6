"""The practice file's `practice.policy.scheduling`: checked, exported, and what it selects."""

from __future__ import annotations

import pytest
import yaml
from sqlalchemy import Engine, select
from tests.scheduling_fhir.conftest import set_scheduling

from referraldesk.db.session import session_scope
from referraldesk.errors import InvalidArgument
from referraldesk.models import Practice
from referraldesk.practice.exporter import export
from referraldesk.practice.loader import demo_config, load_config
from referraldesk.practice.problems import ConfigError
from referraldesk.practice.validate import parse_config
from referraldesk.scheduling.backends import calendar_for
from referraldesk.scheduling.backends.builtin import BuiltinCalendar
from referraldesk.scheduling.backends.fhir_calendar import FhirCalendar

FHIR = {
    "backend": "fhir",
    "base_url": "https://ehr.example/fhir",
    "auth": {
        "type": "smart_backend",
        "client_id": "rd",
        "token_url": "https://ehr.example/token",
        "private_key_path": "/etc/referraldesk/ehr.pem",
        "kid": "k1",
    },
}


def _with_scheduling(scheduling: dict[str, object]) -> str:
    document = demo_config().model_dump(mode="json", exclude_none=True)
    document["practice"]["policy"]["scheduling"] = scheduling
    return yaml.safe_dump(document, allow_unicode=True)


def test_it_names_each_scheduling_mistake_with_its_place() -> None:
    mistakes = [
        ({"backend": "fhir"}, "base_url"),
        ({**FHIR, "retries": 9}, "practice.policy.scheduling.retries"),
        ({**FHIR, "auth": {"type": "bearer", "token": "abc"}}, "token_env"),
        ({"backend": "builtin", "base_url": "https://ehr.example/fhir"}, "backend fhir"),
    ]

    for scheduling, named in mistakes:
        with pytest.raises(ConfigError) as refused:
            parse_config(_with_scheduling(scheduling))
        assert named in str(refused.value), scheduling


def test_the_scheduling_section_is_exported_as_loaded(engine: Engine) -> None:
    config = parse_config(_with_scheduling(FHIR))

    with session_scope(engine) as session:
        load_config(session, config)
    with session_scope(engine) as session:
        exported = yaml.safe_load(export(session))

    assert exported["practice"]["policy"]["scheduling"]["base_url"] == FHIR["base_url"]
    assert exported["practice"]["policy"]["scheduling"]["auth"]["kid"] == "k1"


def test_the_builtin_calendar_is_the_default_and_fhir_is_chosen_by_config(
    engine: Engine, monkeypatch: pytest.MonkeyPatch
) -> None:
    with session_scope(engine) as session:
        load_config(session, demo_config())
        default = calendar_for(session)
    monkeypatch.setenv("RD_TEST_EHR_TOKEN", "abc")
    set_scheduling(
        engine,
        {
            "backend": "fhir",
            "base_url": "https://ehr.example/fhir",
            "auth": {"type": "bearer", "token_env": "RD_TEST_EHR_TOKEN"},
        },
    )
    with session_scope(engine) as session:
        chosen = calendar_for(session)
        again = calendar_for(session)

    assert isinstance(default, BuiltinCalendar)
    assert isinstance(chosen, FhirCalendar) and chosen is again
    assert chosen.http.base_url == "https://ehr.example/fhir"


def test_a_broken_stored_section_is_named_not_a_crash(engine: Engine) -> None:
    with session_scope(engine) as session:
        load_config(session, demo_config())
    set_scheduling(engine, {"backend": "fhir"})

    with session_scope(engine) as session, pytest.raises(InvalidArgument, match="base_url"):
        calendar_for(session)
    with session_scope(engine) as session:
        assert session.scalars(select(Practice)).one().policy["scheduling"] == {"backend": "fhir"}
