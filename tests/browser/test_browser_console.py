"""The operator console (/admin/) in Chromium on the local runtime: the demo operator signs in, sees a
customer's question arrive in the queue, opens it, texts the partner a new link, answers for the partner,
closes another request with a note, reads the partners table and signs out. Every view passes axe with no
finding at all, and one request is handled with the keyboard alone."""

from __future__ import annotations

import json
import re

import pytest
from browsing import (
    Pages,
    ask,
    capture,
    link_path,
    reservation,
    sms_count,
    wait_for_link,
)
from playwright.sync_api import Locator, Page, expect

from local.console import DEMO_NON_OPERATOR, DEMO_OPERATOR

pytestmark = pytest.mark.browser

# The local runtime's demo operator (docs/local.md; created at start in the group `operators`).
OPERATOR = DEMO_OPERATOR
DESKTOP = 1280
# The queue refreshes itself every 10 s; the customer page polls every 2 s.
ARRIVAL_MS = 25_000
MAX_TABS = 80


def sign_in(page: Page, credentials: tuple[str, str] = OPERATOR) -> None:
    page.get_by_label("이메일").fill(credentials[0])
    page.get_by_label("비밀번호").fill(credentials[1])
    page.get_by_role("button", name="로그인").click()
    if credentials == OPERATOR:
        expect(page.get_by_role("heading", name="문의 목록")).to_be_visible()


def row_button(page: Page, reservation_number: str) -> Locator:
    return page.get_by_role("button", name=f"예약번호 {reservation_number} 문의 열기")


def tab_to(page: Page, selector: str) -> None:
    """Press Tab until `selector` has the focus, as a keyboard user would reach it."""
    for _ in range(MAX_TABS):
        page.keyboard.press("Tab")
        if page.evaluate("(s) => document.activeElement && document.activeElement.matches(s)", selector):
            return
    raise AssertionError(f"{selector} cannot be reached with Tab")


