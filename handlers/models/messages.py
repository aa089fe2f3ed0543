"""Every Korean sentence a customer or partner reads from the Python side (API answers, the partner SMS,
the customer's message), in one place, keyed by intent and outcome (the pages keep their own catalogue)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from typing import Final

from handlers.models.domain import OutcomeKind
from handlers.models.intents import DEFAULT_INTENT, Intent

# The partner SMS starts with the brand: a longer one would push the text past two SMS parts.
MAX_BRAND_CHARS: Final = 12
KST: Final = timezone(timedelta(hours=9), "KST")  # Korea keeps no daylight saving time
_WEEKDAYS: Final = "월화수목금토일"

CHAT_ACCEPTED: Final = "요청이 접수되었습니다"
RESPONSE_ACCEPTED: Final = "응답이 접수되었습니다"
RESERVATION_NOT_FOUND: Final = (
    "입력하신 예약번호와 연락처로 예약을 찾지 못했습니다. 예약번호와 휴대폰 번호를 다시 확인해 주세요."
)
SMS_FAILED: Final = "업체에 확인 문자를 보내지 못했습니다."
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
    # Customer verification and limits (issue 10).
    "VERIFICATION_REQUIRED": "휴대폰 인증이 필요합니다. 인증번호를 받아 입력한 뒤 다시 문의해 주세요.",
    "CODE_INVALID": "인증번호가 맞지 않거나 유효 시간(5분)이 지났습니다. "
    "문자로 받은 6자리 숫자를 확인해 주세요.",
    "CODE_LOCKED": "인증번호를 5번 잘못 입력해 이 인증번호는 더 이상 쓸 수 없습니다. "
    "인증번호를 새로 받아 주세요.",
    "REQUEST_OPEN": "이 예약에는 파트너의 답변을 기다리는 문의가 이미 있습니다. "
    "진행 중인 문의 화면으로 이동합니다.",
    "SMS_BUDGET": "오늘 보낼 수 있는 문자를 모두 사용해 지금은 문의와 인증번호를 받을 수 없습니다. "
    "내일 다시 시도하시거나 고객센터로 연락해 주세요.",
    "UNSUPPORTED_MEDIA_TYPE": "요청 본문은 JSON(Content-Type: application/json)으로 보내야 합니다.",
    "EDGE_REQUIRED": "이 주소로는 직접 요청할 수 없습니다. 서비스 페이지에서 이용해 주세요.",
    # Operator console sign-in (issue 13).
    "UNAUTHORIZED": "로그인이 필요합니다. 다시 로그인해 주세요.",
    "FORBIDDEN": "운영자 권한이 없는 계정입니다. 관리자에게 operators 그룹 추가를 요청해 주세요.",
    "NOT_WAITING": "지금은 파트너의 답변을 기다리는 중이 아니라서 이 작업을 할 수 없습니다.",
    "ALREADY_ENDED": "이미 끝난 요청이라 종료할 수 없습니다.",
    "NO_PHONE": "이 요청에는 아직 해당 전화번호가 없습니다.",
    "SMS_NOT_SENT": "파트너에게 새 링크 문자를 보내지 못했습니다. "
    "이전 링크는 이미 쓸 수 없으니 링크를 다시 보내 주세요.",
    # The customer's reply to a proposed time (issue 12).
    "NO_PROPOSAL": "업체가 다른 시간을 제안한 문의에만 확정하거나 다른 시간을 요청할 수 있습니다.",
    "ALREADY_REPLIED": "이미 답하셨습니다. 제안된 시간에 대한 답은 한 번만 보낼 수 있습니다.",
    "REPLY_CLOSED": "제안된 시간에 답할 수 있는 시간이 지났습니다. "
    "새 문의를 남기시거나 고객센터로 연락해 주세요.",
}

FIELD_MESSAGES: Final[dict[str, str]] = {
    "customerPhone": "휴대폰 번호 형식이 올바르지 않습니다. 예: 010-1234-5678",
    "reservationNumber": "예약번호를 입력해 주세요. 예약번호는 영문, 숫자, 하이픈으로 된 3~40자입니다.",
    "message": "문의 내용을 입력해 주세요. 최대 1000자까지 보낼 수 있습니다.",
    "customerId": "고객 ID는 64자 이하의 문자열이어야 합니다.",
    "token": "유효하지 않은 링크입니다.",
    "response": "응답은 수락(accept), 거절(reject), 대안 제시(alternative) 중 하나여야 합니다.",
    "code": "인증번호는 문자로 받은 6자리 숫자입니다.",
    "alternativeTime": "대안 시간은 지금 이후 1년 이내의 날짜와 시간으로 입력해 주세요.",
    "note": "고객에게 남기는 말은 200자까지 보낼 수 있습니다. 줄여서 다시 보내 주세요.",
    # The operator console (issue 13).
    "who": "전화번호를 볼 사람은 customer 또는 partner 중 하나여야 합니다.",
    "status": "상태는 Created, SMSSent, Opened, Responded, Timeout, Failed, Closed 또는 open 이어야 합니다.",
    "limit": "limit 은 1에서 100 사이의 숫자여야 합니다.",
    "cursor": "목록의 다음 페이지 정보가 올바르지 않습니다. 처음부터 다시 불러와 주세요.",
    "days": "기간은 7일 또는 30일만 볼 수 있습니다.",
    "choice": "답은 확정(confirm) 또는 다른 시간 요청(decline) 중 하나여야 합니다.",
}
# Customer verification (issue 10).
VERIFY_ACCEPTED: Final = (
    "입력하신 예약번호와 연락처가 예약 정보와 맞으면 인증번호를 문자로 보냈습니다. 5분 안에 입력해 주세요."
)
PARTNER_TEXT_CAP: Final = (
    "담당 파트너에게 최근 한 시간 동안 보낼 수 있는 문자를 모두 보내 이번 문의는 전달하지 못했습니다. "
    "잠시 후 다시 문의하시거나 고객센터로 연락해 주세요."
)
SMS_BUDGET_SPENT: Final = (
    "오늘 보낼 수 있는 문자를 모두 사용해 파트너에게 문의를 전달하지 못했습니다. "
    "내일 다시 문의하시거나 고객센터로 연락해 주세요."
)


def code_sms_body(code: str) -> str:
    """One Korean SMS part (at most 70 characters)."""
    return f"[예약확인] 인증번호 {code}\n5분 안에 입력해 주세요. 다른 사람에게 알려 주지 마세요."


MALFORMED_JSON: Final = "요청 본문이 올바른 JSON 형식이 아닙니다."
TOO_LARGE: Final = "요청 본문이 너무 큽니다."
UNKNOWN_FIELD: Final = "알 수 없는 항목이 포함되어 있습니다: {field}"


# -- time ------------------------------------------------------------------------------------------------


def format_kst(moment: datetime) -> str:
    """`12월 5일 (토) 오후 3:00`, in Korea time whatever zone `moment` carries: one format everywhere."""
    local = moment.astimezone(KST)
    return f"{local.month}월 {local.day}일 ({_WEEKDAYS[local.weekday()]}) {format_kst_clock(local)}"


def format_kst_clock(moment: datetime) -> str:
    """`오후 3:05`: the time of day in Korea, without seconds (deadlines, minutes away)."""
    local = moment.astimezone(KST)
    half = "오전" if local.hour < 12 else "오후"
    return f"{half} {local.hour % 12 or 12}:{local.minute:02d}"


# -- what each answer means, per intent ------------------------------------------------------------------
#
# The API keeps `accept | reject | alternative`. Each intent gives them the partner's own words (the partner
# page shows the same labels) and one meaning for the customer, so both sides read the same answer.

PARTNER_LABELS: Final[dict[Intent, dict[str, str]]] = {
    Intent.CHANGE_RESERVATION: {
        "accept": "변경 수락",
        "reject": "변경 불가",
        "alternative": "다른 시간 제안",
    },
    Intent.REPORT_TROUBLE: {
        "accept": "바로 조치하겠습니다",
        "reject": "직접 연락드리겠습니다",
        "alternative": "방문 시간 제안",
    },
    Intent.EXTRA_SERVICE: {
        "accept": "준비하겠습니다",
        "reject": "어렵습니다",
        "alternative": "다른 시간 제안",
    },
}
NO_ANSWER_LABELS: Final[dict[str, str]] = {"timeout": "응답 없음 (시간 초과)", "failed": "처리 실패"}

# What each answer means for the customer: the model is told this, the templates say it.
ANSWER_MEANINGS: Final[dict[Intent, dict[str, str]]] = {
    Intent.CHANGE_RESERVATION: {
        "accept": "요청한 변경이 확정되었다. 변경된 내용으로 이용하면 된다.",
        "reject": "변경할 수 없다. 예약은 기존 내용 그대로 유지된다.",
        "alternative": "업체가 다른 시간을 제안했을 뿐 아직 확정되지 않았다. 예약은 기존 내용 그대로다.",
        "timeout": "업체가 제시간에 답하지 않아 변경이 확정되지 않았다. 예약은 기존 내용 그대로다.",
        "failed": "요청을 처리하지 못해 변경이 확정되지 않았다. 예약은 기존 내용 그대로다.",
    },
    Intent.REPORT_TROUBLE: {
        "accept": "업체가 문제를 확인했고 바로 조치한다.",
        "reject": "업체가 고객에게 직접 연락한다. 고객은 업체의 연락을 기다리면 된다.",
        "alternative": "업체가 문제를 살피러 방문할 시간을 제안했다.",
        "timeout": "업체가 제시간에 답하지 않았다. 문제가 계속되면 고객센터에 연락해야 한다.",
        "failed": "요청을 처리하지 못해 업체의 확인을 받지 못했다. 급하면 고객센터에 연락해야 한다.",
    },
    Intent.EXTRA_SERVICE: {
        "accept": "업체가 요청한 서비스를 준비한다.",
        "reject": "요청한 서비스는 어렵다. 예약은 기존 내용 그대로 유지된다.",
        "alternative": "업체가 서비스를 다른 시간에 준비할 수 있다고 제안했을 뿐 아직 확정되지 않았다.",
        "timeout": "업체가 제시간에 답하지 않아 서비스 준비 여부가 확정되지 않았다.",
        "failed": "요청을 처리하지 못해 서비스 준비 여부가 확정되지 않았다.",
    },
}

# One line of what is asked, for the partner SMS.
PARTNER_ASKS: Final[dict[Intent, str]] = {
    Intent.CHANGE_RESERVATION: "고객 예약 변경 요청",
    Intent.REPORT_TROUBLE: "고객 불편 신고",
    Intent.EXTRA_SERVICE: "고객 추가 서비스 요청",
}

DEFAULT_BRAND: Final = "예약확인"
_BUSINESS: Final = "업체"  # before the reservation is found, the business has no name yet


def intent_of(value: object) -> Intent:
    """The stored intent label; anything unknown is the default intent (what the request was handled as)."""
    try:
        return Intent(str(value))
    except ValueError:
        return DEFAULT_INTENT


def answer_label(intent: Intent, outcome: OutcomeKind) -> str:
    """The answer in the partner's words for this intent (`timeout`/`failed`: what happened instead)."""
    return PARTNER_LABELS[intent].get(outcome) or NO_ANSWER_LABELS[outcome]


