"""The Python side's words: one time format, the 3 intents x 5 outcomes, the partner SMS in two parts."""

from __future__ import annotations

import re
from datetime import UTC, datetime
from pathlib import Path

import pytest

from handlers.models.domain import OutcomeKind
from handlers.models.intents import Intent
from handlers.models.messages import (
    LAST_RESORT_NOTIFICATIONS,
    MAX_BRAND_CHARS,
    PARTNER_LABELS,
    REPLY_ON_PAGE,
    REPLY_RECORDED,
    MessageFacts,
    answer_label,
    customer_sms_body,
    format_kst,
    format_kst_clock,
    intent_of,
    last_resort_notification,
    notification_template,
    partner_reply_sms_body,
    sms_body,
)
from handlers.models.reply import REPLY_EVENTS
from ops.sms import parts

CHANGE, TROUBLE, EXTRA = Intent.CHANGE_RESERVATION, Intent.REPORT_TROUBLE, Intent.EXTRA_SERVICE
PROPOSED = datetime(2026, 12, 5, 6, 0, tzinfo=UTC)  # 12월 5일 (토) 오후 3:00 in Korea

# What each template must say, intent by intent: what will really happen, in the partner's meaning.
KEY_PHRASES: dict[tuple[Intent, OutcomeKind], tuple[str, ...]] = {
    (CHANGE, "accept"): ("변경이 확정되었습니다",),
    (CHANGE, "reject"): ("변경은 어렵다고", "기존 내용 그대로 유지됩니다"),
    (CHANGE, "alternative"): (
        "다른 시간을 제안했습니다: 12월 5일 (토) 오후 3:00",
        "아직 변경이 확정된 것은 아니며",
    ),
    (CHANGE, "timeout"): ("답을 받지 못해 변경이 확정되지 않았습니다", "고객센터(1588-0000)"),
    (CHANGE, "failed"): ("처리하지 못했습니다", "변경이 확정되지 않았으며", "고객센터(1588-0000)"),
    (TROUBLE, "accept"): ("바로 조치하겠다고",),
    (TROUBLE, "reject"): ("직접 연락드리겠다고", "업체의 연락을 기다려"),
    (TROUBLE, "alternative"): ("방문 시간을 제안했습니다: 12월 5일 (토) 오후 3:00",),
    (TROUBLE, "timeout"): ("답을 받지 못했습니다", "고객센터(1588-0000)로 바로 연락해"),
    (TROUBLE, "failed"): ("처리하지 못했습니다", "급한 문제라면 고객센터(1588-0000)"),
    (EXTRA, "accept"): ("서비스를 준비하겠다고",),
    (EXTRA, "reject"): ("서비스는 어렵다고",),
    (EXTRA, "alternative"): (
        "다른 시간에 준비할 수 있다고 제안했습니다: 12월 5일 (토) 오후 3:00",
        "아직 확정된 것은",
    ),
    (EXTRA, "timeout"): ("답을 받지 못해 서비스 준비 여부가 확정되지 않았습니다", "고객센터(1588-0000)"),
    (EXTRA, "failed"): (
        "처리하지 못했습니다",
        "서비스 준비 여부가 확정되지 않았습니다",
        "고객센터(1588-0000)",
    ),
}
# Nothing in the system calls a customer back, refunds or compensates: no template may promise it.
BROKEN_PROMISES = ("담당자", "다시 연락드리겠습니다", "환불", "보상")
# Words that belong to another intent's answer.
FOREIGN_PHRASES = {
    CHANGE: ("조치하겠", "준비하겠", "방문"),
    TROUBLE: ("변경이 확정되었습니다", "준비하겠"),
    EXTRA: ("변경이 확정되었습니다", "조치하겠", "방문"),
}


def _facts(intent: Intent, outcome: OutcomeKind, **overrides: object) -> MessageFacts:
    values: dict[str, object] = {
        "intent": intent,
        "outcome": outcome,
        "reservation_number": "RSV-20261205-001",
        "partner_name": "제주 바다뜰 펜션",
        "alternative_time": PROPOSED if outcome == "alternative" else None,
        "support_phone": "1588-0000",
        **overrides,
    }
    return MessageFacts(**values)  # type: ignore[arg-type]


