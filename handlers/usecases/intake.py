"""`POST /chat`: classify, store the request with its first event, hand it over, answer at once."""

from __future__ import annotations

import hashlib
import uuid
from collections.abc import Callable
from typing import Any, Protocol

from botocore.exceptions import BotoCoreError, ClientError

from handlers import clock as wall_clock
from handlers.adapters.classifier import Classification
from handlers.models.chat import ChatAccepted, ChatRequest
from handlers.models.domain import IntentSource, Status
from handlers.models.messages import CHAT_ACCEPTED, WORKFLOW_FAILED
from handlers.observability import count, logger, set_correlation_id
from handlers.store.table import Store
from handlers.usecases.notify import template_notification


class Classifier(Protocol):
    def classify(self, text: str) -> Classification: ...


class HandOver(Protocol):
    def hand_over(self, request_id: str) -> None: ...


def client_digest(source_ip: str) -> str:
    """Rate counters are keyed by a hash: the table never stores a caller's address."""
    return hashlib.sha256(source_ip.encode()).hexdigest()[:20]


def submit(
    body: ChatRequest,
    source_ip: str,
    *,
    store: Store,
    classifier: Classifier,
    hand_over: HandOver,
    rate_limit_per_minute: int,
    support_phone: str | None = None,
    clock: Callable[[], float] | None = None,
) -> ChatAccepted:
    clock = clock or wall_clock.now
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
    details: dict[str, Any] = {
        "intent": classification.intent.value,
        "intentSource": classification.source.value,
    }
    if classification.fallback_reason:
        details["fallbackReason"] = classification.fallback_reason
    store.create_request(
        request,
        details,
        client_digest=client_digest(source_ip),
        minute=int(now // 60),
        limit=rate_limit_per_minute,
    )
    count("RequestCreated", intentSource=classification.source.value)
    if classification.source is IntentSource.DEFAULT:
        count("IntentDefaulted", reason=classification.fallback_reason or "")
    logger().info("request created", extra={"intent": classification.intent.value})
    try:
        hand_over.hand_over(request_id)
    except (ClientError, BotoCoreError):
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
