"""Every route of the app against the declared policy (`referraldesk.api.access.ROUTES`).

Each route is sent one request as anonymous, as each token role and as each dashboard
role; the answers must match its declared door. A route the app serves but the policy
does not name fails `test_every_route_is_declared`: declare it in `api/access.py`.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy import Engine
from starlette.routing import BaseRoute, Mount, WebSocketRoute
from starlette.websockets import WebSocketDisconnect
from tests.security.conftest import DASHBOARD_ROLES, World, bearer, build_world
from tests.tools.factories import NOW, engine_from_template

from referraldesk import clock
from referraldesk.admin.deps import SESSION_COOKIE
from referraldesk.api.access import ROUTES, Access
from referraldesk.api.app import create_app
from referraldesk.auth.sessions import hash_secret, start_session
from referraldesk.db.session import session_factory
from referraldesk.models import ROLES, User
from referraldesk.models.auth import DashboardSession

# Path parameters that must be real for the route to be reached at all; any other
# parameter gets an id that does not exist, which an admitted caller sees as a 404.
SAMPLES = {
    "/api/tools/{name}": {"name": "get_services"},
    "/chat/static/{name}": {"name": "chat.js"},
    "/admin/static/{name}": {"name": "admin.css"},
    "/admin/referrals/state/{state}": {"state": "received"},
    "/admin/practice/locations/{key}/hours": {"key": "fresno"},
}
_PARAM = re.compile(r"{(\w+)(?::\w+)?}")


def served_routes(app: FastAPI) -> set[str]:
    """Every route the app serves, as "METHOD /path" (HEAD left out, "WS" for sockets)."""
    return set(_walk(app.routes, ""))


def _walk(routes: list[BaseRoute], prefix: str) -> Iterator[str]:
    for route in routes:
        if hasattr(route, "effective_route_contexts"):  # an included router (FastAPI >= 0.16x)
            for context in route.effective_route_contexts():
                inner = context.starlette_route
                if isinstance(inner, Mount):
                    yield from _walk_mount(inner, prefix)
                elif isinstance(inner, WebSocketRoute) or not context.methods:
                    yield f"WS {prefix}{inner.path if inner else context.path_format}"
                else:
                    yield from _methods(context.methods, prefix + context.path_format)
        elif isinstance(route, Mount):
            yield from _walk_mount(route, prefix)
        elif isinstance(route, WebSocketRoute):
            yield f"WS {prefix}{route.path}"
        else:
            yield from _methods(getattr(route, "methods", None) or set(), prefix + route.path)


def _walk_mount(mount: Mount, prefix: str) -> Iterator[str]:
    inner: Any = mount.app
    while not hasattr(inner, "routes") and hasattr(inner, "app"):
        inner = inner.app  # middleware around the mounted app
    yield from _walk(inner.routes, prefix + mount.path)


def _methods(methods: set[str], path: str) -> Iterator[str]:
    for method in sorted(methods - {"HEAD"}):
        yield f"{method} {path}"


def _url(path: str) -> str:
    given = SAMPLES.get(path, {})
    return _PARAM.sub(lambda match: given.get(match.group(1), "unknown"), path)


def test_every_route_is_declared(built: Built) -> None:
    served = served_routes(built.app)

    assert served - ROUTES.keys() == set(), "declare these routes in referraldesk/api/access.py"
    assert ROUTES.keys() - served == set(), "these declared routes no longer exist"


class Callers:
    """Anonymous, a bearer token per role, and a signed-in browser per dashboard role."""

    def __init__(self, app: FastAPI, engine: Engine, world: World) -> None:
        self.app = app
        self.anonymous = TestClient(self.app, follow_redirects=False)
        self.tokens = world.tokens
        self.browsers: dict[str, tuple[TestClient, str]] = {}
        with session_factory(engine)() as session:
            for role in DASHBOARD_ROLES:
                user = session.get(User, world.user_ids[role])
                assert user is not None
                secret = start_session(session, user, source_address="testclient")
                csrf = session.get(DashboardSession, hash_secret(secret)).csrf_token  # type: ignore[union-attr]
                browser = TestClient(self.app, follow_redirects=False)
                browser.cookies.set(SESSION_COOKIE, secret, path="/admin")
                self.browsers[role] = (browser, csrf)
            session.commit()

    def send(self, method: str, url: str, *, token: str | None = None,
             browser: str | None = None) -> Any:
        if browser is not None:
            client, csrf = self.browsers[browser]
            if method == "GET":
                return client.get(url)
            return client.request(method, url, data={"csrf_token": csrf})
        headers = bearer(self.tokens[token]) if token else {}
        if method == "GET":
            return self.anonymous.get(url, headers=headers)
        return self.anonymous.request(method, url, json={}, headers=headers)

    def close(self) -> None:
        for client in [self.anonymous, *(b for b, _ in self.browsers.values())]:
            client.close()


@dataclass
class Built:
    app: FastAPI
    engine: Engine
    world: World


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory, _security_schema: Path) -> Iterator[Built]:
    # One database and app for the whole matrix: building them is most of the cost, and
    # no request here changes who may do what.
    clock.set_now(clock.parse_instant(NOW), frozen=True)
    engine = engine_from_template(_security_schema, tmp_path_factory.mktemp("matrix"))
    with session_factory(engine)() as session:
        world = build_world(session)
    yield Built(create_app(engine), engine, world)
    engine.dispose()


@pytest.fixture
def callers(built: Built) -> Iterator[Callers]:
    # Sessions are opened per test: one test signs its users out.
    clock.set_now(clock.parse_instant(NOW), frozen=True)
    made = Callers(built.app, built.engine, built.world)
    yield made
    made.close()


def _admitted(response: Any) -> bool:
    if response.status_code in (401, 403) or response.status_code >= 500:
        return False
    location = response.headers.get("location", "")
    return not location.startswith("/admin/login") or "ended=signed_out" in location


def _sent_to_sign_in(response: Any) -> bool:
    return response.status_code == 303 and response.headers["location"].startswith("/admin/login")


def _error_code(response: Any) -> str | None:
    try:
        return response.json()["error"]["code"]
    except (ValueError, KeyError, TypeError):
        return None


HTTP_ROUTES = sorted(key for key in ROUTES if not key.startswith("WS "))


@pytest.mark.parametrize("route", HTTP_ROUTES)
def test_each_caller_gets_what_the_policy_declares(callers: Callers, route: str) -> None:
    method, path = route.split(" ", 1)
    rule: Access = ROUTES[route]
    url = _url(path)

    anonymous = callers.send(method, url)
    with_token = {role: callers.send(method, url, token=role) for role in ROLES}

    if rule.door == "public":
        assert anonymous.status_code != 401 and _admitted(anonymous) or anonymous.status_code == 403
        assert anonymous.status_code == with_token["admin"].status_code
    elif rule.door == "token":
        assert (anonymous.status_code, _error_code(anonymous)) == (401, "unauthenticated")
        admitted = {role for role, response in with_token.items() if _admitted(response)}
        refused = {role for role, response in with_token.items()
                   if (response.status_code, _error_code(response)) == (403, "forbidden")}
        assert admitted == rule.roles, {r: w.status_code for r, w in with_token.items()}
        assert refused == set(ROLES) - rule.roles
    elif rule.door == "secret_url":
        assert anonymous.status_code == 404
        assert {role: r.status_code for role, r in with_token.items()} == dict.fromkeys(ROLES, 404)
    elif rule.door == "twilio":
        assert anonymous.status_code == 403
        assert {role: r.status_code for role, r in with_token.items()} == dict.fromkeys(ROLES, 403)
    else:
        statuses = {role: callers.send(method, url, browser=role) for role in DASHBOARD_ROLES}
        assert _sent_to_sign_in(anonymous)
        assert all(_sent_to_sign_in(response) for response in with_token.values())
        admitted = {role for role, response in statuses.items() if _admitted(response)}
        refused = {role for role, response in statuses.items() if response.status_code == 403}
        assert admitted == rule.roles, {r: s.status_code for r, s in statuses.items()}
        assert refused == set(DASHBOARD_ROLES) - rule.roles


def test_the_public_routes_are_exactly_these() -> None:
    public = {key for key, rule in ROUTES.items() if rule.door == "public"}

    assert public == {
        "GET /healthz", "GET /favicon.ico", "GET /openapi.json", "GET /docs",
        "GET /docs/oauth2-redirect", "GET /docs/assets/{name}", "GET /chat",
        "GET /chat/static/{name}",
        "POST /api/conversations",
        "POST /api/conversations/{conversation_id}/messages",
        "POST /api/conversations/{conversation_id}/end", "GET /admin/login",
        "POST /admin/login", "GET /admin/static/{name}",
    }


@pytest.mark.parametrize("route", sorted(key for key in ROUTES if key.startswith("WS ")))
def test_a_socket_handshake_without_a_signature_is_refused(
    callers: Callers, route: str
) -> None:
    path = route.split(" ", 1)[1]

    for headers in [{}, bearer(callers.tokens["admin"])]:
        with (
            pytest.raises(WebSocketDisconnect) as refused,
            callers.anonymous.websocket_connect(path, headers=headers) as socket,
        ):
            socket.receive_text()
        assert refused.value.code == 1008


def test_the_auditor_reads_the_trail_but_not_transcripts() -> None:
    assert "auditor" in ROUTES["GET /admin/audit"].roles
    assert "auditor" not in ROUTES["GET /admin/conversations/{conversation_id}"].roles
    assert "auditor" not in ROUTES["GET /api/conversations/{conversation_id}"].roles


def test_the_auditor_reads_the_metrics_as_on_the_numbers_page() -> None:
    assert "auditor" in ROUTES["GET /admin/numbers"].roles
    assert "auditor" in ROUTES["GET /api/metrics/conversations"].roles
    assert "auditor" in ROUTES["GET /api/metrics/referrals"].roles


def test_patient_data_has_the_same_roles_on_every_door() -> None:
    doors = ["POST /api/tools/{name}", "GET /api/patients/{patient_id}/appointments",
             "POST /api/patients", "POST /api/appointments"]

    assert len({ROUTES[door].roles for door in doors}) == 1
