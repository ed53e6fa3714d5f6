from __future__ import annotations

import pytest
from sqlalchemy import Engine
from sqlalchemy.orm import Session

from referraldesk.db.session import session_scope
from referraldesk.errors import NotFound
from referraldesk.practice.exporter import canonical, export
from referraldesk.practice.loader import demo_config, load_config
from referraldesk.practice.validate import parse_config


def test_the_export_loads_back_to_the_same_practice(engine: Engine) -> None:
    with session_scope(engine) as session:
        load_config(session, demo_config())
        text = export(session)

    assert parse_config(text, "export.yaml") == canonical(demo_config())


def test_loading_the_export_changes_nothing_and_exports_the_same_text(engine: Engine) -> None:
    with session_scope(engine) as session:
        load_config(session, demo_config())
        text = export(session)

    with session_scope(engine) as session:
        report = load_config(session, parse_config(text, "export.yaml"))
        again = export(session)

    assert report.changes == 0
    assert again == text


def test_the_export_keeps_a_deactivated_provider_inactive(engine: Engine) -> None:
    config = demo_config()
    retired = config.providers[0].model_copy(update={"active": False})
    config = config.model_copy(update={"providers": [retired, *config.providers[1:]]})
    with session_scope(engine) as session:
        load_config(session, config)
        text = export(session)

    exported = parse_config(text, "export.yaml")

    assert [p.active for p in exported.providers if p.npi == retired.npi] == [False]


def test_it_says_how_to_configure_a_practice_when_there_is_none(engine: Engine) -> None:
    with Session(engine) as session, pytest.raises(NotFound) as caught:
        export(session)

    assert "referraldesk practice load FILE" in caught.value.message
