"""`POST /chat`: classify, store the request with its first event, hand it over, answer at once."""

from __future__ import annotations

import uuid
from collections.abc import Callable
from typing import Any, Protocol

from botocore.exceptions import BotoCoreError, ClientError

from handlers import clock as wall_clock
from handlers.adapters.classifier import Classification
from handlers.models.chat import ChatAccepted, ChatRequest
from handlers.models.domain import ANSWERABLE, IntentSource, Status
from handlers.models.errors import RequestOpenError, SmsBudgetError
from handlers.models.messages import CHAT_ACCEPTED, WORKFLOW_FAILED
from handlers.observability import count, logger, set_correlation_id
from handlers.store import keys
from handlers.store.table import Item, Store
from handlers.usecases.limits import utc_day


class Classifier(Protocol):
    def classify(self, text: str) -> Classification: ...


class HandOver(Protocol):
    def hand_over(self, request_id: str) -> None: ...


# A request stuck longer than any partner wait (at most 600 s) no longer blocks its reservation.
OPEN_HOLD_SECONDS = 3600


def _open_and_budget(store: Store, reservation_number: str, now: float) -> tuple[Item | None, int]:
    """The reservation's open-question marker and today's SMS parts, in one read."""
    marker, budget = store.get_many(
        [keys.open_request_key(reservation_number), keys.budget_key(utc_day(now))]
    )
    return marker, int(budget.get("parts", 0)) if budget else 0


def _waiting(store: Store, marker: Item | None, now: float) -> tuple[str | None, str | None]:
    """(the request still waiting for the partner, the ended one the marker names)."""
    if marker is None or int(marker.get("openUntil", 0)) < int(now):
        return None, None
    held = str(marker.get("requestId", ""))
    request = store.get_request(held)
    if request is not None and request.get("status") in {s.value for s in ANSWERABLE}:
        return held, None
    return None, held


def submit(
    body: ChatRequest,
    *,
    store: Store,
    classifier: Classifier,
    hand_over: HandOver,
    sms_daily_budget_parts: int,
    support_phone: str | None = None,
    text_customer: bool = False,
    clock: Callable[[], float] | None = None,
) -> ChatAccepted:
    """One question per reservation at a time, none once the day's texts are spent; the checks run before
    the classifier (Lex is paid per call)."""
    clock = clock or wall_clock.now
    marker, parts_spent = _open_and_budget(store, body.reservationNumber, clock())
    waiting, ended = _waiting(store, marker, clock())
    if waiting is not None:
        raise RequestOpenError(waiting)
    if parts_spent >= sms_daily_budget_parts:
        count("SmsBudgetExhausted", refused="request")
        raise SmsBudgetError("daily SMS budget spent")
    classification = classifier.classify(body.message)
    now = clock()
    now_ms = int(now * 1000)
    request_id = str(uuid.uuid4())
    set_correlation_id(request_id)
    request: dict[str, Any] = {
        "requestId": request_id,
        "customerId": body.customerId,
        "customerPhone": body.customerPhone,
        "reservationNumber": body.reservationNumber,
        "query": body.message,
        "intent": classification.intent.value,
        "intentSource": classification.source.value,
        "createdAt": now_ms,
        "updatedAt": now_ms,
    }
    if text_customer:
        # The phone is proven (customer token) and the stack texts customers: the ending is texted too.
        request["textCustomer"] = True
    details: dict[str, Any] = {
        "intent": classification.intent.value,
        "intentSource": classification.source.value,
    }
    if classification.fallback_reason:
        details["fallbackReason"] = classification.fallback_reason
    store.create_request(request, details, replaces=ended, open_until=int(now) + OPEN_HOLD_SECONDS)
    count("RequestCreated", intentSource=classification.source.value)
    if classification.source is IntentSource.DEFAULT:
        count("IntentDefaulted", reason=classification.fallback_reason or "")
    logger().info("request created", extra={"intent": classification.intent.value})
    try:
        hand_over.hand_over(request_id)
    except (ClientError, BotoCoreError):
        # Imported here: the notification use case brings the model writer and its checks, which a
        # question that was handed over never needs (`make bench`, first call).
        from handlers.usecases.notify import template_notification

        # The request exists: end it with a message the customer can read instead of leaving it `Created`.
        logger().exception("hand-over to the orchestrator failed")
        count("RequestFailed", reason="hand-over")
        store.end_request(
            request_id,
            Status.FAILED,
            int(clock() * 1000),
            {"reason": WORKFLOW_FAILED},
            failure_reason=WORKFLOW_FAILED,
            notification=template_notification(
                "failed", request, WORKFLOW_FAILED, int(clock() * 1000), support_phone=support_phone
            ),
        )
    return ChatAccepted(requestId=request_id, status=Status.CREATED.value, message=CHAT_ACCEPTED)