def test_operator_works_a_request_from_the_queue_to_sign_out(pages: Pages, system: str) -> None:
    console = pages.open(system + "/admin/", width=DESKTOP, height=900)
    expect(console.get_by_role("heading", name="운영자 로그인")).to_be_visible()
    capture(console, "console-sign-in", every_impact=True)
    # Someone signed in who is not an operator is told so, and stays out.
    sign_in(console, DEMO_NON_OPERATOR)
    expect(console.locator("#signin-error")).to_contain_text("운영자 권한이 없습니다")
    expect(console.locator("#queue")).to_be_hidden()
    sign_in(console)

    # A customer asks on the customer page: the question appears in the queue without a reload.
    booking = reservation(system, 3)
    question = "예약 시간을 오후 다섯 시로 바꿀 수 있을까요?"
    sent_before = sms_count(system)
    customer = pages.open(system + "/")
    ask(customer, booking, question)
    first_link = link_path(wait_for_link(system, booking.partner_phone, sent_before))
    row = console.locator("#queue-rows tr", has=row_button(console, booking.number))
    expect(row).to_be_visible(timeout=ARRIVAL_MS)
    expect(row).to_contain_text(booking.partner_name)
    countdown = row.locator(".countdown")
    expect(countdown).to_have_text(re.compile(r"^(\d+분 )?\d+초 남음$"))
    before = countdown.inner_text()
    expect(countdown).not_to_have_text(before)  # it counts down live
    capture(console, "console-queue", every_impact=True)

    # Open it: the drawer tells the request's story.
    row_button(console, booking.number).click()
    drawer = console.get_by_role("dialog")
    expect(drawer.get_by_role("heading", name=f"예약번호 {booking.number}")).to_be_visible()
    expect(drawer.locator("#d-query")).to_have_text(question)
    expect(drawer.locator("#d-timeline")).to_contain_text("업체에 확인 문자 발송")
    capture(console, "console-drawer", every_impact=True)

    # Resend the link, after a confirmation step: the old link is refused, the new one works.
    sent_before = sms_count(system)
    drawer.get_by_role("button", name="링크 다시 보내기").click()
    expect(drawer.locator("#action-confirm")).to_be_visible()
    capture(console, "console-resend-confirm", every_impact=True)
    drawer.get_by_role("button", name="새 링크 보내기").click()
    expect(drawer.locator("#action-done")).to_contain_text("새 링크를 보냈습니다")
    new_link = link_path(wait_for_link(system, booking.partner_phone, sent_before))
    assert new_link != first_link
    expect(drawer.locator("#d-timeline")).to_contain_text("링크를 다시 보냄", timeout=ARRIVAL_MS)
    old_partner = pages.open(system + first_link)
    expect(old_partner.locator("#problem")).to_be_visible()
    expect(old_partner.locator("#request")).to_be_hidden()
    new_partner = pages.open(system + new_link)
    expect(new_partner.get_by_role("heading", name="고객 문의 확인 요청")).to_be_visible()
    expect(new_partner.locator("#fact-query")).to_have_text(question)

    # Closing the drawer gives the focus back to the request's row; Enter opens it again.
    drawer.get_by_role("button", name="닫기").click()
    expect(drawer).to_be_hidden()
    expect(row_button(console, booking.number)).to_be_focused()
    console.keyboard.press("Enter")
    expect(drawer.locator("#d-timeline")).to_contain_text("업체가 링크를 열어 봄", timeout=ARRIVAL_MS)

    # Answer for the partner (who phoned in), confirmed first: the customer page shows the answer.
    drawer.get_by_role("button", name="업체 대신 답변").click()
    accept = drawer.locator("#answer-accept-label").inner_text()
    drawer.get_by_label(accept).check()
    drawer.get_by_label("메모 (운영 기록용)").fill("업체 사장님이 전화로 수락하셨습니다.")
    drawer.get_by_role("button", name="다음").click()
    expect(drawer.locator("#action-confirm-text")).to_contain_text(accept)
    capture(console, "console-answer-confirm", every_impact=True)
    drawer.get_by_role("button", name="답변 보내기").click()
    expect(drawer.locator("#action-done")).to_contain_text("업체 대신 답변을 보냈습니다")
    expect(drawer.locator("#d-status")).to_have_text("응답 완료", timeout=ARRIVAL_MS)
    expect(drawer.locator("#d-timeline")).to_contain_text(OPERATOR[0])
    expect(customer.locator("#step-outcome .step-label")).to_have_text(f"응답: {accept}", timeout=ARRIVAL_MS)
    expect(customer.locator("#notice-text")).not_to_be_empty(timeout=ARRIVAL_MS)

    # Reveal the customer's phone for the promised callback: the full number, and the reveal is recorded.
    drawer.get_by_role("button", name="번호 보기").first.click()
    expect(drawer.locator("#d-customer-phone")).to_have_text(booking.customer_e164)
    expect(drawer.locator("#d-timeline")).to_contain_text("전화번호 확인", timeout=ARRIVAL_MS)
    drawer.get_by_role("button", name="닫기").click()
    expect(drawer).to_be_hidden()

    # The partners table: this partner's record, sortable.
    console.get_by_role("link", name="업체 현황").click()
    table = console.locator("#partners-table")
    partner_row = table.locator("tbody tr", has=console.get_by_role("rowheader", name=booking.partner_name))
    expect(partner_row).to_be_visible()
    assert int(partner_row.locator("td").nth(0).inner_text()) >= 1  # requests
    assert int(partner_row.locator("td").nth(1).inner_text()) >= 1  # answered
    expect(table.locator('th[data-key="answerRate"]')).to_have_attribute("aria-sort", "ascending")
    table.get_by_role("button", name="업체", exact=True).click()
    expect(table.locator('th[data-key="partnerName"]')).to_have_attribute("aria-sort", "ascending")
    capture(console, "console-partners", every_impact=True)

    # Sign out: the console is gone, and a reload does not bring it back.
    console.get_by_role("button", name="로그아웃").click()
    expect(console.get_by_role("heading", name="운영자 로그인")).to_be_visible()
    expect(console.locator("#queue")).to_be_hidden()
    console.reload()
    expect(console.get_by_role("heading", name="운영자 로그인")).to_be_visible()
    expect(console.locator("#partners")).to_be_hidden()