def support_line(support_phone: str | None) -> str:
    """Whom the customer can call: the service's support number when the stack has one."""
    return f"고객센터({support_phone})" if support_phone else "고객센터"


# -- the partner SMS -----------------------------------------------------------------------------------


def sms_body(intent: Intent, deadline: datetime, link: str, brand_name: str | None = None) -> str:
    """`[brand] what is asked`, `오후 3:05까지 답변 부탁드립니다`, then the link.

    At most two concatenated UCS-2 parts (2 x 67 code units) with a 12-character brand and a CloudFront
    link, so the business's name and the reservation number stay on the page the link opens.
    """
    brand = brand_name or DEFAULT_BRAND
    return f"[{brand}] {PARTNER_ASKS[intent]}\n{format_kst_clock(deadline)}까지 답변 부탁드립니다\n{link}"


# -- the customer's message ------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True, kw_only=True)
class MessageFacts:
    """Everything a customer message may say; nothing else reaches the templates or the model."""

    intent: Intent
    outcome: OutcomeKind
    reservation_number: str
    partner_name: str | None = None
    alternative_time: datetime | None = None
    failure_reason: str | None = None
    support_phone: str | None = None

    @property
    def business(self) -> str:
        return self.partner_name or _BUSINESS

    @property
    def call(self) -> str:
        return support_line(self.support_phone)

    @property
    def proposed(self) -> str:
        return format_kst(self.alternative_time) if self.alternative_time else "다른 시간"


