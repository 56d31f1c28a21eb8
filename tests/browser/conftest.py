"""The browser suite's world: a real ``baro serve`` on a fresh small demo world, Debian's
headless Chromium driven by Playwright, and a camera that photographs each step at a phone's
and a desktop's width.

Without ``/usr/bin/chromium`` the suite skips, except under CI (``CI=true``), where it fails:
``.ci/run`` installs the browser, and a suite that silently skipped there would prove nothing.
"""

from __future__ import annotations

import os
import re
import shutil
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import pytest
from playwright.sync_api import (
    Browser,
    BrowserContext,
    Page,
    Playwright,
    ViewportSize,
    sync_playwright,
)
from sqlalchemy import create_engine, text

from baro.bench.server import running_server
from baro.cli.world import build_world
from baro.commerce.customers import Role
from baro.core.config import Settings
from baro.platform import Platform
from baro.twin.demo import DemoAccounts, add_demo_accounts
from baro.twin.world import CatalogueSource, WorldSpec

CHROMIUM = Path("/usr/bin/chromium")
# No browser download, no network: Debian's Chromium, headless, quiet at start.
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
WIDTHS = (375, 1440)
DESKTOP = ViewportSize(width=1440, height=900)
# Argon2 at its cheapest in the server: the suite signs several shoppers up.
CHEAP_PASSWORDS = {"BARO_ARGON2_MEMORY_KIB": "32", "BARO_ARGON2_TIME_COST": "1"}


def artefacts_folder() -> Path:
    return Path(os.environ.get("BARO_BROWSER_ARTEFACTS", "build/browser-artefacts"))


def require_chromium() -> None:
    if CHROMIUM.exists():
        return
    message = f"no Chromium at {CHROMIUM} (Debian: apt-get install -y chromium)"
    if os.environ.get("CI") == "true":
        pytest.fail(message)
    pytest.skip(message)


@dataclass(frozen=True)
class Site:
    """The running shop and what the tests need to know about its world."""

    base_url: str
    database_url: str
    people: DemoAccounts  # ``baro demo``'s shopper (with address and card) and operator
    product_id: str
    product_title: str
    others_order_id: str  # the demo shopper's order: nobody else may open it

    def orders_of(self, email: str) -> int:
        """How many orders a shopper has, read from the database, not from the page the
        test is checking."""
        return int(
            self._scalar(
                "SELECT count(*) FROM orders o JOIN customers c ON c.id = o.customer_id "
                "WHERE c.email = :email",
                email=email,
            )
        )

    def order_status(self, order_id: str) -> str:
        return str(self._scalar("SELECT status FROM orders WHERE id = :id", id=order_id))

    def _scalar(self, query: str, **values: str) -> Any:
        engine = create_engine(self.database_url)
        try:
            with engine.connect() as connection:
                return connection.execute(text(query), values).scalar_one()
        finally:
            engine.dispose()


@pytest.fixture(scope="package")
def site(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Site]:
    require_chromium()  # before spending seconds on a world no browser will visit
    url = f"sqlite:///{tmp_path_factory.mktemp('browser-world') / 'baro.db'}"
    # As ``baro demo`` builds its world, smaller, and generated: the same on every machine.
    manifest = build_world(
        url,
        WorldSpec(products=60, customers=3, facilities=3, source=CatalogueSource.SYNTHETIC),
    )
    settings = Settings(database_url=url, argon2_memory_kib=32, argon2_time_cost=1)
    platform = Platform.start(settings)
    try:
        people = add_demo_accounts(platform, manifest)
        token = platform.accounts.sign_in(
            email=people.shopper_email, password=people.shopper_password, role=Role.CUSTOMER
        )
        others_order = platform.orders.place_one_click(
            platform.accounts.session(token).principal,
            str(manifest.products[1]["id"]),
            1,
            idempotency_key="demo-shopper-first",
        ).order
    finally:
        platform.close()
    with running_server(url, workers=1, environment=CHEAP_PASSWORDS) as server:
        yield Site(
            base_url=server.base_url,
            database_url=url,
            people=people,
            product_id=str(manifest.products[0]["id"]),
            product_title=str(manifest.products[0]["title_en"]),
            others_order_id=others_order.id,
        )


