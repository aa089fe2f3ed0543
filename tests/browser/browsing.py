"""Helpers for the browser tests: watched pages, page-state captures, and the local runtime's tools."""

from __future__ import annotations

import json
import os
import re
import time
import urllib.request
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from axe_playwright_python.sync_playwright import Axe
from playwright.sync_api import Browser, BrowserContext, Page, Response, Route

SCREENSHOTS = Path(__file__).resolve().parents[2] / "build" / "screenshots"
STRICT_CSP = "default-src 'self'"
WIDTHS = {360: 740, 1280: 900}
LINK = re.compile(r"https?://[^\s]+/r/[A-Za-z0-9_~.-]+")
CODE = re.compile(r"인증번호 ([0-9]{6})")
# Verification is on in the local runtime; these tests verify many customers from one address (127.0.0.1),
# so their runtimes raise the per-address code limit (its own test keeps the default) and seed reservations
# enough for each test to have its own (one open question per reservation).
SYSTEM_ARGS = ("--config", "codeTextsPerAddress=1000")
SYSTEM_ENV = {"DEMO_RESERVATIONS": "40"}

_CSP_PROBE = """
document.addEventListener("securitypolicyviolation", (event) => {
  (window.__cspViolations = window.__cspViolations || []).push(
    event.violatedDirective + " " + (event.blockedURI || "inline"));
});
"""


@dataclass
class Watch:
    """What went wrong on the pages of one test, reported when the test ends."""

    origin: str
    problems: list[str] = field(default_factory=list)
    pages: list[Page] = field(default_factory=list)
    expected_missing: set[str] = field(default_factory=set)  # paths a test opens to see the 404 page

    def on_console(self, page: Page) -> Callable[[Any], None]:
        def record(message: Any) -> None:
            # Chromium logs every 4xx/5xx fetch as "Failed to load resource"; answers are checked below.
            if message.type == "error" and not message.text.startswith("Failed to load resource"):
                self.problems.append(f"console error on {page.url}: {message.text}")

        return record

    def on_response(self, response: Response) -> None:
        path = urlsplit(response.url).path
        # The API's and Cognito's refusals are answers the pages handle (wrong password, expired session).
        answers = path.startswith(("/api/", "/_local/cognito-idp/"))
        if response.status >= 400 and not answers and path not in self.expected_missing:
            self.problems.append(f"{response.status} for {response.url}")

    def csp_violations(self) -> list[str]:
        found: list[str] = []
        for page in self.pages:
            if not page.is_closed():
                found += page.evaluate("window.__cspViolations || []")
        return found


class Pages:
    """Opens watched pages: a customer on one phone, a partner on another."""

    def __init__(self, browser: Browser, watch: Watch) -> None:
        self._browser = browser
        self._watch = watch
        self._contexts: list[BrowserContext] = []

    def open(self, url: str, *, height: int = WIDTHS[360], width: int = 360) -> Page:
        """A 360 px phone; `height=640` for the smallest screen a partner opens a link on; `width=1280`
        for an operator's desktop."""
        phone = width < 720
        context = self._browser.new_context(
            viewport={"width": width, "height": height},
            is_mobile=phone,
            has_touch=phone,
            locale="ko-KR",
            timezone_id="Asia/Seoul",
        )
        self._contexts.append(context)
        context.add_init_script(_CSP_PROBE)
        context.route("**/*", self._guard)
        page = context.new_page()
        page.on("console", self._watch.on_console(page))
        page.on("pageerror", lambda error: self._watch.problems.append(f"script error: {error}"))
        page.on("response", self._watch.on_response)
        self._watch.pages.append(page)
        page.goto(url)
        return page

    def expect_missing(self, path: str) -> None:
        """`path` is meant to answer 404: not a problem for this test."""
        self._watch.expected_missing.add(path)

    def _guard(self, route: Route) -> None:
        url = route.request.url
        if not url.startswith(self._watch.origin + "/"):
            self._watch.problems.append(f"request to another origin: {url}")
            route.abort()
            return
        if route.request.resource_type != "document":
            route.continue_()
            return
        response = route.fetch()
        headers = dict(response.headers)
        served = headers.get("content-security-policy")
        headers["content-security-policy"] = f"{served}, {STRICT_CSP}" if served else STRICT_CSP
        route.fulfill(response=response, headers=headers)

    def close(self) -> None:
        for context in self._contexts:
            context.close()


