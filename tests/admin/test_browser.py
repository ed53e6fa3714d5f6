"""The dashboard in a real browser: headless Chromium driven by Playwright.

Debian's `chromium` is used (Playwright's own browser download is not reachable
here); the session fixture installs it with apt-get when it is missing, and skips
with the reason when it cannot. The server is uvicorn on a socket this process
has already bound and put in listening state, so the browser's first request
waits in the socket's queue and no test waits on a timer. Screenshots go to
test-artifacts/admin/ (the tablet checks' as tablet-<page>.png).
"""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import threading
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
import uvicorn
from sqlalchemy import Engine, select
from tests.admin.world import NOW, PASSWORD, World, at, email

from referraldesk import clock
from referraldesk.admin import access
from referraldesk.api.app import create_app
from referraldesk.db.session import make_engine, session_scope, use_engine
from referraldesk.models import (
    Conversation,
    ConversationAnalysis,
    Location,
    OfficeHours,
    Referral,
)

pytestmark = pytest.mark.browser

CHROMIUM = Path("/usr/bin/chromium")
LAUNCH_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
               "--disable-component-update", "--disable-sync", "--no-first-run"]
ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts" / "admin"
APT_TIMEOUT_SECONDS = 900
TABLET = {"width": 820, "height": 1180}
# Every page of the navigation, and the forms reached from Practice.
TABLET_PAGES = [(page.key, page.path) for page in access.PAGES] + [
    ("practice-provider", "/admin/practice/providers/1904000555"),
    ("practice-service", "/admin/practice/services/pt_eval"),
]
# What sticks out past the right edge of the window, to name it when a page is too wide.
WIDER_THAN_WINDOW = """() => [...document.querySelectorAll('body *')]
  .filter(el => el.getBoundingClientRect().right > document.documentElement.clientWidth + 1)
  .filter(el => !el.closest('.table-wrap'))
  .slice(0, 5).map(el => el.tagName.toLowerCase() + (el.className ? '.' + el.className : ''))"""
LAPTOP = {"width": 1366, "height": 900}


def _apt_install() -> str:
    """Install Debian's chromium; refresh the package lists once if the first try fails."""
    command = ["apt-get", "install", "-y", "--no-install-recommends", "chromium"]
    environment = {**os.environ, "DEBIAN_FRONTEND": "noninteractive"}
    result = subprocess.run(command, capture_output=True, text=True, env=environment,
                            timeout=APT_TIMEOUT_SECONDS, check=False)
    if result.returncode != 0:
        subprocess.run(["apt-get", "update"], capture_output=True, text=True, env=environment,
                       timeout=APT_TIMEOUT_SECONDS, check=False)
        result = subprocess.run(command, capture_output=True, text=True, env=environment,
                                timeout=APT_TIMEOUT_SECONDS, check=False)
    return (result.stdout + result.stderr)[-800:]


@pytest.fixture(scope="session")
def chromium() -> str:
    """The path of a headless-capable Chromium, installed with apt-get when missing."""
    if not CHROMIUM.exists():
        if shutil.which("apt-get") is None:
            pytest.skip("browser tests need /usr/bin/chromium, and apt-get is not here "
                        "to install it")
        if os.geteuid() != 0:
            pytest.skip("browser tests need /usr/bin/chromium; installing it needs root "
                        "(run: apt-get install -y chromium)")
        output = _apt_install()
        if not CHROMIUM.exists():
            pytest.skip(f"apt-get install -y chromium did not provide {CHROMIUM}: {output}")
    return str(CHROMIUM)


@pytest.fixture(scope="session")
def playwright_browser(chromium: str) -> Iterator[Any]:
    sync_api = pytest.importorskip(
        "playwright.sync_api", reason="browser tests need the playwright package (pip install)")
    with sync_api.sync_playwright() as driver:
        browser = driver.chromium.launch(executable_path=chromium, headless=True, args=LAUNCH_ARGS)
        yield browser
        browser.close()


@dataclass
class Site:
    url: str
    engine: Engine
    world: World