def test_times_are_one_format_in_korea_time():
    assert format_kst(datetime(2026, 12, 5, 6, 0, tzinfo=UTC)) == "12월 5일 (토) 오후 3:00"
    assert format_kst(datetime(2026, 11, 27, 6, 35, 59, tzinfo=UTC)) == "11월 27일 (금) 오후 3:35"


def test_midnight_and_noon_read_naturally():
    assert format_kst(datetime(2026, 11, 27, 15, 0, tzinfo=UTC)) == "11월 28일 (토) 오전 12:00"
    assert format_kst_clock(datetime(2026, 11, 27, 3, 5, tzinfo=UTC)) == "오후 12:05"


def test_the_matrix_covers_every_intent_and_outcome():
    assert set(KEY_PHRASES) == {
        (i, o) for i in Intent for o in ("accept", "reject", "alternative", "timeout", "failed")
    }


@pytest.mark.parametrize(("intent", "outcome"), list(KEY_PHRASES))
def test_each_template_says_what_will_happen_for_its_intent(intent, outcome):
    message = notification_template(_facts(intent, outcome))

    for phrase in KEY_PHRASES[intent, outcome]:
        assert phrase in message
    assert message.startswith("안녕하세요. 예약번호 RSV-20261205-001")
    assert not [word for word in BROKEN_PROMISES if word in message]
    assert not [word for word in FOREIGN_PHRASES[intent] if word in message]


@pytest.mark.parametrize(("intent", "outcome"), list(KEY_PHRASES))
def test_each_answer_has_the_partners_words_for_its_intent(intent, outcome):
    label = answer_label(intent, outcome)
    if outcome in ("accept", "reject", "alternative"):
        assert label == PARTNER_LABELS[intent][outcome]
    else:
        assert label in ("응답 없음 (시간 초과)", "처리 실패")


def test_partner_labels_are_the_ones_the_pages_show():
    assert PARTNER_LABELS == {
        CHANGE: {"accept": "변경 수락", "reject": "변경 불가", "alternative": "다른 시간 제안"},
        TROUBLE: {
            "accept": "바로 조치하겠습니다",
            "reject": "직접 연락드리겠습니다",
            "alternative": "방문 시간 제안",
        },
        EXTRA: {"accept": "준비하겠습니다", "reject": "어렵습니다", "alternative": "다른 시간 제안"},
    }


def test_the_business_is_named_and_a_missing_name_reads_as_the_business():
    assert "제주 바다뜰 펜션에서" in notification_template(_facts(CHANGE, "accept"))
    assert "업체에서" in notification_template(_facts(CHANGE, "accept", partner_name=None))


def test_without_a_support_phone_the_customer_is_still_told_whom_to_call():
    message = notification_template(_facts(TROUBLE, "timeout", support_phone=None))
    assert "고객센터로 바로 연락해" in message


def test_failed_template_carries_the_reason():
    message = notification_template(_facts(CHANGE, "failed", failure_reason="예약을 찾지 못했습니다."))
    assert "예약을 찾지 못했습니다." in message


def test_an_unknown_intent_is_handled_as_the_default():
    assert intent_of("something else") is CHANGE
    assert intent_of(None) is CHANGE
    assert intent_of("트러블신고") is TROUBLE


def test_last_resort_messages_promise_nothing_the_system_does_not_do():
    for kind in LAST_RESORT_NOTIFICATIONS:
        message = last_resort_notification(kind, "1588-0000")
        assert not [word for word in BROKEN_PROMISES if word in message]


@pytest.mark.parametrize("kind", ["reject", "alternative", "timeout", "failed"])
def test_last_resort_messages_give_the_number_they_send_people_to(kind):
    assert "고객센터(1588-0000)로 연락해 주세요." in last_resort_notification(kind, "1588-0000")
    assert "고객센터로 연락해 주세요." in last_resort_notification(kind, None)


# -- the partner SMS -----------------------------------------------------------------------------------

LONGEST_BRAND = "가" * MAX_BRAND_CHARS
# A CloudFront default domain (d + 13 characters) and a 43-character token.
LINK = "https://d111111abcdef8.cloudfront.net/r/" + "A" * 43


@pytest.mark.parametrize("intent", list(Intent))
def test_partner_sms_fits_two_ucs2_parts_with_the_longest_brand(intent):
    # 오후 12:05 is the longest deadline there is.
    body = sms_body(intent, datetime(2026, 12, 5, 3, 5, tzinfo=UTC), LINK, LONGEST_BRAND)
    assert "오후 12:05까지" in body
    assert parts(body) <= 2


