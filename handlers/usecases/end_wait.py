"""The workflow's `HandleTimeout` and `HandleFailure` states: end the request, hand on an outcome."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from handlers import clock as wall_clock
from handlers.models.domain import Status
from handlers.models.outcome import Outcome
from handlers.observability import count, logger
from handlers.store.table import Store


def end_wait(
    request_id: str,
    status: Status,
    *,
    store: Store,
    failure_reason: str | None = None,
    clock: Callable[[], float] | None = None,
) -> dict[str, Any]:
    clock = clock or wall_clock.now
    details = {"reason": failure_reason} if failure_reason else {}
    before = store.end_request(
        request_id, status, int(clock() * 1000), details, failure_reason=failure_reason
    )
    kind = "timeout" if status is Status.TIMEOUT else "failed"
    if before is None:
        count("PartnerTimeout" if status is Status.TIMEOUT else "RequestFailed")
        return Outcome(response=kind).to_payload()
    answer = before.get("partnerResponse")
    if before.get("status") == Status.RESPONDED.value and isinstance(answer, dict):
        # The partner's answer won the race against the deadline: the customer hears the answer.
        logger().info("answer recorded before the wait ended; passing it on")
        count("LateAnswerPassedOn")
        return Outcome.model_validate(answer).to_payload()
    return Outcome(response=kind).to_payload()
