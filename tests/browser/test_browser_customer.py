"""The customer page on the local runtime: the form, its errors, and requests that cannot go ahead."""

from __future__ import annotations

import re
from datetime import datetime, timedelta, timezone

import pytest
from browsing import (
    Pages,
    ask,
    capture,
    codes_to,
    get_json,
    link_path,
    post_json,
    reservation,
    sms_count,
    wait_for_code,
    wait_for_link,
)
from playwright.sync_api import Request, expect

pytestmark = pytest.mark.browser
KST = timezone(timedelta(hours=9))
SYSTEM_WAIT_SECONDS = 120  # the `system` fixture's partner wait (conftest.FLOW_WAIT_SECONDS)


def test_empty_fields_are_flagged_next_to_each_field_without_calling_the_api(
    pages: Pages, system: str
) -> None:
    page = pages.open(system + "/")
    capture(page, "customer-form")
    chats: list[Request] = []
    page.on("request", lambda request: chats.append(request) if request.url.endswith("/api/chat") else None)

    page.get_by_role("button", name="문의하기").click()

    expected = {"reservationNumber": "예약번호를", "customerPhone": "연락처를", "message": "문의 내용을"}
    for field, text in expected.items():
        expect(page.locator(f"#{field}")).to_have_attribute("aria-invalid", "true")
        expect(page.locator(f"#{field}-error")).to_contain_text(text)
    expect(page.get_by_label("예약번호", exact=True)).to_be_focused()
    assert chats == []
    capture(page, "customer-required-fields")


def test_errors_go_as_soon_as_fixed_and_long_text_is_refused_with_its_count(
    pages: Pages, system: str
) -> None:
    page = pages.open(system + "/")
    chats: list[Request] = []
    page.on("request", lambda request: chats.append(request) if request.url.endswith("/api/chat") else None)
    booking = reservation(system, 0)
    page.get_by_role("button", name="문의하기").click()
    expect(page.locator("#reservationNumber-error")).to_be_visible()

    page.get_by_label("예약번호", exact=True).fill(booking.number)
    expect(page.locator("#reservationNumber-error")).to_be_hidden()  # fixed: gone before any new submit
    expect(page.locator("#customerPhone-error")).to_be_visible()
    too_long = "체크인 시간을 바꾸고 싶어요. " * 60
    page.get_by_label("문의 내용", exact=True).fill(too_long)
    count = len(too_long.strip())
    expect(page.locator("#message-count")).to_have_text(f"{count}/1000자")
    expect(page.locator("#message-error")).to_contain_text("1000자까지")
    page.get_by_label("연락처", exact=True).fill(booking.customer_phone)
    page.get_by_role("button", name="문의하기").click()

    expect(page.get_by_label("문의 내용", exact=True)).to_have_value(too_long)  # refused, never cut
    assert chats == []
    capture(page, "customer-too-long")


def test_new_question_keeps_what_was_typed(pages: Pages, system: str) -> None:
    page = pages.open(system + "/")
    booking = reservation(system, 4)
    ask(page, booking, "주차가 가능한가요?")
    page.reload()  # even after the status page was reloaded

    page.get_by_role("link", name="새 문의하기").click()

    expect(page.get_by_role("heading", name="예약 문의하기")).to_be_visible()
    expect(page.get_by_label("예약번호", exact=True)).to_have_value(booking.number)
    expect(page.get_by_label("연락처", exact=True)).to_have_value(booking.customer_phone)
    expect(page.get_by_label("문의 내용", exact=True)).to_have_value("주차가 가능한가요?")


def test_timeline_titles_keep_whole_words_at_150_percent_text(pages: Pages, system: str) -> None:
    page = pages.open(system + "/")
    ask(page, reservation(system, 5), "예약 날짜를 다음 주 토요일로 바꿀 수 있을까요?")
    expect(page.locator("#step-sms")).to_have_attribute("data-state", "done", timeout=15_000)

    page.evaluate("document.documentElement.style.fontSize = '150%'")

    lines = page.eval_on_selector_all(
        ".step:not([hidden]) .step-title",  # the reply step shows only for a proposed time (issue 12)
        "nodes => nodes.map(n => [n.textContent.trim(),"
        " Math.round(n.getBoundingClientRect().height / parseFloat(getComputedStyle(n).lineHeight))])",
    )
    assert len(lines) == 4
    assert [title for title, count in lines if count > 2] == [], lines
    capture(page, "customer-text-150")