# Package scope, not session: sync Playwright keeps its event loop on the main thread while
# it runs, and tests after this package that start their own loop (asyncio.run) would fail.
@pytest.fixture(scope="package")
def playwright() -> Iterator[Playwright]:
    require_chromium()
    with sync_playwright() as driver:
        yield driver


@pytest.fixture(scope="package")
def browser(playwright: Playwright) -> Iterator[Browser]:
    # launch() gives the browser a fresh temporary profile (user-data dir) of its own.
    browser = playwright.chromium.launch(
        executable_path=str(CHROMIUM), headless=True, args=CHROMIUM_ARGS
    )
    yield browser
    browser.close()


@dataclass
class Visitor:
    """One person's browser window (own cookies), and what went wrong in it."""

    context: BrowserContext
    page: Page
    page_errors: list[str] = field(default_factory=list)
    foreign_requests: list[str] = field(default_factory=list)


@pytest.fixture
def visitors() -> Iterator[list[Visitor]]:
    """Opened by ``open_window``; each must end with no script error and no request
    leaving the machine (the pages ship their own htmx, CSS, maps)."""
    opened: list[Visitor] = []
    yield opened
    problems = [
        f"{kind}: {item}"
        for visitor in opened
        for kind, items in (
            ("script error", visitor.page_errors),
            ("off-site", visitor.foreign_requests),
        )
        for item in items
    ]
    for visitor in opened:
        visitor.context.close()
    assert not problems, problems


WindowOpener = Callable[..., Visitor]


@pytest.fixture
def open_window(browser: Browser, site: Site, visitors: list[Visitor]) -> WindowOpener:
    def open_window(locale: str = "en-US", *, same_session_as: Visitor | None = None) -> Visitor:
        context = browser.new_context(
            base_url=site.base_url,
            locale=locale,
            viewport=DESKTOP,
            storage_state=same_session_as.context.storage_state() if same_session_as else None,
        )
        context.set_default_timeout(15_000)
        visitor = Visitor(context, context.new_page())
        here = urlsplit(site.base_url).netloc
        visitor.page.on("pageerror", lambda error: visitor.page_errors.append(str(error)))
        # Say yes to "are you sure?": the step that asks is the one the test takes.
        visitor.page.on("dialog", lambda dialog: dialog.accept())
        context.on(
            "request",
            lambda request: (
                None
                if urlsplit(request.url).netloc in (here, "")
                else visitor.foreign_requests.append(request.url)
            ),
        )
        visitors.append(visitor)
        return visitor

    return open_window


class Camera:
    """Photographs a page at each width into the artefacts folder, and checks on the way
    that nothing scrolls sideways there."""

    def __init__(self, folder: Path) -> None:
        self.folder = folder
        self.shots = 0

    def __call__(self, page: Page, step: str) -> None:
        self.shots += 1
        self.folder.mkdir(parents=True, exist_ok=True)
        overflowing = []
        for width in WIDTHS:
            page.set_viewport_size(ViewportSize(width=width, height=900 if width > 800 else 812))
            page.screenshot(
                path=self.folder / f"{self.shots:02d}-{step}-{width}.png", full_page=True
            )
            scroll, inner = page.evaluate(
                "[document.documentElement.scrollWidth, window.innerWidth]"
            )
            if scroll > inner:
                overflowing.append(f"{width} px wide: scrollWidth {scroll} > {inner}")
        page.set_viewport_size(DESKTOP)
        assert not overflowing, f"{step} ({page.url}) scrolls sideways: {overflowing}"


@pytest.fixture
def camera(request: pytest.FixtureRequest) -> Camera:
    name = re.sub(r"[^A-Za-z0-9_.-]+", "-", request.node.name).strip("-")
    folder = artefacts_folder() / name
    shutil.rmtree(
        folder, ignore_errors=True
    )  # a step renamed since the last run leaves no stale shot
    return Camera(folder)
