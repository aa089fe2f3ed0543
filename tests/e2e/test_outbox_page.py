"""The SMS outbox page as a partner's phone would show the texts: who they went to, in Korean time."""

from __future__ import annotations

from local.outbox import display_phone, display_time, render_outbox

TEXT = {"to": "+821098765432", "body": "[예약 확인] 응답 요청 http://127.0.0.1:8001/r/abc", "sentAt": ""}


def test_times_are_shown_in_korean_time() -> None:
    assert display_time("2026-11-26T05:46:24.527Z") == "11월 26일 오후 2:46:24"
    assert display_time("2026-11-26T15:05:00Z") == "11월 27일 오전 12:05:00"


def test_korean_mobile_numbers_are_written_as_dialled() -> None:
    assert display_phone("+821098765432") == "010-9876-5432"
    assert display_phone("+14155550100") == "+14155550100"


def test_each_text_names_its_partner_and_links_the_partner_page() -> None:
    page = render_outbox([{**TEXT, "sentAt": "2026-11-26T05:46:24Z"}], {"+821098765432": "제주 바다뜰 펜션"})

    assert "제주 바다뜰 펜션 · 010-9876-5432" in page
    assert "11월 26일 오후 2:46:24 (한국 시간)" in page
    assert '<a href="http://127.0.0.1:8001/r/abc" target="_blank" rel="noreferrer">' in page


def test_the_newest_text_comes_first() -> None:
    older = {**TEXT, "body": "첫 문자", "sentAt": "2026-11-26T05:00:00Z"}
    newer = {**TEXT, "body": "둘째 문자", "sentAt": "2026-11-26T05:01:00Z"}

    page = render_outbox([older, newer])

    assert page.index("둘째 문자") < page.index("첫 문자")