@pytest.fixture(scope="module")
def site(_built: tuple[Path, World], tmp_path_factory: pytest.TempPathFactory) -> Iterator[Site]:
    """The whole product served by uvicorn on 127.0.0.1, on a copy of the test world."""
    copy = tmp_path_factory.mktemp("browser") / "site.db"
    shutil.copyfile(_built[0], copy)
    engine = make_engine(f"sqlite:///{copy}")
    listener = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    listener.bind(("127.0.0.1", 0))
    listener.listen(64)
    config = uvicorn.Config(create_app(engine), log_level="warning", access_log=False,
                            lifespan="off")
    server = uvicorn.Server(config)
    thread = threading.Thread(target=server.run, kwargs={"sockets": [listener]}, daemon=True)
    thread.start()
    port = listener.getsockname()[1]
    yield Site(f"http://127.0.0.1:{port}", engine, _built[1])
    server.should_exit = True
    thread.join(timeout=30)
    listener.close()
    engine.dispose()


@pytest.fixture(autouse=True)
def _the_practice_clock(site: Site) -> Iterator[None]:
    clock.set_now(clock.parse_instant(NOW), frozen=True)
    use_engine(site.engine)
    yield
    use_engine(None)


@pytest.fixture
def page(playwright_browser: Any, site: Site) -> Iterator[Any]:
    context = playwright_browser.new_context(viewport=LAPTOP, base_url=site.url)
    page = context.new_page()
    page.set_default_timeout(20_000)
    yield page
    context.close()


def _shot(page: Any, name: str) -> None:
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / f"{name}.png"), full_page=True)


