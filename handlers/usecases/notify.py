"""The customer's message: written by the model when it can, by the built-in template otherwise."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from datetime import datetime
from typing import Any, Protocol

from handlers import clock as wall_clock
from handlers.models.domain import NotificationSource, Outcome, OutcomeKind
from handlers.models.errors import RequestNotFoundError
from handlers.models.messages import ANSWER_LABELS, format_kst, notification_template
from handlers.observability import count, logger
from handlers.store.table import Store

MAX_QUERY_CHARS = 1000

# The seed's template; the customer's text is fenced so the model reads it as data, not instructions.
PROMPT_TEMPLATE = (
    "당신은 고객 서비스 담당자입니다. 다음 정보를 바탕으로 고객에게 전달할 친절한 알림 메시지를 "
    "한국어로 작성해주세요."
    """

고객 문의: <고객문의>{query}</고객문의>
문의 유형: {intent}
예약번호: {reservationNumber}
파트너 응답: {partnerResponse}
대안 시간: {alternativeTime}

고객이 이해하기 쉽고 다음 행동을 명확히 알 수 있도록 작성해주세요."""
)


class Writer(Protocol):
    def write(self, prompt: str) -> str | None: ...


def build_prompt(request: Mapping[str, Any], outcome: Outcome) -> str:
    query = str(request.get("query", ""))[:MAX_QUERY_CHARS].replace("</고객문의>", "")
    return PROMPT_TEMPLATE.format(
        query=query,
        intent=request.get("intent", ""),
        reservationNumber=request.get("reservationNumber", ""),
        partnerResponse=ANSWER_LABELS[outcome.response],
        alternativeTime=format_kst(outcome.alternativeTime) if outcome.alternativeTime else "없음",
    )


def template_notification(
    outcome: OutcomeKind,
    request: Mapping[str, Any],
    failure_reason: str | None,
    at_ms: int,
    alternative_time: datetime | None = None,
) -> dict[str, Any]:
    message = notification_template(
        outcome, str(request.get("reservationNumber", "")), alternative_time, failure_reason
    )
    return {"message": message, "source": NotificationSource.TEMPLATE.value, "at": at_ms}


def generate(
    request_id: str,
    outcome: Outcome,
    *,
    store: Store,
    writer: Writer | None,
    clock: Callable[[], float] | None = None,
) -> dict[str, Any]:
    clock = clock or wall_clock.now
    request = store.get_request(request_id)
    if request is None:
        raise RequestNotFoundError(request_id)
    if isinstance(request.get("notification"), dict):
        return _public(request["notification"])  # a retried task: the customer already has a message
    message = writer.write(build_prompt(request, outcome)) if writer is not None else None
    at_ms = int(clock() * 1000)
    if message is not None:
        notification = {"message": message, "source": NotificationSource.MODEL.value, "at": at_ms}
    else:
        notification = template_notification(
            outcome.response, request, request.get("failureReason"), at_ms, outcome.alternativeTime
        )
    existing = store.save_notification(request_id, notification)
    if existing is not None:
        return _public(existing)
    source = notification["source"]
    count("NotificationFromModel" if source == NotificationSource.MODEL.value else "NotificationFromTemplate")
    logger().info("notification stored", extra={"source": source, "outcome": outcome.response})
    return _public(notification)


def _public(notification: Mapping[str, Any]) -> dict[str, Any]:
    return {"message": notification.get("message"), "source": notification.get("source")}
