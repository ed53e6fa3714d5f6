"""The migrations build exactly the schema the models describe, on both databases."""

import os
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import create_engine, text

from referraldesk.db import migrate
from referraldesk.db.base import Base
from referraldesk.db.session import make_engine

PG_ADMIN_URL = os.environ.get(
    "REFERRALDESK_TEST_PG_ADMIN_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/postgres"
)


@pytest.fixture
def empty_pg_url() -> Iterator[str]:
    name = f"rd_migrate_{uuid.uuid4().hex[:8]}"
    admin = create_engine(PG_ADMIN_URL, isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.execute(text(f'CREATE DATABASE "{name}"'))
    yield PG_ADMIN_URL.rsplit("/", 1)[0] + f"/{name}"
    with admin.connect() as connection:
        connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    admin.dispose()


def _differences(url: str) -> list[object]:
    engine = make_engine(url)
    with engine.connect() as connection:
        diff = compare_metadata(MigrationContext.configure(connection), Base.metadata)
    engine.dispose()
    return diff


def test_the_migrations_match_the_models_on_sqlite(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'migrated.db'}"

    migrate.upgrade(url)

    assert _differences(url) == []


@pytest.mark.postgres
def test_the_migrations_match_the_models_on_postgresql(empty_pg_url: str) -> None:
    migrate.upgrade(empty_pg_url)

    assert _differences(empty_pg_url) == []


def test_upgrading_twice_changes_nothing(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'twice.db'}"

    migrate.upgrade(url)
    migrate.upgrade(url)

    assert _differences(url) == []