def open_pages(browser: Browser, base_url: str) -> Iterator[Pages]:
    watch = Watch(origin=base_url)
    pages = Pages(browser, watch)
    try:
        yield pages
        problems = watch.problems + [f"CSP violation: {v}" for v in watch.csp_violations()]
    finally:
        pages.close()
    assert not problems, "\n".join(problems)


def in_view(page: Page, selector: str) -> bool:
    """Whether the element is wholly on screen as the page stands, without any scrolling."""
    return bool(
        page.eval_on_selector(
            selector,
            "node => { const r = node.getBoundingClientRect();"
            " return r.width > 0 && r.top >= 0 && r.left >= 0"
            " && r.bottom <= window.innerHeight && r.right <= window.innerWidth; }",
        )
    )


def capture(page: Page, name: str, *, full_page: bool = True, every_impact: bool = False) -> None:
    """Check one page state for serious accessibility problems and photograph it at both widths.

    `full_page=False` photographs what the screen shows (for a bar held at the bottom of the screen);
    `every_impact=True` fails on any axe finding, minor and moderate ones too."""
    page.wait_for_load_state("networkidle")
    results = Axe().run(page)
    serious = [
        f"{violation['id']} ({violation['impact']}): {violation['help']} "
        f"at {[node['target'] for node in violation['nodes']]}"
        for violation in results.response["violations"]
        if every_impact or violation["impact"] in ("serious", "critical")
    ]
    assert not serious, f"axe on state '{name}':\n" + "\n".join(serious)
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    original = page.viewport_size
    for width, height in WIDTHS.items():
        page.set_viewport_size({"width": width, "height": height})
        page.screenshot(path=SCREENSHOTS / f"{name}-{width}.png", full_page=full_page, animations="disabled")
    if original:
        page.set_viewport_size(original)


def site_config(base_url: str) -> dict[str, Any]:
    """`window.PARTNER_CONFIRM_CONFIG` as the deployment generated it (config.js)."""
    with urllib.request.urlopen(base_url + "/config.js", timeout=10) as response:  # noqa: S310 (loopback)
        text = response.read().decode()
    return dict(json.loads(text[text.index("{") : text.rindex("}") + 1]))


def get_json(base_url: str, path: str) -> Any:
    with urllib.request.urlopen(base_url + path, timeout=10) as response:  # noqa: S310 (loopback only)
        return json.loads(response.read())


@dataclass(frozen=True)
class Reservation:
    number: str
    customer_phone: str  # as a customer types it: 010-1234-5678
    partner_phone: str  # E.164, as the SMS outbox lists it
    partner_name: str = ""

    @property
    def customer_e164(self) -> str:
        return "+82" + self.customer_phone.replace("-", "")[1:]


# (runtime, index) -> (the test it was handed to, the seeded row's position)
_HANDED_OUT: dict[tuple[str, int], tuple[str, int]] = {}
_USED: dict[str, set[int]] = {}


def reservation(base_url: str, index: int = 0) -> Reservation:
    """The seeded reservation at `index` (0-5 the demo ones, then the generated ones) for this test.

    A reservation has one open question at a time, and the runtimes live for the whole session: an index
    another test already used gets the next reservation no test has had yet.
    """
    rows = get_json(base_url, "/_local/reservations")
    test = os.environ.get("PYTEST_CURRENT_TEST", "").rsplit(" ", 1)[0]
    handed = _HANDED_OUT.get((base_url, index))
    if handed is None or handed[0] != test:
        taken = _USED.setdefault(base_url, set())
        position = index if index not in taken else next(p for p in range(len(rows)) if p not in taken)
        taken.add(position)
        handed = _HANDED_OUT[(base_url, index)] = (test, position)
    seeded = rows[handed[1]]
    digits = "0" + str(seeded["customerPhone"]).removeprefix("+82")
    return Reservation(
        number=seeded["reservationNumber"],
        customer_phone=f"{digits[:3]}-{digits[3:7]}-{digits[7:]}",
        partner_phone=seeded["partnerPhone"],
        partner_name=seeded.get("partnerName", ""),
    )


def codes_to(base_url: str, phone_e164: str) -> list[str]:
    return [
        m.group(1)
        for t in get_json(base_url, "/_local/sms")
        if t.get("to") == phone_e164 and (m := CODE.search(str(t.get("body", ""))))
    ]