def test_operator_closes_a_request_with_a_note_by_keyboard_alone(pages: Pages, system: str) -> None:
    booking = reservation(system, 4)
    customer = pages.open(system + "/")
    ask(customer, booking, "내일 체크인을 한 시간 늦출 수 있나요?")
    note = "업체와 통화했습니다. 체크인은 오후 4시로 바꿔 두었습니다."

    console = pages.open(system + "/admin/", width=DESKTOP, height=900)
    keys = console.keyboard
    tab_to(console, "#username")
    keys.type(OPERATOR[0])
    keys.press("Tab")
    keys.type(OPERATOR[1])
    keys.press("Enter")
    expect(console.get_by_role("heading", name="문의 목록")).to_be_visible()
    target = f'.link-button[aria-label="예약번호 {booking.number} 문의 열기"]'
    expect(console.locator(target)).to_be_visible(timeout=ARRIVAL_MS)

    # Reach the request with Tab, open it with Enter, and close it with a note, confirmed first.
    tab_to(console, target)
    keys.press("Enter")
    drawer = console.get_by_role("dialog")
    expect(drawer.get_by_role("heading", name=f"예약번호 {booking.number}")).to_be_visible()
    tab_to(console, '[data-action="close"]')
    keys.press("Enter")
    expect(console.locator("#action-title")).to_be_focused()
    tab_to(console, "#action-note")
    keys.type(note)
    tab_to(console, "#action-submit")
    keys.press("Enter")
    expect(drawer.locator("#action-confirm-note")).to_have_text(note)
    expect(console.locator("#action-submit")).to_be_focused()
    capture(console, "console-close-confirm", every_impact=True)
    keys.press("Enter")
    expect(drawer.locator("#action-done")).to_contain_text("문의를 종료했습니다")
    expect(drawer.locator("#d-status")).to_have_text("운영자 종료", timeout=ARRIVAL_MS)
    expect(drawer.locator("#d-timeline")).to_contain_text(note)

    # The request leaves the open tab; Escape closes the drawer, and the focus lands on the list it left.
    expect(console.locator(target)).to_have_count(0, timeout=ARRIVAL_MS)
    keys.press("Escape")
    expect(drawer).to_be_hidden()
    expect(console.locator("#queue-title")).to_be_focused()
    tab_to(console, "#tab-open")
    keys.press("ArrowRight")  # tabs follow the arrow keys: 응답 완료, 시간 초과, 실패, 운영자 종료
    keys.press("End")
    expect(console.get_by_role("tab", name="운영자 종료")).to_have_attribute("aria-selected", "true")
    expect(console.locator(target)).to_be_visible(timeout=ARRIVAL_MS)

    # The customer reads the operator's note on their page.
    expect(customer.locator("#notice-text")).to_contain_text(note, timeout=ARRIVAL_MS)
    expect(customer.locator("#step-outcome .step-label")).to_have_text("고객센터 안내")
    capture(customer, "customer-closed")


def test_a_timeout_of_the_last_day_stands_out_in_the_queue(hurried_pages: Pages, hurried_system: str) -> None:
    booking = reservation(hurried_system, 1)
    customer = hurried_pages.open(hurried_system + "/")
    ask(customer, booking, "내일 체크인을 한 시간 늦출 수 있나요?")
    expect(customer.locator("#step-outcome .step-label")).to_have_text("시간 초과", timeout=ARRIVAL_MS)

    console = hurried_pages.open(hurried_system + "/admin/", width=DESKTOP, height=900)
    sign_in(console)
    # Seen from the open tab already: a banner and a count on the 시간 초과 tab.
    expect(console.locator("#recent-alert")).to_contain_text("시간 초과")
    expect(console.locator("#badge-Timeout")).to_have_text(re.compile(r"^\s*[1-9]\d*$"))
    console.get_by_role("tab", name=re.compile("^시간 초과")).click()
    row = console.locator("#queue-rows tr", has=row_button(console, booking.number))
    expect(row).to_have_class("row-alert")
    expect(row).to_contain_text("24시간 내")
    capture(console, "console-timeouts", every_impact=True)

    # An empty tab says why it is empty (nobody closes requests on this runtime).
    console.get_by_role("tab", name="운영자 종료").click()
    expect(console.locator("#queue-empty")).to_have_text("운영자가 종료한 문의가 없습니다.")
    expect(console.locator("#queue-table-wrap")).to_be_hidden()
    capture(console, "console-empty", every_impact=True)

    # The API failing: the page says so in Korean and that it tries again by itself.
    unavailable = json.dumps({"error": "UNAVAILABLE", "message": "서비스를 잠시 이용할 수 없습니다."})
    console.route(
        re.compile(r"/api/admin/requests\?"),
        lambda route: route.fulfill(status=503, content_type="application/json", body=unavailable),
    )
    console.get_by_role("tab", name=re.compile("^시간 초과")).click()
    expect(console.locator("#queue-error")).to_have_text(
        "목록을 불러오지 못했습니다. 서비스를 잠시 이용할 수 없습니다. 자동으로 다시 시도합니다."
    )
    capture(console, "console-error", every_impact=True)