# What the customer does about a proposed time (issue 12): the status page's two buttons.
REPLY_ON_PAGE: Final = (
    "이 화면에서 '이 시간으로 확정' 또는 '다른 시간이 필요해요'를 눌러 답해 주시면 업체에 전해 드립니다."
)


def _change(facts: MessageFacts) -> str:
    biz, call = facts.business, facts.call
    if facts.outcome == "accept":
        return f"{biz}에서 요청하신 변경을 수락해 변경이 확정되었습니다. 변경된 내용으로 이용하시면 됩니다."
    if facts.outcome == "reject":
        return (
            f"{biz}에서 요청하신 변경은 어렵다고 답했습니다. 예약은 기존 내용 그대로 유지됩니다. "
            f"다른 일정이 필요하시면 새 문의를 남기시거나 {call}로 연락해 주세요."
        )
    if facts.outcome == "alternative":
        return (
            f"{biz}에서 요청하신 시간 대신 다른 시간을 제안했습니다: {facts.proposed}. "
            "아직 변경이 확정된 것은 아니며, 예약은 기존 내용 그대로입니다. "
            f"{REPLY_ON_PAGE} 궁금한 점은 {call}로 연락해 주세요."
        )
    if facts.outcome == "timeout":
        return (
            f"{biz}에서 정해진 시간 안에 답을 받지 못해 변경이 확정되지 않았습니다. "
            f"예약은 기존 내용 그대로입니다. 변경이 필요하시면 {call}로 연락해 주세요."
        )
    return _failed(facts, "변경이 확정되지 않았으며, 예약은 기존 내용 그대로입니다.")


