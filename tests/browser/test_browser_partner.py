"""The partner page on the local runtime: two taps in the words of the question, one answer per link, and a
plain explanation (with whom to call) for every link that cannot be answered."""

from __future__ import annotations

import json
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from browsing import (
    Pages,
    capture,
    get_json,
    in_view,
    partner_link,
    reservation,
    site_config,
    wait_for_status,
)
from playwright.sync_api import Locator, Page, Request, expect

pytestmark = pytest.mark.browser

KST = ZoneInfo("Asia/Seoul")
ANSWERS = ("accept", "reject", "alternative")
INTENT_NAMES = {"예약변경": "change", "트러블신고": "trouble", "부가서비스": "extra"}  # for file names


def answer_requests(page: Page) -> list[Request]:
    sent: list[Request] = []
    page.on("request", lambda request: sent.append(request) if request.url.endswith("/api/respond") else None)
    return sent


def choice(page: Page, response: str) -> Locator:
    return page.locator(f'.choice[data-response="{response}"]')


def test_page_shows_what_the_partner_decides_on(pages: Pages, system: str) -> None:
    booking = reservation(system, 1)
    booked = next(
        datetime.fromisoformat(r["reservationDate"]).astimezone(KST)
        for r in get_json(system, "/_local/reservations")
        if r["reservationNumber"] == booking.number
    )
    link = partner_link(system, booking, "렌터카 반납 시간을 두 시간 늦출 수 있나요?")

    page = pages.open(system + link.path)

    expect(page.get_by_role("heading", name="고객 문의 확인 요청")).to_be_visible()
    expect(page.locator("#fact-intent")).not_to_have_text("-")
    expect(page.locator("#fact-reservation")).to_have_text(booking.number)
    # The seeded booking in Korea time, the pages' one format: 12월 7일 (월) 오전 10:30
    half, hour = ("오전" if booked.hour < 12 else "오후"), booked.hour % 12 or 12
    weekday = "월화수목금토일"[booked.weekday()]
    expect(page.locator("#fact-date")).to_have_text(
        f"{booked.month}월 {booked.day}일 ({weekday}) {half} {hour}:{booked.minute:02d}"
    )
    expect(page.locator("#fact-query")).to_have_text("렌터카 반납 시간을 두 시간 늦출 수 있나요?")


@pytest.mark.parametrize(
    ("question", "intent", "labels"),
    [
        pytest.param(
            "예약 날짜를 다음 주 토요일로 바꿀 수 있을까요?",
            "예약변경",
            ("변경 수락", "변경 불가", "다른 시간 제안"),
            id="change",
        ),
        pytest.param(
            "방에 온수가 안 나와요",
            "트러블신고",
            ("바로 조치하겠습니다", "직접 연락드리겠습니다", "방문 시간 제안"),
            id="trouble",
        ),
        pytest.param(
            "조식을 추가로 신청하고 싶어요",
            "부가서비스",
            ("준비하겠습니다", "어렵습니다", "다른 시간 제안"),
            id="extra",
        ),
    ],
)
def test_two_taps_answer_in_the_words_of_the_question_on_a_small_phone(
    pages: Pages, system: str, question: str, intent: str, labels: tuple[str, str, str]
) -> None:
    link = partner_link(system, reservation(system, 0), question)
    assert get_json(system, f"/api/requests/{link.request_id}")["intent"] == intent
    page = pages.open(system + link.path, height=640)
    sent = answer_requests(page)
    expect(page.get_by_role("heading", name="고객 문의 확인 요청")).to_be_visible()
    for response, label in zip(ANSWERS, labels, strict=True):
        expect(choice(page, response)).to_have_text(label)
    assert in_view(page, '.choice[data-response="accept"]'), "the answers need no scrolling"

    choice(page, "accept").tap()  # tap 1: choose

    expect(page.locator("#send")).to_be_visible()
    assert in_view(page, "#send"), "the send control is on screen as soon as an answer is chosen"
    expect(page.locator("#send-bar")).to_contain_text("아직 보내지 않았습니다")
    expect(page.locator("#send")).to_have_text(f"‘{labels[0]}’ 보내기")
    expect(page.get_by_role("heading", name="응답을 보냈습니다")).to_be_hidden()
    assert sent == [], "choosing sends nothing"
    capture(page, f"partner-chosen-{INTENT_NAMES[intent]}", full_page=False)  # as the screen shows it

    page.locator("#send").tap()  # tap 2: send

    expect(page.get_by_role("heading", name="응답을 보냈습니다")).to_be_visible()
    expect(page.locator("#done-answer")).to_have_text(labels[0])
    assert len(sent) == 1


def test_a_double_tap_sends_one_answer(pages: Pages, system: str) -> None:
    link = partner_link(system, reservation(system, 8), "창가 자리로 바꿀 수 있을까요?")
    page = pages.open(system + link.path)
    sent = answer_requests(page)
    choice(page, "accept").click()

    page.locator("#send").dblclick()

    expect(page.get_by_role("heading", name="응답을 보냈습니다")).to_be_visible()
    assert len(sent) == 1


