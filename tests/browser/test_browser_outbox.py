"""The README's walk-through: the partner's text is read in the local SMS outbox and its link opened there."""

from __future__ import annotations

import pytest
from browsing import Pages, ask, reservation, sms_count, wait_for_link
from playwright.sync_api import expect

pytestmark = pytest.mark.browser


def test_the_partner_opens_the_link_from_the_outbox(pages: Pages, system: str) -> None:
    booking = reservation(system, 0)
    sent_before = sms_count(system)
    ask(pages.open(system + "/"), booking, "주차할 곳이 있나요?")
    link = wait_for_link(system, booking.partner_phone, sent_before)

    outbox = pages.open(system + "/_local/outbox")
    # Newest first: the first card is the text just sent.
    newest = outbox.locator("article.msg").first
    expect(newest.get_by_role("link")).to_have_attribute("href", link)
    with outbox.context.expect_page() as opened:
        newest.get_by_role("link").click()
    # Checked now: the outbox reloads itself every 5 s, and the watch reads pages at the end.
    assert outbox.evaluate("window.__cspViolations || []") == []
    outbox.close()

    partner = opened.value
    expect(partner.get_by_role("heading", name="고객 문의 확인 요청")).to_be_visible()
    expect(partner.locator("#fact-query")).to_have_text("주차할 곳이 있나요?")
