"""The site's files as published: small, self-contained, no inline code (so `default-src 'self'` holds)."""

from __future__ import annotations

import gzip
import re
from html.parser import HTMLParser
from pathlib import Path

import pytest

from components.site import config_js

SITE = Path(__file__).resolve().parents[2] / "site"
PAGES = ("index.html", "confirm.html", "admin/index.html")  # the pages with a form and scripts
ALL_PAGES = (*PAGES, "404.html")
# What a phone parses, and what it downloads (CloudFront compresses HTML, CSS and JavaScript).
# 72 KB since the customer page proves the phone by code before a question (verify.js, issue 10); 80 KB
# since its status page answers a proposed time and proves the phone there too (issue 12). The compressed
# budget, what a phone downloads, is unchanged.
BUDGET_BYTES = 80 * 1024
BUDGET_COMPRESSED_BYTES = 24 * 1024
# The operator console is a desktop tool behind sign-in (tables, a drawer, three actions, Cognito sign-in):
# a budget of its own, still small enough for the phone an operator on call may open it on.
CONSOLE = "admin/index.html"
CONSOLE_BUDGET_BYTES = 140 * 1024
CONSOLE_BUDGET_COMPRESSED_BYTES = 44 * 1024
# config.js is generated at deploy time: one line with the API URL, the brand and the support phone.
LONG_API_URL = "https://abcdefghij.execute-api.ap-northeast-2.amazonaws.com"
CONFIG_JS_BYTES = len(config_js(LONG_API_URL, "예약확인센터", "1588-0000", "sms").encode())


class Page(HTMLParser):
    """The parts of a page these checks read."""

    def __init__(self) -> None:
        super().__init__()
        self.references: list[str] = []  # what the browser loads with the page
        self.links: list[str] = []
        self.scripts: list[str | None] = []
        self.inline: list[str] = []
        self.controls: list[str] = []
        self.labelled: set[str] = set()
        self.metas: dict[str, str] = {}
        self.lang: str | None = None

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        values = dict(attrs)
        if tag == "html":
            self.lang = values.get("lang")
        if tag == "script":
            self.scripts.append(values.get("src"))
        if tag == "style":
            self.inline.append("<style>")
        for name, value in attrs:
            if name == "style" or name.startswith("on"):
                self.inline.append(f"<{tag} {name}>")
            if value and (name == "src" or (name == "href" and tag == "link")):
                self.references.append(value)
            if value and name == "href" and tag == "a":
                self.links.append(value)
        if tag in ("input", "textarea", "select") and values.get("type") != "hidden":
            self.controls.append(str(values.get("id")))
        if tag == "label" and values.get("for"):
            self.labelled.add(str(values["for"]))
        if tag == "meta" and values.get("name"):
            self.metas[str(values["name"])] = str(values.get("content"))

    def handle_data(self, data: str) -> None:
        if self.lasttag == "script" and data.strip():
            self.inline.append("<script> with code")


def parse(name: str) -> Page:
    page = Page()
    page.feed((SITE / name).read_text(encoding="utf-8"))
    return page


@pytest.mark.parametrize("name", ALL_PAGES)
def test_page_weighs_under_64_kb_and_downloads_under_24_kb_in_total(name: str) -> None:
    page = parse(name)
    files = {SITE / name} | {SITE / ref.lstrip("/") for ref in page.references if ref != "/config.js"}
    total = sum(path.stat().st_size for path in files) + CONFIG_JS_BYTES
    compressed = sum(len(gzip.compress(path.read_bytes())) for path in files) + CONFIG_JS_BYTES
    budget, budget_compressed = (
        (CONSOLE_BUDGET_BYTES, CONSOLE_BUDGET_COMPRESSED_BYTES)
        if name == CONSOLE
        else (BUDGET_BYTES, BUDGET_COMPRESSED_BYTES)
    )
    assert total < budget, f"{name}: {total} bytes"
    assert compressed < budget_compressed, f"{name}: {compressed} bytes compressed"


@pytest.mark.parametrize("name", ALL_PAGES)
def test_page_has_no_inline_code(name: str) -> None:
    page = parse(name)
    assert page.inline == []
    assert None not in page.scripts


@pytest.mark.parametrize("name", ALL_PAGES)
def test_page_references_only_its_own_site(name: str) -> None:
    page = parse(name)
    # Root-relative: the partner page is served at /r/{token}, where relative paths would break.
    assert [ref for ref in page.references if not re.fullmatch(r"(/[\w.-]+)+", ref)] == []
    assert all((SITE / ref.lstrip("/")).is_file() for ref in page.references if ref != "/config.js")
    # And the support number (404.html: filled in at deploy, components/site.py::static_page).
    local = r"/|/admin/|#[\w-]+|tel:(\+?\d+|\{\{supportTel\}\})"
    assert [link for link in page.links if not re.fullmatch(local, link)] == []


def test_styles_and_scripts_load_nothing_from_elsewhere() -> None:
    for path in [*SITE.rglob("*.css"), *SITE.rglob("*.js")]:
        text = path.read_text(encoding="utf-8")
        assert not re.search(r"https?://|@import|url\(", text), path.name


@pytest.mark.parametrize("name", PAGES)
def test_page_reads_the_generated_config_before_its_own_scripts(name: str) -> None:
    scripts = parse(name).scripts
    assert scripts[0] == "/config.js"
    assert len(scripts) > 1


def test_generated_config_is_not_committed() -> None:
    assert not (SITE / "config.js").exists()


@pytest.mark.parametrize("name", PAGES)
def test_every_field_has_a_label(name: str) -> None:
    page = parse(name)
    assert page.controls
    assert set(page.controls) <= page.labelled


@pytest.mark.parametrize("name", ALL_PAGES)
def test_page_is_korean_and_fits_a_phone(name: str) -> None:
    page = parse(name)
    assert page.lang == "ko"
    assert "width=device-width" in page.metas["viewport"]


def test_partner_page_sends_no_referrer() -> None:
    assert parse("confirm.html").metas["referrer"] == "no-referrer"


def test_not_found_page_leads_back_to_the_customer_page() -> None:
    page = parse("404.html")
    assert "/" in page.links
    assert page.scripts == []  # nothing to run: it must render even where scripts fail


def test_customer_page_holds_no_developer_words() -> None:
    # How the intent was found and who wrote the message are for operators (make ops), not customers.
    page = parse("index.html")
    files = [SITE / "index.html", *(SITE / ref.lstrip("/") for ref in page.references if ref.endswith(".js"))]
    text = "\n".join(path.read_text(encoding="utf-8") for path in files if path.name != "config.js")
    for words in ("intentSource", ".source", "분류기", "기본 안내 문구", "Bedrock", "Lex", "Claude"):
        assert words not in text, words
