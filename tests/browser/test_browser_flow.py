"""The whole flow in two browsers on the local runtime: a customer asks, the partner answers from the SMS
link, and the customer page shows the answer and the notification."""

from __future__ import annotations

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from browsing import Pages, ask, capture, link_path, reservation, sms_count, wait_for_link
from playwright.sync_api import expect

pytestmark = pytest.mark.browser

KST = ZoneInfo("Asia/Seoul")
ARRIVAL_MS = 20_000  # the customer page polls every 2 s; the notification follows the answer


def tomorrow_afternoon() -> str:
    day = datetime.now(KST) + timedelta(days=1)
    return day.strftime("%Y-%m-%dT15:00")


@pytest.mark.parametrize(
    ("index", "answer", "note"),
    [
        pytest.param(0, "accept", "", id="accept"),
        pytest.param(1, "reject", "8시는 만석, 8시 반 가능", id="reject-with-a-note"),
        pytest.param(2, "alternative", "", id="alternative"),
    ],
)
def test_partner_answer_reaches_the_customer(
    pages: Pages, system: str, index: int, answer: str, note: str
) -> None:
    booking = reservation(system, index)
    question = "예약 시간을 오후 다섯 시로 바꿀 수 있을까요?"
    sent_before = sms_count(system)
    customer = pages.open(system + "/")
    ask(customer, booking, question)
    expect(customer.locator("#step-sms")).to_have_attribute("data-state", "done", timeout=ARRIVAL_MS)
    # The status page shows the customer's own question and the business that answers it.
    expect(customer.locator("#my-question-text")).to_have_text(question)
    expect(customer.locator("#track-partner")).to_have_text(booking.partner_name)
    capture(customer, f"customer-waiting-{answer}")

    partner = pages.open(system + link_path(wait_for_link(system, booking.partner_phone, sent_before)))
    expect(partner.get_by_role("heading", name="고객 문의 확인 요청")).to_be_visible()
    expect(partner.locator("#fact-reservation")).to_have_text(booking.number)
    expect(partner.locator("#fact-query")).to_have_text(question)
    capture(partner, f"partner-request-{answer}")
    button = partner.locator(f'.choice[data-response="{answer}"]')
    label = button.inner_text()
    button.click()
    if answer == "alternative":
        partner.get_by_label("제안할 날짜와 시간").fill(tomorrow_afternoon())
    if note:
        partner.get_by_label("고객에게 남길 말").fill(note)
    capture(partner, f"partner-chosen-{answer}")
    partner.locator("#send").click()
    expect(partner.get_by_role("heading", name="응답을 보냈습니다")).to_be_visible()
    expect(partner.get_by_role("status")).to_contain_text("응답을 보냈습니다")
    capture(partner, f"partner-sent-{answer}")

    expect(customer.locator("#step-outcome .step-label")).to_have_text(f"응답: {label}", timeout=ARRIVAL_MS)
    expect(customer.locator("#notice-text")).not_to_be_empty(timeout=ARRIVAL_MS)
    expect(customer.locator("#notice-pending")).to_be_hidden()
    expect(customer.get_by_role("status")).to_contain_text("안내 메시지가 도착했습니다")
    if note:  # the partner's words, shown as theirs
        expect(customer.locator("#partner-note-text")).to_have_text(note)
        expect(customer.locator("#partner-note-who")).to_contain_text(booking.partner_name)
    else:
        expect(customer.locator("#partner-note")).to_be_hidden()
    main = customer.locator("main").inner_text()
    for developer_words in ("분류기", "기본 안내 문구", "Bedrock", "Lex"):
        assert developer_words not in main
    capture(customer, f"customer-{answer}")


def test_customer_sees_the_timeout_when_the_partner_never_answers(
    hurried_pages: Pages, hurried_system: str
) -> None:
    customer = hurried_pages.open(hurried_system + "/")
    ask(customer, reservation(hurried_system, 0), "내일 체크인을 한 시간 늦출 수 있나요?")
    expect(customer.locator("#step-outcome .step-label")).to_have_text("시간 초과", timeout=ARRIVAL_MS)
    expect(customer.locator("#step-outcome")).to_have_attribute("data-state", "warning")
    expect(customer.locator("#notice-text")).not_to_be_empty(timeout=ARRIVAL_MS)
    capture(customer, "customer-timeout")