def wait_for_code(base_url: str, booking: Reservation, after: int, timeout: float = 20.0) -> str:
    """The newest verification code texted to the customer, once more than `after` were sent."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        codes = codes_to(base_url, booking.customer_e164)
        if len(codes) > after:
            return codes[-1]
        time.sleep(0.2)
    raise AssertionError(f"no verification code for {booking.number} within {timeout} s")


def verify_on_page(page: Page, booking: Reservation) -> None:
    """Prove the phone like a person does: ask for the code, read it from the phone (the outbox), type it."""
    base_url = page.url.split("/", 3)
    origin = "/".join(base_url[:3])
    page.get_by_label("예약번호", exact=True).fill(booking.number)
    page.get_by_label("연락처", exact=True).fill(booking.customer_phone)
    before = len(codes_to(origin, booking.customer_e164))
    page.get_by_role("button", name="인증번호 받기").click()
    code = wait_for_code(origin, booking, before)
    page.get_by_label("인증번호", exact=True).fill(code)
    page.get_by_role("button", name="확인", exact=True).click()
    page.locator("#verified").wait_for(state="visible")


_API_TOKENS: dict[tuple[str, str], str] = {}


def verify_by_api(base_url: str, booking: Reservation) -> str:
    """A customer token for `booking` through the API (kept for its life, as the page keeps it)."""
    key = (base_url, booking.number)
    if key not in _API_TOKENS:
        pair = {"reservationNumber": booking.number, "customerPhone": booking.customer_phone}
        before = len(codes_to(base_url, booking.customer_e164))
        post_json(base_url, "/api/verify", pair)
        code = wait_for_code(base_url, booking, before)
        _API_TOKENS[key] = post_json(base_url, "/api/verify/confirm", {**pair, "code": code})["customerToken"]
    return _API_TOKENS[key]


def sms_count(base_url: str) -> int:
    return len(get_json(base_url, "/_local/sms"))


def wait_for_link(base_url: str, to: str, after: int, timeout: float = 20.0) -> str:
    """The partner link of the first SMS to `to` among those sent after the first `after` messages."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        for message in get_json(base_url, "/_local/sms")[after:]:
            found = LINK.search(str(message.get("body", "")))
            if message.get("to") == to and found:
                return found.group(0)
        time.sleep(0.2)
    raise AssertionError(f"no SMS with a link to {to} within {timeout} s")


def link_path(link: str) -> str:
    return urlsplit(link).path


def post_json(base_url: str, path: str, body: dict[str, Any], token: str | None = None) -> Any:
    headers = {"Content-Type": "application/json"}
    if token is not None:
        headers["Authorization"] = f"Bearer {token}"
    request = urllib.request.Request(  # noqa: S310 (loopback only)
        base_url + path, data=json.dumps(body).encode(), headers=headers, method="POST"
    )
    with urllib.request.urlopen(request, timeout=10) as response:  # noqa: S310
        return json.loads(response.read())


def ask(page: Page, booking: Reservation, message: str) -> str:
    """Verify the phone and fill the customer form like a person does; the request id the page moved to."""
    verify_on_page(page, booking)
    page.get_by_label("문의 내용", exact=True).fill(message)
    page.get_by_role("button", name="문의하기").click()
    page.wait_for_url(re.compile(r"\?request=[^&]+$"))
    return page.url.rsplit("=", 1)[1]


@dataclass(frozen=True)
class PartnerLink:
    request_id: str
    path: str  # /r/{token}


def partner_link(base_url: str, booking: Reservation, message: str) -> PartnerLink:
    """Ask through the API (the customer page is not under test here) and return the SMS link's path."""
    sent_before = sms_count(base_url)
    accepted = post_json(
        base_url,
        "/api/chat",
        {"reservationNumber": booking.number, "customerPhone": booking.customer_phone, "message": message},
        verify_by_api(base_url, booking),
    )
    path = link_path(wait_for_link(base_url, booking.partner_phone, sent_before))
    return PartnerLink(request_id=accepted["requestId"], path=path)


def wait_for_status(base_url: str, request_id: str, status: str, timeout: float = 30.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if get_json(base_url, f"/api/requests/{request_id}")["status"] == status:
            return
        time.sleep(0.25)
    raise AssertionError(f"request {request_id} never reached {status}")
