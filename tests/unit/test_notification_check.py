from __future__ import annotations

from datetime import UTC, datetime

import pytest

from handlers.models import notification_check as check
from handlers.models.intents import Intent
from handlers.models.messages import MessageFacts, notification_template

RESERVATION = "R-20261127-001"
PROPOSED = datetime(2026, 12, 5, 6, 0, tzinfo=UTC)  # 12월 5일 (토) 오후 3:00 in Korea
OUTCOMES = ("accept", "reject", "alternative", "timeout", "failed")


def facts(outcome="reject", intent=Intent.CHANGE_RESERVATION, **overrides):
    values = {
        "intent": intent,
        "outcome": outcome,
        "reservation_number": RESERVATION,
        "partner_name": "한강 게스트하우스",
        "alternative_time": PROPOSED if outcome == "alternative" else None,
        "failure_reason": "업체에 확인 문자를 보내지 못했습니다." if outcome == "failed" else None,
        "support_phone": "1588-0000",
    }
    return MessageFacts(**{**values, **overrides})


@pytest.mark.parametrize("intent", list(Intent))
@pytest.mark.parametrize("outcome", OUTCOMES)
def test_every_built_in_message_passes_the_check(intent, outcome):
    given = facts(outcome, intent)
    assert check.problem(notification_template(given), given) is None


@pytest.mark.parametrize(
    ("outcome", "message"),
    [
        (
            "accept",
            "안녕하세요, 고객님. 예약번호 R-20261127-001의 변경 요청을 "
            "업체에서 수락해 변경이 확정되었습니다.",
        ),
        (
            "reject",
            "고객님, 예약번호 R-20261127-001 변경 요청은 업체 사정으로 어렵다고 합니다. "
            "기존 예약은 그대로예요.",
        ),
        (
            "alternative",
            "예약번호 R-20261127-001: 업체에서 12월 5일 오후 3시를 제안했어요. "
            "아직 확정은 아니니 확인해 주세요.",
        ),
        ("alternative", "예약번호 R-20261127-001 관련, 업체가 12월 5일 (토) 15:00 방문을 제안했습니다."),
        ("accept", "예약번호 R-20261127-001 변경이 완료되었습니다. 바뀐 내용으로 이용해 주세요. 감사합니다."),
        ("accept", "예약번호 R-20261127-001 변경을 업체가 수락했습니다. 따로 연락하지 않으셔도 됩니다."),
        (
            "reject",
            "죄송합니다. 예약번호 R-20261127-001은 업체 사정으로 변경하실 수 없습니다. 기존 예약은 유지돼요.",
        ),
        (
            "timeout",
            "예약번호 R-20261127-001 문의에 업체의 회신이 오지 않았습니다. 고객센터로 연락해 주세요.",
        ),
        (
            "failed",
            "예약번호 R-20261127-001 요청이 처리되지 않았습니다. 번거로우시겠지만 다시 문의해 주세요.",
        ),
        (
            "timeout",
            "예약번호 R-20261127-001 문의는 업체에서 정해진 시간 안에 답을 받지 못했습니다. "
            "고객센터로 연락해 주세요.",
        ),
        (
            "failed",
            "예약번호 R-20261127-001 요청을 처리하지 못했습니다. 번거로우시겠지만 다시 문의해 주세요.",
        ),
        (
            "timeout",
            "예약번호 R-20261127-001 문의에 업체의 응답이 없었습니다. "
            "급하시면 고객센터(1588-0000)로 연락해 주세요.",
        ),
    ],
)
def test_a_sound_model_message_passes(outcome, message):
    assert check.problem(message, facts(outcome)) is None