def _trouble(facts: MessageFacts) -> str:
    biz, call = facts.business, facts.call
    if facts.outcome == "accept":
        return f"{biz}에서 알려주신 문제를 확인하고 바로 조치하겠다고 답했습니다. 조금만 기다려 주세요."
    if facts.outcome == "reject":
        return (
            f"{biz}에서 알려주신 문제에 대해 고객님께 직접 연락드리겠다고 답했습니다. "
            "예약하신 연락처로 업체의 연락을 기다려 주세요."
        )
    if facts.outcome == "alternative":
        return (
            f"{biz}에서 알려주신 문제를 살피러 방문하겠다며 방문 시간을 제안했습니다: {facts.proposed}. "
            f"{REPLY_ON_PAGE} 급한 일은 {call}로 연락해 주세요."
        )
    if facts.outcome == "timeout":
        return (
            f"{biz}에서 정해진 시간 안에 답을 받지 못했습니다. 문제가 계속되면 {call}로 바로 연락해 주세요."
        )
    return _failed(facts, "알려주신 문제를 업체에서 확인받지 못했습니다.", urgent=True)


def _extra(facts: MessageFacts) -> str:
    biz, call = facts.business, facts.call
    if facts.outcome == "accept":
        return f"{biz}에서 요청하신 서비스를 준비하겠다고 답했습니다. 예약하신 대로 이용하시면 됩니다."
    if facts.outcome == "reject":
        return (
            f"{biz}에서 요청하신 서비스는 어렵다고 답했습니다. 예약은 기존 내용 그대로 유지됩니다. "
            f"궁금한 점은 {call}로 연락해 주세요."
        )
    if facts.outcome == "alternative":
        return (
            f"{biz}에서 요청하신 서비스를 다른 시간에 준비할 수 있다고 제안했습니다: {facts.proposed}. "
            f"아직 확정된 것은 아니며, {REPLY_ON_PAGE} 궁금한 점은 {call}로 연락해 주세요."
        )
    if facts.outcome == "timeout":
        return (
            f"{biz}에서 정해진 시간 안에 답을 받지 못해 서비스 준비 여부가 확정되지 않았습니다. "
            f"필요하시면 {call}로 연락해 주세요."
        )
    return _failed(facts, "서비스 준비 여부가 확정되지 않았습니다.")


def _failed(facts: MessageFacts, consequence: str, *, urgent: bool = False) -> str:
    reason = f" {facts.failure_reason}" if facts.failure_reason else ""
    if urgent:
        next_step = f"급한 문제라면 {facts.call}로 바로 연락해 주세요."
    else:
        next_step = f"다시 문의하시거나 {facts.call}로 연락해 주세요."
    return f"요청을 처리하지 못했습니다.{reason} {consequence} {next_step}"


_BY_INTENT = {
    Intent.CHANGE_RESERVATION: _change,
    Intent.REPORT_TROUBLE: _trouble,
    Intent.EXTRA_SERVICE: _extra,
}


def notification_template(facts: MessageFacts) -> str:
    """The built-in message for each intent and outcome, used whenever the model cannot write one."""
    greeting = f"안녕하세요. 예약번호 {facts.reservation_number} 문의에 대한 안내입니다."
    return f"{greeting} {_BY_INTENT[facts.intent](facts)}"