def test_field_error_from_the_api_appears_next_to_its_field_and_keeps_the_input(
    pages: Pages, system: str
) -> None:
    page = pages.open(system + "/")
    booking = reservation(system, 0)
    page.get_by_label("예약번호", exact=True).fill(booking.number)
    page.get_by_label("연락처", exact=True).fill("12-34")

    with page.expect_response("**/api/verify") as answer:
        page.get_by_role("button", name="인증번호 받기").click()

    assert answer.value.status == 400
    assert answer.value.json()["field"] == "customerPhone"
    expect(page.locator("#customerPhone-error")).to_have_text(answer.value.json()["message"])
    expect(page.get_by_label("연락처", exact=True)).to_be_focused()
    expect(page.get_by_label("연락처", exact=True)).to_have_value("12-34")
    expect(page.get_by_label("예약번호", exact=True)).to_have_value(booking.number)
    expect(page.locator("#reservationNumber-error")).to_be_hidden()
    capture(page, "customer-field-error")


def test_a_question_without_verification_asks_for_the_code_first(pages: Pages, system: str) -> None:
    page = pages.open(system + "/")
    chats: list[Request] = []
    page.on("request", lambda request: chats.append(request) if request.url.endswith("/api/chat") else None)
    booking = reservation(system, 0)
    page.get_by_label("예약번호", exact=True).fill(booking.number)
    page.get_by_label("연락처", exact=True).fill(booking.customer_phone)
    page.get_by_label("문의 내용", exact=True).fill("체크인 시간을 바꾸고 싶어요")

    page.get_by_role("button", name="문의하기").click()

    expect(page.locator("#verify-error")).to_contain_text("휴대폰 인증")
    expect(page.get_by_role("button", name="인증번호 받기")).to_be_focused()
    assert chats == []


def test_unknown_reservation_gets_the_same_answer_and_no_code_works(pages: Pages, system: str) -> None:
    page = pages.open(system + "/")
    page.get_by_label("예약번호", exact=True).fill("RSV-19990101-999")
    page.get_by_label("연락처", exact=True).fill("010-5555-0000")
    texts_before = sms_count(system)

    with page.expect_response("**/api/verify") as sent:
        page.get_by_role("button", name="인증번호 받기").click()
    expect(page.get_by_label("인증번호", exact=True)).to_be_focused()
    page.get_by_label("인증번호", exact=True).fill("123456")
    with page.expect_response("**/api/verify/confirm") as confirmed:
        page.get_by_role("button", name="확인", exact=True).click()

    assert sent.value.status == 202
    assert confirmed.value.status == 401
    expect(page.locator("#code-error")).to_have_text(confirmed.value.json()["message"])
    expect(page.get_by_label("인증번호", exact=True)).to_have_attribute("aria-invalid", "true")
    expect(page.get_by_role("button", name=re.compile("인증번호 다시 받기"))).to_be_disabled()
    expect(page.locator("#resend-wait")).to_contain_text("초 후 가능")
    assert sms_count(system) == texts_before
    capture(page, "customer-code-invalid")


def test_verification_works_with_the_keyboard_alone(pages: Pages, system: str) -> None:
    page = pages.open(system + "/")
    booking = reservation(system, 11)
    before = len(codes_to(system, booking.customer_e164))
    page.get_by_label("예약번호", exact=True).focus()
    page.keyboard.type(booking.number)
    page.keyboard.press("Tab")
    page.keyboard.type(booking.customer_phone)
    page.keyboard.press("Tab")
    expect(page.get_by_role("button", name="인증번호 받기")).to_be_focused()
    page.keyboard.press("Enter")

    code_field = page.get_by_label("인증번호", exact=True)
    expect(code_field).to_be_focused()
    expect(code_field).to_have_attribute("autocomplete", "one-time-code")
    capture(page, "customer-code-step")
    page.keyboard.type(wait_for_code(system, booking, before))
    page.keyboard.press("Enter")

    expect(page.locator("#verified")).to_be_visible()
    expect(page.get_by_label("문의 내용", exact=True)).to_be_focused()
    capture(page, "customer-verified")
    page.keyboard.type("주차가 가능한가요?")
    page.keyboard.press("Tab")
    expect(page.get_by_role("button", name="문의하기")).to_be_focused()
    page.keyboard.press("Enter")
    page.wait_for_url(re.compile(r"\?request=[^&]+$"))


def test_reload_shows_the_same_request(pages: Pages, system: str) -> None:
    page = pages.open(system + "/")
    booking = reservation(system, 3)
    request_id = ask(page, booking, "픽업 시간을 바꿀 수 있을까요?")
    expect(page.locator("#track-reservation")).to_have_text(booking.number)

    page.reload()

    expect(page.get_by_role("heading", name="문의 진행 상황")).to_be_visible()
    expect(page.locator("#track-id")).to_have_text(request_id)
    expect(page.locator("#track-reservation")).to_have_text(booking.number)
    expect(page.locator("#step-created")).to_have_attribute("data-state", "done")


def test_unknown_request_id_is_explained(pages: Pages, system: str) -> None:
    page = pages.open(system + "/?request=no-such-request")

    expect(page.locator("#track-error")).to_contain_text("문의를 찾을 수 없습니다")
    expect(page.locator("#notice-pending")).to_be_hidden()
    expect(page.locator("#track-steps")).to_be_hidden()
    capture(page, "customer-unknown-request")


