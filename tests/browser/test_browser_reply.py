"""Issue 12 in the browser: the waiting page says the answer will be texted, and a customer who opens the
texted link (another phone session, no token kept) proves the phone there and confirms the proposed time;
the timeline shows the reply and the partner gets the text."""

from __future__ import annotations

import re
import time
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from browsing import (
    Pages,
    ask,
    capture,
    codes_to,
    get_json,
    post_json,
    reservation,
    sms_count,
    wait_for_code,
    wait_for_link,
)
from playwright.sync_api import expect

pytestmark = pytest.mark.browser

KST = ZoneInfo("Asia/Seoul")
ARRIVAL_MS = 20_000
STATUS_LINK = re.compile(r"https?://\S+/\?request=[0-9a-f-]{36}")


def _texts_to(base_url: str, phone: str, after: int) -> list[str]:
    return [str(t["body"]) for t in get_json(base_url, "/_local/sms")[after:] if t.get("to") == phone]


def _wait_for_text(base_url: str, phone: str, after: int, pattern: re.Pattern[str]) -> str:
    deadline = time.monotonic() + 20
    while time.monotonic() < deadline:
        for body in _texts_to(base_url, phone, after):
            if pattern.search(body):
                return body
        time.sleep(0.2)
    raise AssertionError(f"no text matching {pattern.pattern} to {phone}")


def test_the_customer_confirms_the_proposed_time_from_the_texted_link(pages: Pages, system: str) -> None:
    booking = reservation(system, 6)
    before = sms_count(system)
    asking = pages.open(system + "/")
    ask(asking, booking, "예약 시간을 오후 다섯 시로 바꿀 수 있을까요?")
    expect(asking.locator("#sms-promise")).to_have_text("답변이 오면 문자로도 알려 드립니다.")
    expect(asking.locator("#sms-promise")).to_be_visible()
    link = wait_for_link(system, booking.partner_phone, before)
    proposed = (datetime.now(KST) + timedelta(days=1)).replace(hour=15, minute=0, second=0, microsecond=0)
    answer = {
        "token": link.rsplit("/", 1)[1],
        "response": "alternative",
        "alternativeTime": proposed.isoformat(),
    }
    post_json(system, "/api/respond", answer)

    texted = _wait_for_text(system, booking.customer_e164, before, STATUS_LINK)
    match = STATUS_LINK.search(texted)
    assert match is not None
    phone = pages.open(match.group(0))
    confirm = phone.get_by_role("button", name="이 시간으로 확정")
    expect(confirm).to_be_visible(timeout=ARRIVAL_MS)
    expect(phone.locator("#reply-lead")).to_contain_text("오후 3:00")
    expect(phone.locator("#step-reply")).to_have_attribute("data-state", "current")
    capture(phone, "customer-reply-offered")
    confirm.click()

    # This session holds no customer token: the phone is proven on the page, then the reply goes.
    expect(phone.locator("#reply-phone")).to_be_focused()
    phone.locator("#reply-phone").fill(booking.customer_phone)
    codes = len(codes_to(system, booking.customer_e164))
    phone.get_by_role("button", name="인증번호 받기").click()
    phone.locator("#reply-code").fill(wait_for_code(system, booking, codes))
    phone.get_by_role("button", name="확인", exact=True).click()

    expect(phone.locator("#step-reply")).to_have_attribute("data-state", "done", timeout=ARRIVAL_MS)
    expect(phone.locator("#step-reply .step-detail")).to_have_text(
        "제안된 시간으로 확정한다고 업체에 전했습니다."
    )
    expect(confirm).to_be_hidden()
    expect(phone.get_by_role("status")).to_contain_text("확정했다고 업체에 전했습니다")
    capture(phone, "customer-reply-confirmed")
    told = _wait_for_text(system, booking.partner_phone, before, re.compile("고객이 제안하신 시간으로 확정"))
    assert booking.number in told
    customer_texts = [t for t in _texts_to(system, booking.customer_e164, before) if "인증번호" not in t]
    assert customer_texts == [texted]