# Stored by the workflow itself (no function, so no reservation number) when no function could write the
# customer's message; the customer reads it on the page of that very request. It knows neither the intent
# nor the business, so it says only what holds for every intent, and promises nothing the system does not do.
# `{call}` is whom to call (`support_line`): the deployment writes the messages into the state machine's
# definition with the stack's support phone (`last_resort_notification`).
LAST_RESORT_NOTIFICATIONS: Final[dict[OutcomeKind, str]] = {
    "accept": (
        "안녕하세요. 업체에서 문의하신 요청을 수락했습니다. 이 화면의 문의 내용과 업체의 답을 확인해 주세요."
    ),
    "reject": (
        "안녕하세요. 업체에서 문의하신 요청은 어렵다고 답했습니다. "
        "필요하시면 새 문의를 남기시거나 {call}로 연락해 주세요."
    ),
    "alternative": (
        "안녕하세요. 업체에서 다른 시간을 제안했습니다. 아직 확정된 것은 아니며, "
        f"{REPLY_ON_PAGE} 궁금한 점은 {{call}}로 연락해 주세요."
    ),
    "timeout": (
        "안녕하세요. 업체에 문의를 전달했지만 정해진 시간 안에 답을 받지 못했습니다. "
        "급하시면 {call}로 연락해 주세요."
    ),
    "failed": (
        "안녕하세요. 요청을 처리하는 중 문제가 발생해 처리하지 못했습니다. "
        "다시 문의하시거나 {call}로 연락해 주세요."
    ),
}


def last_resort_notification(kind: OutcomeKind, support_phone: str | None) -> str:
    """The workflow's own message for `kind`, naming the support number when the stack has one."""
    return LAST_RESORT_NOTIFICATIONS[kind].format(call=support_line(support_phone))


# -- the operator console (issue 13) --------------------------------------------------------------------

OPERATOR_NOTE_REQUIRED: Final = "메모를 입력해 주세요. 300자까지 쓸 수 있습니다."


def operator_closed_message(note: str) -> str:
    """The customer's message when an operator closes the request: the operator's note, introduced."""
    return f"고객센터에서 문의를 직접 확인하고 마무리했습니다.\n상담원 안내: {note}"


# -- the customer told off the page, and the reply to a proposed time (issue 12) ---------------------------

# What the customer text says happened, per outcome (the page holds the whole message).
_CUSTOMER_SMS_SUMMARIES: Final[dict[OutcomeKind, str]] = {
    "accept": "문의에 업체가 답했습니다: {label}.",
    "reject": "문의에 업체가 답했습니다: {label}.",
    "alternative": "문의에 업체가 다른 시간을 제안했습니다: {proposed}. "
    "아래 화면에서 확정하거나 다른 시간을 요청해 주세요.",
    "timeout": "문의에 업체가 제시간에 답하지 않았습니다. 필요하시면 {call}로 연락해 주세요.",
    "failed": "문의를 처리하지 못했습니다. {call}로 연락해 주세요.",
}


def customer_sms_body(facts: MessageFacts, status_link: str, brand_name: str | None = None) -> str:
    """The one text a verified customer gets when the request ends: what happened, then the status page.

    At most three UCS-2 parts with a 12-character brand, a 20-character reservation number and a
    CloudFront link (`https://<domain>/?request=<uuid>`)."""
    brand = brand_name or DEFAULT_BRAND
    summary = _CUSTOMER_SMS_SUMMARIES[facts.outcome].format(
        label=answer_label(facts.intent, facts.outcome),
        proposed=facts.proposed,
        call=facts.call,
    )
    return f"[{brand}] 예약 {facts.reservation_number} {summary}\n{status_link}"


def partner_reply_sms_body(
    reservation_number: str,
    choice: str,
    proposed: datetime | None,
    brand_name: str | None = None,
) -> str:
    """The partner's one text about the customer's answer to the time they proposed (one or two parts)."""
    brand = brand_name or DEFAULT_BRAND
    when = format_kst(proposed) if proposed else "제안하신 시간"
    if choice == "confirm":
        said = f"고객이 제안하신 시간으로 확정했습니다: {when}."
    else:
        said = (
            f"고객이 제안하신 시간({when})은 어렵다며 다른 시간이 필요하다고 답했습니다. "
            "고객이 새 문의를 남기면 다시 문자로 알려 드립니다."
        )
    return f"[{brand}] 예약 {reservation_number}: {said}"


# The answer to `POST /requests/{id}/reply`, per choice.
REPLY_RECORDED: Final[dict[str, str]] = {
    "confirm": "제안된 시간으로 확정했다고 업체에 전했습니다.",
    "decline": "다른 시간이 필요하다고 업체에 전했습니다. 원하시는 시간을 새 문의로 남겨 주세요.",
}
