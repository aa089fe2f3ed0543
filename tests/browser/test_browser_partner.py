"""The partner page on the local runtime: one answer per link, and a plain explanation for every bad link."""

from __future__ import annotations

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from browsing import Pages, capture, partner_link, reservation, wait_for_status
from playwright.sync_api import Page, Request, expect

pytestmark = pytest.mark.browser

KST = ZoneInfo("Asia/Seoul")


def answer_requests(page: Page) -> list[Request]:
    sent: list[Request] = []
    page.on("request", lambda request: sent.append(request) if request.url.endswith("/api/respond") else None)
    return sent


def test_page_shows_what_the_partner_decides_on(pages: Pages, system: str) -> None:
    booking = reservation(system, 1)
    link = partner_link(system, booking, "렌터카 반납 시간을 두 시간 늦출 수 있나요?")

    page = pages.open(system + link.path)

    expect(page.get_by_role("heading", name="고객 문의 확인 요청")).to_be_visible()
    expect(page.locator("#fact-intent")).not_to_have_text("-")
    expect(page.locator("#fact-reservation")).to_have_text(booking.number)
    expect(page.locator("#fact-date")).not_to_have_text("-")
    expect(page.locator("#fact-query")).to_have_text("렌터카 반납 시간을 두 시간 늦출 수 있나요?")
    for name in ("수락", "거절", "다른 시간 제안"):
        expect(page.get_by_role("button", name=name, exact=True)).to_be_visible()


def test_link_never_leaves_in_a_referer_header(pages: Pages, system: str) -> None:
    link = partner_link(system, reservation(system, 1), "주차가 가능한가요?")
    page = pages.open(system + link.path)
    expect(page.get_by_role("heading", name="고객 문의 확인 요청")).to_be_visible()
    sent: list[Request] = []
    page.on("request", lambda request: sent.append(request))

    page.reload()
    expect(page.get_by_role("heading", name="고객 문의 확인 요청")).to_be_visible()

    assert sent, "the reload made no request"
    assert [r.url for r in sent if "referer" in r.all_headers()] == []


def test_a_double_tap_sends_one_answer(pages: Pages, system: str) -> None:
    link = partner_link(system, reservation(system, 2), "창가 자리로 바꿀 수 있을까요?")
    page = pages.open(system + link.path)
    sent = answer_requests(page)
    page.get_by_role("button", name="수락", exact=True).click()

    page.locator("#send").dblclick()

    expect(page.get_by_role("heading", name="응답을 보냈습니다")).to_be_visible()
    assert len(sent) == 1


def test_alternative_time_must_be_in_the_future(pages: Pages, system: str) -> None:
    link = partner_link(system, reservation(system, 2), "한 시간 일찍 가도 되나요?")
    page = pages.open(system + link.path)
    sent = answer_requests(page)
    page.get_by_role("button", name="다른 시간 제안", exact=True).click()
    time_field = page.get_by_label("제안할 날짜와 시간")
    expect(time_field).to_be_focused()

    page.locator("#send").click()
    expect(page.locator("#alternativeTime-error")).to_contain_text("선택해 주세요")
    time_field.fill((datetime.now(KST) - timedelta(hours=2)).strftime("%Y-%m-%dT%H:%M"))
    page.locator("#send").click()

    expect(page.locator("#alternativeTime-error")).to_contain_text("이후")
    expect(time_field).to_have_attribute("aria-invalid", "true")
    assert sent == []
    capture(page, "partner-alternative-error")


def test_invalid_link_is_explained(pages: Pages, system: str) -> None:
    page = pages.open(system + "/r/not-a-real-link")

    expect(page.get_by_role("heading", name="확인할 수 없는 링크입니다")).to_be_visible()
    expect(page.locator("#answer-form")).to_be_hidden()
    capture(page, "partner-invalid")


def test_used_link_is_explained(pages: Pages, system: str) -> None:
    link = partner_link(system, reservation(system, 3), "인원을 한 명 추가할 수 있나요?")
    first = pages.open(system + link.path)
    first.get_by_role("button", name="거절", exact=True).click()
    first.locator("#send").click()
    expect(first.get_by_role("heading", name="응답을 보냈습니다")).to_be_visible()

    again = pages.open(system + link.path)

    expect(again.get_by_role("heading", name="이미 답변한 요청입니다")).to_be_visible()
    capture(again, "partner-used")


def test_expired_link_is_explained(hurried_pages: Pages, hurried_system: str) -> None:
    link = partner_link(hurried_system, reservation(hurried_system, 0), "체크아웃을 늦출 수 있나요?")
    wait_for_status(hurried_system, link.request_id, "Timeout")

    page = hurried_pages.open(hurried_system + link.path)

    expect(page.get_by_role("heading", name="링크의 유효 시간이 지났습니다")).to_be_visible()
    capture(page, "partner-expired")


def test_answer_after_the_wait_is_too_late(hurried_pages: Pages, hurried_system: str) -> None:
    link = partner_link(hurried_system, reservation(hurried_system, 1), "카시트를 추가할 수 있나요?")
    page = hurried_pages.open(hurried_system + link.path)
    expect(page.get_by_role("heading", name="고객 문의 확인 요청")).to_be_visible()
    page.get_by_role("button", name="수락", exact=True).click()
    wait_for_status(hurried_system, link.request_id, "Timeout")

    with page.expect_response("**/api/respond") as answer:
        page.locator("#send").click()

    assert answer.value.status == 410
    expect(page.get_by_role("heading", name="답변 시간이 지났습니다")).to_be_visible()
    capture(page, "partner-too-late")
