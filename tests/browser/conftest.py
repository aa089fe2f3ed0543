"""Browser fixtures: Debian's Chromium driven by Playwright against the real local runtime.

Every page opened here is watched: a script error, a request to another origin, a Content-Security-Policy
violation or a missing site file fails the test that caused it. On top of the policy the site is served
with, every document gets `default-src 'self'`, so the pages are proven to work under that strict policy.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from browsing import SYSTEM_ARGS, SYSTEM_ENV, WIDTHS, Pages, open_pages
from playwright.sync_api import Browser, Page, sync_playwright

from local.console import DEMO_OPERATOR
from local.testing import running_system

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
FLOW_WAIT_SECONDS = 120
# Long enough to open a link in time on a busy two-core CI runner, short enough to wait out in a test.
SHORT_WAIT_SECONDS = 8
# One browser plays every customer and partner of the session from one address (127.0.0.1), so the edge's
# rate per address is raised for it; the rule itself is still played (tests/e2e hold it at the stack's 100).
EDGE = {"WAF_RATE_LIMIT": "5000"}


@pytest.fixture(scope="session")
def browser() -> Iterator[Browser]:
    if not CHROMIUM.exists():
        pytest.fail(f"{CHROMIUM} is missing: run `make tools` (installs Debian's chromium)")
    with sync_playwright() as playwright:
        launched = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        yield launched
        launched.close()


@pytest.fixture(scope="session")
def system() -> Iterator[str]:
    """The whole system on a loopback port, with a wait long enough for any flow."""
    with running_system(
        wait_seconds=FLOW_WAIT_SECONDS, args=SYSTEM_ARGS, extra_env={**SYSTEM_ENV, **EDGE}
    ) as base_url:
        yield base_url


@pytest.fixture(scope="session")
def hurried_system() -> Iterator[str]:
    """The whole system with the shortest partner wait, for links that expire during a test."""
    with running_system(
        wait_seconds=SHORT_WAIT_SECONDS, args=SYSTEM_ARGS, extra_env={**SYSTEM_ENV, **EDGE}
    ) as base_url:
        yield base_url


@pytest.fixture
def pages(browser: Browser, system: str) -> Iterator[Pages]:
    yield from open_pages(browser, system)


@pytest.fixture
def hurried_pages(browser: Browser, hurried_system: str) -> Iterator[Pages]:
    yield from open_pages(browser, hurried_system)


def sign_in_operator(page: Page, credentials: tuple[str, str] = DEMO_OPERATOR) -> None:
    """Sign `page` (any page of the site with /admin/auth.js loaded) in through the console's sign-in module,
    as its form does, and reload it so it starts signed in. The local runtime's demo operator by default."""
    page.wait_for_function("() => window.PartnerConfirmAuth !== undefined")
    state = page.evaluate("([u, p]) => PartnerConfirmAuth.signIn(u, p).then(r => r.state)", list(credentials))
    assert state == "signedIn", f"{credentials[0]} did not sign in: {state}"
    page.reload()
    page.wait_for_function("() => window.PartnerConfirmAuth && PartnerConfirmAuth.isOperator()")


@pytest.fixture
def operator_page(pages: Pages, system: str) -> Page:
    """The operator console (/admin/, desktop width) signed in as the demo operator (local/console.py)."""
    page = pages.open(f"{system}/admin/", height=WIDTHS[1280])
    page.set_viewport_size({"width": 1280, "height": WIDTHS[1280]})
    sign_in_operator(page)
    return page
