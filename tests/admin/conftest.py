"""Fixtures for the dashboard: a copy of the built world per test, signed-in clients per role."""

from __future__ import annotations

import shutil
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from argon2 import PasswordHasher
from fastapi.testclient import TestClient
from sqlalchemy import Engine
from tests.admin.world import NOW, World, build

from referraldesk import clock
from referraldesk.admin.deps import SESSION_COOKIE
from referraldesk.api.app import create_app
from referraldesk.auth import users
from referraldesk.auth.sessions import hash_secret, start_session
from referraldesk.db.session import make_engine, session_scope, use_engine
from referraldesk.models import User
from referraldesk.models.auth import DashboardSession


@dataclass
class Staff:
    """A signed-in browser: its client and its session's CSRF token, sent with every post."""

    client: TestClient
    csrf: str

    def get(self, url: str, **kwargs: Any) -> Any:
        return self.client.get(url, **kwargs)

    def post(self, url: str, data: dict[str, str] | None = None, **kwargs: Any) -> Any:
        return self.client.post(url, data={"csrf_token": self.csrf, **(data or {})}, **kwargs)


SignIn = Callable[[str], Staff]


@pytest.fixture(scope="session", autouse=True)
def _quick_password_hashes() -> Iterator[None]:
    # argon2's real cost (64 MiB, three passes) would make every sign-in in these tests take
    # a second or more on a busy machine; the dashboard's behaviour does not depend on it.
    with pytest.MonkeyPatch.context() as patch:
        cheap = PasswordHasher(time_cost=1, memory_cost=1024, parallelism=1)
        patch.setattr(users, "_hasher", cheap)
        users._decoy_hash.cache_clear()
        yield
    users._decoy_hash.cache_clear()


@pytest.fixture(scope="session")
def _built(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, World]:
    path = tmp_path_factory.mktemp("admin") / "world.db"
    return path, build(path)


@pytest.fixture
def world(_built: tuple[Path, World]) -> World:
    return _built[1]


@pytest.fixture
def engine(_built: tuple[Path, World], tmp_path: Path) -> Iterator[Engine]:
    copy = tmp_path / "admin.db"
    shutil.copyfile(_built[0], copy)
    clock.set_now(clock.parse_instant(NOW), frozen=True)
    engine = make_engine(f"sqlite:///{copy}")
    use_engine(engine)
    yield engine
    use_engine(None)
    engine.dispose()


@pytest.fixture
def anonymous(engine: Engine) -> Iterator[TestClient]:
    with TestClient(create_app(engine), follow_redirects=False) as client:
        yield client


@pytest.fixture
def signed_in(engine: Engine, world: World) -> Iterator[SignIn]:
    """A client with a live session for a role, opened directly (argon2 is tested in login)."""
    clients: list[TestClient] = []

    def sign_in(role: str) -> Staff:
        with session_scope(engine) as session:
            user = session.get(User, world.users[role])
            assert user is not None
            secret = start_session(session, user, source_address="testclient")
            csrf = session.get(DashboardSession, hash_secret(secret)).csrf_token  # type: ignore[union-attr]
        client = TestClient(create_app(engine), follow_redirects=False)
        client.cookies.set(SESSION_COOKIE, secret, path="/admin")
        clients.append(client)
        return Staff(client, csrf)

    yield sign_in
    for client in clients:
        client.close()


def pytest_configure(config: pytest.Config) -> None:
    # Declared here until pyproject's markers list carries it too (--strict-markers).
    config.addinivalue_line(
        "markers",
        "browser: drives headless Chromium through the dashboard (needs /usr/bin/chromium)",
    )