def test_polling_stops_once_the_notification_is_shown(pages: Pages, system: str) -> None:
    page = pages.open(system + "/")
    booking = reservation(system, 1)
    sent_before = sms_count(system)
    request_id = ask(page, booking, "예약을 취소하고 싶어요")
    token = link_path(wait_for_link(system, booking.partner_phone, sent_before)).rsplit("/", 1)[1]
    post_json(system, "/api/respond", {"token": token, "response": "reject"})
    expect(page.locator("#notice-text")).not_to_be_empty(timeout=15_000)
    assert get_json(system, f"/api/requests/{request_id}")["status"] == "Responded"
    polls: list[Request] = []
    page.on("request", lambda request: polls.append(request) if "/api/requests/" in request.url else None)

    page.wait_for_timeout(5_000)  # more than two polling intervals

    assert polls == []


def test_page_calls_the_local_api_path_when_config_js_is_missing(pages: Pages, system: str) -> None:
    page = pages.open(system + "/")
    page.route("**/config.js", lambda route: route.abort())
    page.reload()
    booking = reservation(system, 4)

    with page.expect_response("**/api/chat") as answer:
        ask(page, booking, "예약 인원을 줄이고 싶어요")

    assert answer.value.url == system + "/api/chat"
    assert answer.value.status == 202


def test_keyboard_focus_is_visible_on_every_control(pages: Pages, system: str) -> None:
    page = pages.open(system + "/")
    outlines = []
    for _ in range(7):  # skip link, home link, two fields, the code button, the question, submit button
        page.keyboard.press("Tab")
        outlines.append(
            page.evaluate(
                "() => { const s = getComputedStyle(document.activeElement);"
                " return [document.activeElement.id || document.activeElement.tagName,"
                " s.outlineStyle, parseFloat(s.outlineWidth)]; }"
            )
        )

    assert outlines[-1][0] == "submit"
    assert [o for o in outlines if o[1] == "none" or o[2] < 2] == []


def _korean_time(iso: str) -> str:
    """The pages' one time format, in Korea time and without seconds: 12월 5일 (토) 오후 3:04."""
    at = datetime.fromisoformat(iso).astimezone(KST)
    day = f"{at.month}월 {at.day}일 ({'월화수목금토일'[at.weekday()]})"
    return f"{day} {'오전' if at.hour < 12 else '오후'} {at.hour % 12 or 12}:{at.minute:02d}"


def test_waiting_page_shows_the_deployed_wait_not_a_fixed_five_minutes(pages: Pages, system: str) -> None:
    page = pages.open(system + "/")
    request_id = ask(page, reservation(system, 5), "반려견과 함께 가도 되나요?")

    deadline = page.locator("#deadline")
    expect(deadline).to_have_attribute("data-shown", "true", timeout=15_000)
    answer = get_json(system, f"/api/requests/{request_id}")
    sent_at = next(e["at"] for e in answer["events"] if e["type"] == "SMSSent")
    wait = datetime.fromisoformat(answer["partnerDeadline"]) - datetime.fromisoformat(sent_at)
    assert timedelta(seconds=SYSTEM_WAIT_SECONDS - 10) < wait <= timedelta(seconds=SYSTEM_WAIT_SECONDS)
    expect(page.locator("#deadline-time")).to_have_attribute("datetime", answer["partnerDeadline"])
    expect(page.locator("#deadline-time")).to_have_text(_korean_time(answer["partnerDeadline"]))
    # A two-minute wait reads as about two (or, a poll later, one) minutes left.
    expect(page.locator("#deadline-left")).to_have_text(re.compile(r"^약 [12]분 남음$"))
    assert "5분" not in page.locator("main").inner_text()
    capture(page, "customer-deadline")


def test_a_mistyped_address_shows_the_korean_not_found_page(pages: Pages, system: str) -> None:
    pages.expect_missing("/rsv/status")
    page = pages.open(system + "/rsv/status")

    expect(page.get_by_role("heading", level=1)).to_have_text("페이지를 찾을 수 없습니다")
    # No script runs on it: the deployment wrote in the support number and the brand.
    support = page.locator("main a[href^='tel:']")
    expect(support).to_have_text(re.compile(r"^[\d+][\d -]+$"))
    page.get_by_role("link", name="처음 화면으로").click()
    expect(page.get_by_role("heading", name="예약 문의하기")).to_be_visible()
    brand = page.evaluate("() => window.PARTNER_CONFIRM_CONFIG.brandName")
    phone = page.evaluate("() => window.PARTNER_CONFIRM_CONFIG.supportPhone")
    expect(page.locator(".site-footer")).to_contain_text(brand)
    page.go_back()
    expect(support).to_have_text(phone)
    expect(page.locator(".site-footer")).to_have_text(brand)
    capture(page, "not-found")