def test_partner_sms_has_brand_ask_deadline_then_link():
    body = sms_body(TROUBLE, datetime(2026, 12, 5, 6, 5, 42, tzinfo=UTC), LINK, "예약확인센터")
    assert body.splitlines() == ["[예약확인센터] 고객 불편 신고", "오후 3:05까지 답변 부탁드립니다", LINK]


def test_partner_sms_without_a_brand_uses_the_default():
    assert sms_body(EXTRA, PROPOSED, LINK).startswith("[예약확인] 고객 추가 서비스 요청\n")


def test_the_pages_label_the_answers_as_the_messages_mean_them():
    words = (Path(__file__).resolve().parents[2] / "site" / "words.js").read_text(encoding="utf-8")
    names = {CHANGE: "CHANGE", TROUBLE: "TROUBLE", EXTRA: "EXTRA"}
    for intent, name in names.items():
        block = words.split(f"[{name}]: {{", 1)[1].split("},\n      },", 1)[0]
        labels = re.findall(r'(accept|reject|alternative): \{ label: "([^"]+)"', block)
        assert dict(labels) == PARTNER_LABELS[intent], name


# -- the customer's text and the partner's text about the reply (issue 12) --------------------------------

STATUS_LINK = "https://d111111abcdef8.cloudfront.net/?request=" + "0" * 8 + "-0000-4000-8000-" + "0" * 12
LONGEST_RESERVATION = "R" * 20


@pytest.mark.parametrize(("intent", "outcome"), list(KEY_PHRASES))
def test_the_customer_text_fits_three_parts_and_ends_with_the_status_link(intent, outcome):
    facts = _facts(intent, outcome, reservation_number=LONGEST_RESERVATION)

    body = customer_sms_body(facts, STATUS_LINK, LONGEST_BRAND)

    assert body.startswith(f"[{LONGEST_BRAND}] 예약 {LONGEST_RESERVATION} ")
    assert body.endswith("\n" + STATUS_LINK)
    assert parts(body) <= 3
    assert not [word for word in BROKEN_PROMISES if word in body]


def test_the_customer_text_says_the_answer_the_time_or_whom_to_call():
    assert "변경 수락" in customer_sms_body(_facts(CHANGE, "accept"), STATUS_LINK)
    assert "12월 5일 (토) 오후 3:00" in customer_sms_body(_facts(TROUBLE, "alternative"), STATUS_LINK)
    assert "고객센터(1588-0000)" in customer_sms_body(_facts(EXTRA, "timeout"), STATUS_LINK)
    assert "고객센터(1588-0000)" in customer_sms_body(_facts(CHANGE, "failed"), STATUS_LINK)


@pytest.mark.parametrize("choice", ["confirm", "decline"])
def test_the_partner_text_about_the_reply_names_the_time_in_two_parts(choice):
    body = partner_reply_sms_body(LONGEST_RESERVATION, choice, PROPOSED, LONGEST_BRAND)

    assert body.startswith(f"[{LONGEST_BRAND}] 예약 {LONGEST_RESERVATION}: ")
    assert "12월 5일 (토) 오후 3:00" in body
    assert ("확정했습니다" in body) == (choice == "confirm")
    assert parts(body) <= 2


def test_the_page_shows_a_line_for_each_reply_event_and_the_two_buttons():
    words = (Path(__file__).resolve().parents[2] / "site" / "words.js").read_text(encoding="utf-8")
    block = words.split("reply: {", 1)[1].split("lead:", 1)[0]
    page = (Path(__file__).resolve().parents[2] / "site" / "index.html").read_text(encoding="utf-8")

    assert set(re.findall(r"(Customer\w+): \"", block)) == set(REPLY_EVENTS.values())
    choices = dict(re.findall(r"(confirm|decline): \"([^\"]+)\"", block))
    assert choices == {"confirm": "이 시간으로 확정", "decline": "다른 시간이 필요해요"}
    assert set(choices) == set(REPLY_EVENTS) == set(REPLY_RECORDED)
    for label in choices.values():
        assert f">{label}</button>" in page
        assert label in REPLY_ON_PAGE
