"""Every Korean sentence a customer or partner reads, in one place."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone
from typing import Final

from handlers.models.domain import OutcomeKind

# The partner SMS starts with the brand: a longer one would push the text past two SMS parts.
MAX_BRAND_CHARS: Final = 12
KST: Final = timezone(timedelta(hours=9), "KST")  # Korea keeps no daylight saving time
_WEEKDAYS: Final = "월화수목금토일"

CHAT_ACCEPTED: Final = "요청이 접수되었습니다"
RESPONSE_ACCEPTED: Final = "응답이 접수되었습니다"
RESERVATION_NOT_FOUND: Final = (
    "입력하신 예약번호와 연락처로 예약을 찾지 못했습니다. 예약번호와 휴대폰 번호를 다시 확인해 주세요."
)
SMS_FAILED: Final = "파트너에게 확인 문자를 보내지 못했습니다."
WORKFLOW_FAILED: Final = "요청을 처리하는 중 문제가 발생했습니다."
# The sweeper's reason for a request that never reached its partner (issue 11).
NOT_DELIVERED: Final = "요청을 처리하는 중 문제가 생겨 파트너에게 문의를 전달하지 못했습니다."

ERROR_MESSAGES: Final[dict[str, str]] = {
    "BAD_REQUEST": "요청 형식이 올바르지 않습니다.",
    "TOKEN_INVALID": "유효하지 않은 링크입니다. 문자로 받은 링크를 다시 확인해 주세요.",
    "TOKEN_EXPIRED": "링크의 유효 시간이 지나 더 이상 응답할 수 없습니다.",
    "TOKEN_USED": "이미 사용된 링크입니다. 응답은 한 번만 보낼 수 있습니다.",
    "WAIT_ENDED": "응답 대기 시간이 끝나 응답을 받을 수 없습니다. 고객에게는 이미 안내가 전달되었습니다.",
    "NOT_FOUND": "요청을 찾을 수 없습니다.",
    "RATE_LIMITED": "요청이 너무 많습니다. 잠시 후 다시 시도해 주세요.",
    "INTERNAL": "일시적인 오류가 발생했습니다. 잠시 후 다시 시도해 주세요.",
    "UNAVAILABLE": "서비스를 잠시 사용할 수 없습니다. 잠시 후 다시 시도해 주세요.",
}

FIELD_MESSAGES: Final[dict[str, str]] = {
    "customerPhone": "휴대폰 번호 형식이 올바르지 않습니다. 예: 010-1234-5678",
    "reservationNumber": "예약번호를 입력해 주세요. 예약번호는 영문, 숫자, 하이픈으로 된 3~40자입니다.",
    "message": "문의 내용을 입력해 주세요. 최대 1000자까지 보낼 수 있습니다.",
    "customerId": "고객 ID는 64자 이하의 문자열이어야 합니다.",
    "token": "유효하지 않은 링크입니다.",
    "response": "응답은 수락(accept), 거절(reject), 대안 제시(alternative) 중 하나여야 합니다.",
    "alternativeTime": "대안 시간은 지금 이후 1년 이내의 날짜와 시간으로 입력해 주세요.",
    "note": "고객에게 남기는 말은 200자까지 보낼 수 있습니다. 줄여서 다시 보내 주세요.",
}
MALFORMED_JSON: Final = "요청 본문이 올바른 JSON 형식이 아닙니다."
TOO_LARGE: Final = "요청 본문이 너무 큽니다."
UNKNOWN_FIELD: Final = "알 수 없는 항목이 포함되어 있습니다: {field}"

ANSWER_LABELS: Final[dict[str, str]] = {
    "accept": "수락",
    "reject": "거절",
    "alternative": "다른 시간 제안",
    "timeout": "응답 없음 (시간 초과)",
    "failed": "처리 실패",
}


def format_kst(moment: datetime) -> str:
    """`2026년 11월 27일 (금) 오후 3시 30분`, in Korea time whatever zone `moment` carries."""
    local = moment.astimezone(KST)
    half = "오전" if local.hour < 12 else "오후"
    hour = local.hour % 12 or 12
    minute = f" {local.minute}분" if local.minute else ""
    weekday = _WEEKDAYS[local.weekday()]
    return f"{local.year}년 {local.month}월 {local.day}일 ({weekday}) {half} {hour}시{minute}"


def _with_object_particle(word: str) -> str:
    """Appends 을 after a final consonant and 를 after a vowel, as Korean grammar wants."""
    last = word[-1]
    if "가" <= last <= "힣":
        return word + ("을" if (ord(last) - ord("가")) % 28 else "를")
    return word + "을(를)"


def sms_body(partner_name: str | None, reservation_number: str, link: str) -> str:
    """Short on purpose: Korean SMS parts hold 70 characters (67 when concatenated)."""
    del partner_name  # the partner knows who they are; every character costs SMS parts
    return f"[예약확인] {reservation_number} 고객 문의 응답 요청\n{link}"


def notification_template(
    outcome: OutcomeKind,
    reservation_number: str,
    alternative_time: datetime | None = None,
    failure_reason: str | None = None,
) -> str:
    """The built-in message for each outcome, used whenever the model cannot write one."""
    if outcome == "accept":
        return (
            f"안녕하세요. 예약번호 {reservation_number}에 대한 문의를 파트너가 확인하고 요청을 수락했습니다. "
            "별도로 하실 일은 없으며, 예약하신 대로 이용하시면 됩니다."
        )
    if outcome == "reject":
        return (
            f"안녕하세요. 예약번호 {reservation_number}에 대한 요청을 파트너가 "
            "받아들이기 어렵다고 답했습니다. 다른 날짜나 방법이 필요하시면 새 문의를 남겨 주세요."
        )
    if outcome == "alternative" and alternative_time is not None:
        proposed = _with_object_particle(format_kst(alternative_time))
        return (
            f"안녕하세요. 예약번호 {reservation_number}에 대해 파트너가 {proposed} "
            "대안 시간으로 제안했습니다. 이 시간이 괜찮으시면 그대로 진행되며, "
            "어려우시면 새 문의를 남겨 주세요."
        )
    if outcome == "alternative":
        return (
            f"안녕하세요. 예약번호 {reservation_number}에 대해 파트너가 다른 시간을 제안했습니다. "
            "자세한 시간은 고객센터로 문의해 주세요."
        )
    if outcome == "timeout":
        return (
            f"안녕하세요. 예약번호 {reservation_number}에 대한 문의를 파트너에게 전달했지만 "
            "정해진 시간 안에 답을 받지 못했습니다. 담당자가 확인 후 다시 연락드리겠습니다."
        )
    reason = f" {failure_reason}" if failure_reason else ""
    return (
        f"안녕하세요. 예약번호 {reservation_number}에 대한 요청을 처리하지 못했습니다.{reason} "
        "불편을 드려 죄송합니다."
    )


# Stored by the workflow itself (no function, so no reservation number) when no function could write the
# customer's message; the customer reads it on the page of that very request.
LAST_RESORT_NOTIFICATIONS: Final[dict[OutcomeKind, str]] = {
    "accept": "안녕하세요. 파트너가 문의를 확인하고 요청을 수락했습니다. 예약하신 대로 이용하시면 됩니다.",
    "reject": (
        "안녕하세요. 파트너가 요청을 받아들이기 어렵다고 답했습니다. "
        "다른 날짜나 방법이 필요하시면 새 문의를 남겨 주세요."
    ),
    "alternative": ("안녕하세요. 파트너가 다른 시간을 제안했습니다. 자세한 시간은 고객센터로 문의해 주세요."),
    "timeout": (
        "안녕하세요. 파트너에게 문의를 전달했지만 정해진 시간 안에 답을 받지 못했습니다. "
        "담당자가 확인 후 다시 연락드리겠습니다."
    ),
    "failed": (
        "안녕하세요. 요청을 처리하는 중 문제가 발생해 처리하지 못했습니다. "
        "불편을 드려 죄송합니다. 잠시 후 다시 문의해 주세요."
    ),
}
