"""The workflow's `HandleTimeout` and `HandleFailure` states: end the request, hand on an outcome."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from handlers import clock as wall_clock
from handlers.models.domain import Status
from handlers.models.outcome import Outcome
from handlers.observability import count, logger
from handlers.store.table import Store

# A cause can be a whole stack trace; operators need its start.
MAX_CAUSE_CHARS = 2000


def failure_record(error: Any, cause: Any) -> dict[str, str]:
    """What failed, as the console shows it: `{"error", "cause"}` (the cause cut to its first 2000 chars)."""
    record = {"error": str(error or "Unknown")}
    if cause:
        record["cause"] = str(cause)[:MAX_CAUSE_CHARS]
    return record


def end_wait(
    request_id: str,
    status: Status,
    *,
    store: Store,
    failure_reason: str | None = None,
    error: Mapping[str, Any] | None = None,
    clock: Callable[[], float] | None = None,
) -> dict[str, Any]:
    """`error`: the state machine's `{"Error", "Cause"}` of a failure, kept on the request for operators."""
    clock = clock or wall_clock.now
    details = {"reason": failure_reason} if failure_reason else {}
    before = store.end_request(
        request_id,
        status,
        int(clock() * 1000),
        details,
        failure_reason=failure_reason,
        failure=failure_record(error.get("Error"), error.get("Cause")) if error else None,
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