def test_time_picker_opens_near_the_booking_and_refuses_the_past(pages: Pages, system: str) -> None:
    booking = reservation(system, 2)
    booked = next(
        datetime.fromisoformat(r["reservationDate"])
        for r in get_json(system, "/_local/reservations")
        if r["reservationNumber"] == booking.number
    )
    link = partner_link(system, booking, "한 시간 일찍 가도 되나요?")
    page = pages.open(system + link.path)
    sent = answer_requests(page)
    choice(page, "alternative").click()
    time_field = page.get_by_label("제안할 날짜와 시간")

    proposed = datetime.fromisoformat(time_field.input_value()).replace(tzinfo=KST)
    assert timedelta(0) < proposed - booked <= timedelta(hours=1), "an hour after the booking"
    expect(page.locator("#send-summary")).to_contain_text("제안 시간:")

    time_field.fill("")
    page.locator("#send").click()
    expect(page.locator("#alternativeTime-error")).to_contain_text("선택해 주세요")
    time_field.fill((datetime.now(KST) - timedelta(hours=2)).strftime("%Y-%m-%dT%H:%M"))
    page.locator("#send").click()

    expect(page.locator("#alternativeTime-error")).to_contain_text("이후")
    expect(time_field).to_have_attribute("aria-invalid", "true")
    assert sent == []
    capture(page, "partner-alternative-error")


def test_a_note_over_200_characters_is_refused_with_its_count_never_cut(pages: Pages, system: str) -> None:
    link = partner_link(system, reservation(system, 3), "인원을 한 명 추가할 수 있나요?")
    page = pages.open(system + link.path)
    sent = answer_requests(page)
    choice(page, "reject").click()
    note = page.get_by_label("고객에게 남길 말")
    long_note = "가" * 205

    note.fill(long_note)
    expect(page.locator("#note-count")).to_have_text("205/200자")
    page.locator("#send").click()

    expect(page.locator("#note-error")).to_contain_text("200자까지")
    expect(note).to_have_value(long_note)  # nothing cut
    assert sent == []
    note.fill("8시는 만석, 8시 반 가능")
    expect(page.locator("#note-error")).to_be_hidden()
    page.locator("#send").click()
    expect(page.get_by_role("heading", name="응답을 보냈습니다")).to_be_visible()
    expect(page.locator("#done-note")).to_contain_text("8시는 만석, 8시 반 가능")
    assert json.loads(sent[0].post_data or "{}")["note"] == "8시는 만석, 8시 반 가능"


def test_invalid_link_is_explained(pages: Pages, system: str) -> None:
    page = pages.open(system + "/r/not-a-real-link")

    expect(page.get_by_role("heading", name="확인할 수 없는 링크입니다")).to_be_visible()
    expect(page.locator("#answer-form")).to_be_hidden()
    capture(page, "partner-invalid")


def test_used_link_is_explained(pages: Pages, system: str) -> None:
    link = partner_link(system, reservation(system, 10), "인원을 한 명 추가할 수 있나요?")
    first = pages.open(system + link.path)
    choice(first, "reject").click()
    first.locator("#send").click()
    expect(first.get_by_role("heading", name="응답을 보냈습니다")).to_be_visible()

    again = pages.open(system + link.path)

    expect(again.get_by_role("heading", name="이미 답변한 요청입니다")).to_be_visible()
    capture(again, "partner-used")


def test_expired_link_says_what_the_customer_was_told_and_whom_to_call(
    hurried_pages: Pages, hurried_system: str
) -> None:
    support = site_config(hurried_system)["supportPhone"]
    link = partner_link(hurried_system, reservation(hurried_system, 0), "체크아웃을 늦출 수 있나요?")
    wait_for_status(hurried_system, link.request_id, "Timeout")

    page = hurried_pages.open(hurried_system + link.path)

    expect(page.get_by_role("heading", name="답변 시간이 지났습니다")).to_be_visible()
    expect(page.locator("#problem-text")).to_contain_text("고객에게는")
    call = page.get_by_role("link", name=support)
    expect(call).to_have_attribute("href", "tel:" + support.replace("-", ""))
    expect(page.locator("#answer-form")).to_be_hidden()
    capture(page, "partner-expired")


def test_the_buttons_go_when_the_wait_ends_on_an_open_page(hurried_pages: Pages, hurried_system: str) -> None:
    support = site_config(hurried_system)["supportPhone"]
    link = partner_link(hurried_system, reservation(hurried_system, 1), "카시트를 추가할 수 있나요?")
    page = hurried_pages.open(hurried_system + link.path)
    sent = answer_requests(page)
    expect(page.get_by_role("heading", name="고객 문의 확인 요청")).to_be_visible()
    choice(page, "accept").click()

    wait_for_status(hurried_system, link.request_id, "Timeout")

    expect(page.get_by_role("heading", name="답변 시간이 지났습니다")).to_be_visible()
    expect(page.locator("#answer-form")).to_be_hidden()
    expect(page.locator("#send-bar")).to_be_hidden()
    expect(page.locator("#problem-support")).to_contain_text(support)
    assert sent == []
    capture(page, "partner-too-late")