def _sign_in(page: Any, role: str) -> None:
    page.goto("/admin/")
    page.fill("#email", email(role))
    page.fill("#password", PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_load_state()


def test_a_coordinator_signs_in_and_sees_today(page: Any) -> None:
    page.goto("/admin/today")
    _shot(page, "01-sign-in")

    _sign_in(page, "coordinator")

    assert page.url.endswith("/admin/today")
    assert page.locator("h1").inner_text().startswith("Today")
    assert page.locator("#tasks").get_by_text("asked for a person").count() == 1
    _shot(page, "02-today")


def test_staff_find_a_conversation_and_read_it(page: Any) -> None:
    _sign_in(page, "staff")
    page.click("nav >> text=Conversations")

    page.select_option("#channel", "voice")
    page.click("form.filters button[type=submit]")
    page.locator("table tbody tr a").first.click()
    page.wait_for_load_state()

    assert "channel=voice" not in page.url and "/admin/conversations/" in page.url
    assert page.get_by_text("Quiero hablar con una persona").count() == 1
    assert page.get_by_role("link", name="Listen to the recording").count() == 1
    _shot(page, "03-conversation")


def test_a_coordinator_moves_a_referral(page: Any, site: Site) -> None:
    _sign_in(page, "coordinator")
    page.goto("/admin/referrals")
    _shot(page, "04-referral-board")

    page.goto(f"/admin/referrals/{site.world.received_referral_id}")
    page.fill("#reason", "complete and in network")
    page.click("button[name=to_status][value=accepted]")
    page.wait_for_load_state()

    assert page.get_by_text("The referral moved.").count() == 1
    _shot(page, "05-referral-moved")
    with session_scope(site.engine) as session:
        referral = session.get(Referral, site.world.received_referral_id)
        assert referral is not None and referral.status == "accepted"


def test_an_administrator_edits_office_hours(page: Any, site: Site) -> None:
    _sign_in(page, "admin")
    page.goto("/admin/practice")

    page.fill("#hours_tulare_sat", "09:00-12:00")
    page.locator("#hours-tulare button[type=submit]").click()
    page.wait_for_load_state()

    assert page.get_by_text("Saved: the practice now works with this change.").count() == 1
    assert page.input_value("#hours_tulare_sat") == "09:00-12:00"
    _shot(page, "06-office-hours")
    with session_scope(site.engine) as session:
        saturday = session.scalars(select(OfficeHours).join(Location).where(
            Location.key == "tulare", OfficeHours.weekday == 5)).all()
        assert [(row.opens.hour, row.closes.hour) for row in saturday] == [(9, 12)]


def test_refused_office_hours_name_each_provider_and_the_page_keeps_its_address(
    page: Any, site: Site
) -> None:
    _sign_in(page, "admin")
    page.goto("/admin/practice")

    page.fill("#hours_visalia_sat", "08:00-11:00")
    page.locator("#hours-visalia button[type=submit]").click()
    page.wait_for_load_state()

    assert page.url == f"{site.url}/admin/practice"
    assert ("Dr. Javier Montoya (NPI 1904000449), Saturday block 07:00-12:00 is outside "
            "Sequoia Valley Occupational Health - Visalia's hours 08:00-11:00"
            ) in page.get_by_role("alert").inner_text()
    _shot(page, "06b-office-hours-refused")
    page.reload()
    assert page.get_by_role("alert").count() == 0  # the page again, not the form posted again


def test_an_auditor_filters_the_numbers(page: Any) -> None:
    _sign_in(page, "auditor")
    page.click("nav >> text=Numbers")

    page.fill("input[name=from]", "2026-03-01")
    page.fill("input[name=to]", "2026-03-10")
    page.click("form.filters button[type=submit]")
    page.wait_for_load_state()

    assert "from=2026-03-01" in page.url and "to=2026-03-10" in page.url
    assert page.locator("svg.chart").count() >= 6
    assert page.locator("#savings").get_by_text("conversations handled without staff").count() == 1
    _shot(page, "07-numbers")


def test_the_board_fits_a_tablet(playwright_browser: Any, site: Site) -> None:
    context = playwright_browser.new_context(viewport=TABLET, base_url=site.url, has_touch=True)
    page = context.new_page()
    try:
        _sign_in(page, "coordinator")
        page.goto("/admin/referrals")

        scroll_width = page.evaluate("document.documentElement.scrollWidth")
        _shot(page, "08-board-tablet")
    finally:
        context.close()

    assert scroll_width <= TABLET["width"]


@pytest.fixture(scope="module")
def tablet(playwright_browser: Any, site: Site) -> Iterator[Any]:
    """An administrator (who sees every page) on a tablet held upright."""
    clock.set_now(clock.parse_instant(NOW), frozen=True)
    context = playwright_browser.new_context(viewport=TABLET, base_url=site.url, has_touch=True)
    page = context.new_page()
    page.set_default_timeout(20_000)
    _sign_in(page, "admin")
    yield page
    context.close()


def _a_flagged_conversation(site: Site) -> None:
    """So Today shows its widest table: a call the analysis flagged that no task covers."""
    with session_scope(site.engine) as session:
        conversation = Conversation(channel="voice", language="en", status="ended",
                                    outcome="abandoned", started_at=at(3),
                                    last_activity_at=at(2.9), ended_at=at(2.9))
        session.add(conversation)
        session.flush()
        session.add(ConversationAnalysis(
            conversation_id=conversation.id, sentiment=-0.7, lead_score=10, intent="complaint",
            topics=[], satisfaction=1, escalation_flag=True, escalation_reason="caller upset",
            summary="Caller was unhappy about a wait.", analyzer="embedded",
            analyzer_version="1", analyzed_at=at(2.8)))


@pytest.mark.parametrize(("key", "path"), TABLET_PAGES, ids=[key for key, _ in TABLET_PAGES])
def test_each_page_fits_a_tablet(tablet: Any, site: Site, key: str, path: str) -> None:
    if key == "today":
        _a_flagged_conversation(site)

    tablet.goto(path)
    tablet.wait_for_load_state()

    scroll_width = tablet.evaluate("document.documentElement.scrollWidth")
    sticking_out = tablet.evaluate(WIDER_THAN_WINDOW)
    _shot(tablet, f"tablet-{key}")
    assert tablet.url.endswith(path), "the page sent the browser elsewhere"
    assert tablet.locator("main h1").count() == 1
    assert scroll_width <= TABLET["width"], f"{path} is {scroll_width}px wide: {sticking_out}"