@pytest.mark.parametrize(
    ("message", "reason"),
    [
        (None, check.EMPTY),
        ("   ", check.EMPTY),
        ("예약번호 R-20261127-001", check.LENGTH),
        ("예약번호 R-20261127-001 변경은 어렵습니다. " + "정말 " * 200, check.LENGTH),
        ("예약번호 R-20261127-001 변경은 어렵\u200b습니다. 기존 예약은 그대로입니다.", check.HIDDEN),
        ("예약번호 R-20261127-001 변경은 어렵습니다.\u202e 기존 예약은 그대로입니다.", check.HIDDEN),
        ("Reservation R-20261127-001: the change is not possible, sorry. 감사", check.NOT_KOREAN),
        ("예약번호 R-20261127-001 변경은 어렵습니다. ご了承ください 기존 예약은 그대로입니다.", check.SCRIPT),
        ("예약번호 R-20261127-001 변경은 어렵습니다. 자세한 건 gооgle 에서 확인하세요.", check.SCRIPT),
        ("예약번호 R-20261127-001 변경은 어렵습니다. 자세한 내용은 https://evil.example 참고", check.LINK),
        ("예약번호 R-20261127-001 변경은 어렵습니다. 자세한 내용은 evil.kr 에서 확인하세요", check.LINK),
        ("예약번호 R-20261127-001 변경은 어렵습니다. ｅｖｉｌ．ｃｏｍ 에서 다시 예약하세요", check.LINK),
        ("예약번호 R-20261127-001 변경은 어렵습니다. 이블 닷컴에서 다시 예약하세요 안녕히", check.LINK),
        ("예약번호 R-20261127-001 변경은 어렵습니다. help＠evil.kr 로 메일 주세요", check.EMAIL),
        ("예약번호 R-20261127-001 변경은 어렵습니다. <b>기존 예약</b>은 그대로입니다.", check.MARKUP),
        ("예약번호 R-20261127-001 변경은 어렵습니다. 업체(010-9876-5432)로 연락 주세요.", check.PHONE),
        ("예약번호 R-20261127-001 변경은 어렵습니다. ０１０ ９８７６ ５４３２로 연락 주세요.", check.PHONE),
        ("예약번호 R-20261127-001 변경은 어렵습니다. 공일공 구팔칠육 오사삼이로 연락 주세요.", check.PHONE),
        ("예약번호 R-20261127-001 변경은 어렵습니다. 02-123-4567로 연락 주세요.", check.PHONE),
        ("예약번호 R-20261127-002 변경은 어렵습니다. 기존 예약은 그대로 유지됩니다.", check.NO_RESERVATION),
        (
            "예약번호 R-20261127-001 변경은 어렵습니다. 대신 R-20261127-009 예약으로 옮겼습니다.",
            check.OTHER_NUMBER,
        ),
        ("예약번호 R-20261127-001 변경은 어렵습니다. 주문번호 ABC123을 확인하세요.", check.OTHER_NUMBER),
        ("예약번호 R-20261127-001 변경은 어렵습니다. 대신 전액 환불해 드리겠습니다.", check.PROMISE),
        ("예약번호 R-20261127-001 변경은 어렵습니다. 불편에 대해 보상해 드립니다.", check.PROMISE),
        ("예약번호 R-20261127-001 변경은 어렵습니다. 아래 계좌로 입금하시면 처리됩니다.", check.PROMISE),
        (
            "예약번호 R-20261127-001 변경 요청이 수락되어 변경이 확정되었습니다. 즐거운 여행 되세요.",
            check.WRONG_ANSWER,
        ),
        ("예약번호 R-20261127-001 변경은 어렵습니다. 12월 24일로 다시 잡아 두었습니다.", check.WRONG_TIME),
    ],
)
def test_a_message_that_is_not_fit_is_refused_with_its_reason(message, reason):
    assert check.problem(message, facts("reject")) == reason


@pytest.mark.parametrize(
    ("outcome", "message"),
    [
        ("accept", "예약번호 R-20261127-001 변경은 어렵다고 업체가 답했습니다. 기존 예약은 그대로입니다."),
        ("accept", "예약번호 R-20261127-001 문의에 업체가 다른 시간을 제안했습니다. 확인해 주세요."),
        (
            "alternative",
            "예약번호 R-20261127-001 변경이 12월 5일 오후 3시로 확정되었습니다. 제안 감사합니다.",
        ),
        ("timeout", "예약번호 R-20261127-001 변경을 업체가 수락해 확정되었습니다. 즐거운 시간 되세요."),
        (
            "failed",
            "예약번호 R-20261127-001 변경 요청이 정상적으로 확정되었습니다. 이용해 주셔서 감사합니다.",
        ),
        ("reject", "예약번호 R-20261127-001 문의에 업체가 오후 4시를 제안했습니다. 아직 확정은 아닙니다."),
    ],
)
def test_a_message_that_contradicts_the_answer_is_refused(outcome, message):
    assert check.problem(message, facts(outcome)) == check.WRONG_ANSWER


@pytest.mark.parametrize(
    "message",
    [
        "예약번호 R-20261127-001: 업체가 12월 6일 오후 3시를 제안했습니다. 아직 확정은 아닙니다.",
        "예약번호 R-20261127-001: 업체가 12월 5일 오후 4시를 제안했습니다. 아직 확정은 아닙니다.",
        "예약번호 R-20261127-001: 업체가 12월 5일 오전 3시를 제안했습니다. 아직 확정은 아닙니다.",
        "예약번호 R-20261127-001: 업체가 다른 시간을 제안했습니다. 아직 확정은 아닙니다. 확인해 주세요.",
        "예약번호 R-20261127-001: 업체가 12월 5일 오후 3시를 제안했습니다. 12월 7일 오후 3시도 됩니다.",
    ],
)
def test_an_alternative_names_the_proposed_time_and_no_other(message):
    assert check.problem(message, facts("alternative")) == check.WRONG_TIME


def test_the_support_phone_is_the_only_number_allowed():
    message = "예약번호 R-20261127-001 변경은 어렵습니다. 궁금하시면 고객센터(1588-0000)로 연락해 주세요."
    assert check.problem(message, facts("reject")) is None
    assert check.problem(message, facts("reject", support_phone=None)) == check.PHONE


def test_the_reservation_number_may_be_written_in_any_case_and_width():
    message = "예약번호 ｒ-２０２６１１２７-００１ 변경은 어렵습니다. 기존 예약은 그대로 유지됩니다."
    assert check.problem(message, facts("reject")) is None
