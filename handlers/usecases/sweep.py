"""The safety net under the workflow: end every request still open long after its partner wait.

A request is stuck when it is still `Created`, `SMSSent` or `Opened` longer than the partner wait plus a
margin after it started waiting (its SMS claim, or its creation when nothing was claimed): by then a
workflow running correctly has ended it. The sweeper ends it as `Timeout` when the SMS went out (the
partner had the link and did not answer) and as `Failed` otherwise, with the built-in message.

It never fights a workflow: every write is conditional on the status the sweeper saw, so whichever of the
two ends the request first wins, and the other finds it ended (the workflow's handlers then hand on the
outcome, and its notification step keeps the message already stored).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from botocore.exceptions import BotoCoreError, ClientError

from handlers import clock as wall_clock
from handlers.models.domain import OutcomeKind, Status
from handlers.models.errors import UnavailableError
from handlers.models.messages import NOT_DELIVERED
from handlers.models.outcome import Outcome
from handlers.observability import count, logger
from handlers.store.table import Store
from handlers.usecases.notify import template_notification

OPEN_STATUSES = (Status.CREATED, Status.SMS_SENT, Status.OPENED)
ENDED_STATUSES = (Status.RESPONDED, Status.TIMEOUT, Status.FAILED)
# Ended requests are also checked for a message, over this window before the cutoff (a dozen sweeps): a
# workflow whose every notification step failed ends the request without telling the customer.
UNTOLD_LOOKBACK_MS = 3_600_000
# Leave the last seconds of the invocation alone: a sweep cut off half way only waits for the next one.
RESERVE_MS = 5_000


def started_waiting_ms(request: Mapping[str, Any]) -> int:
    """When the partner wait began at the latest: the SMS claim, or the creation when none was made."""
    return max(int(request.get("createdAt", 0)), int(request.get("smsClaimedAt", 0)))


def sms_went_out(request: Mapping[str, Any]) -> bool:
    return request.get("smsSentAt") is not None or request.get("status") in (
        Status.SMS_SENT.value,
        Status.OPENED.value,
    )


def sweep(
    *,
    store: Store,
    wait_seconds: int,
    margin_seconds: int,
    remaining_ms: Callable[[], int],
    support_phone: str | None = None,
    text_customer: Callable[[str], bool] | None = None,
    clock: Callable[[], float] | None = None,
) -> dict[str, Any]:
    """`text_customer` (stack setting `customerSms: on`): the one customer text of an ended request, sent
    for every request this sweep ends or tells and for those whose message was stored without one."""
    clock = clock or wall_clock.now
    cutoff_ms = int(clock() * 1000) - (wait_seconds + margin_seconds) * 1000
    ended: list[str] = []
    left_alone = 0
    for status in OPEN_STATUSES:
        for request in store.requests_created_before(status, cutoff_ms):
            if remaining_ms() < RESERVE_MS:
                logger().warning("sweep stopped early; the next one carries on", extra={"ended": len(ended)})
                return {"ended": ended, "told": [], "leftAlone": left_alone, "complete": False}
            if started_waiting_ms(request) >= cutoff_ms:
                continue  # the SMS was claimed late: its wait may still run
            if _end(store, request, status, clock, support_phone):
                ended.append(str(request["requestId"]))
                _text(text_customer, str(request["requestId"]))
            else:
                left_alone += 1
    told: list[str] = []
    # A request that ended less than a margin ago may still have its workflow's notification step to come
    # (a workflow that started late, after retries): only one that has stayed untold that long is stuck.
    ended_before_ms = int(clock() * 1000) - margin_seconds * 1000
    for status in ENDED_STATUSES:
        for request in store.untold_requests(status, cutoff_ms - UNTOLD_LOOKBACK_MS, cutoff_ms):
            if remaining_ms() < RESERVE_MS:
                return {"ended": ended, "told": told, "leftAlone": left_alone, "complete": False}
            if int(request.get("updatedAt", 0)) > ended_before_ms:
                continue
            if _tell(store, request, clock, support_phone):
                told.append(str(request["requestId"]))
                _text(text_customer, str(request["requestId"]))
    if text_customer is not None:
        # Messages stored without a text: the workflow's last-resort path, the orchestrator's destination.
        for status in ENDED_STATUSES:
            for request in store.untexted_requests(status, cutoff_ms - UNTOLD_LOOKBACK_MS, cutoff_ms):
                if remaining_ms() < RESERVE_MS:
                    return {"ended": ended, "told": told, "leftAlone": left_alone, "complete": False}
                _text(text_customer, str(request["requestId"]))
    if ended or told:
        logger().warning(
            "stuck requests ended", extra={"count": len(ended), "requestIds": ended, "told": told}
        )
    return {"ended": ended, "told": told, "leftAlone": left_alone, "complete": True}


def _text(text_customer: Callable[[str], bool] | None, request_id: str) -> None:
    if text_customer is None:
        return
    try:
        text_customer(request_id)
    except (ClientError, BotoCoreError, UnavailableError):
        # The request is ended and told on its page; the next sweep texts it unless the claim was made.
        logger().exception("customer text not sent this sweep")


def _tell(
    store: Store, request: Mapping[str, Any], clock: Callable[[], float], support_phone: str | None
) -> bool:
    """Store the built-in message for an ended request that has none (unless one arrives first)."""
    status = request.get("status")
    stored = request.get("partnerResponse")
    answer: Mapping[str, Any] = stored if isinstance(stored, dict) else {}
    kind: OutcomeKind = "failed"
    alternative = None
    if status == Status.RESPONDED.value and answer.get("response") in ("accept", "reject", "alternative"):
        outcome = Outcome.model_validate(answer)
        kind, alternative = outcome.response, outcome.alternativeTime
    elif status == Status.TIMEOUT.value:
        kind = "timeout"
    reason = request.get("failureReason") if kind == "failed" else None
    notification = template_notification(
        kind, request, reason, int(clock() * 1000), alternative, support_phone=support_phone
    )
    if store.save_notification(str(request["requestId"]), notification) is not None:
        return False  # a message arrived meanwhile
    count("StuckRequestEnded")
    logger().warning("ended request had no message; the built-in one is stored", extra={"was": status})
    return True


def _end(
    store: Store,
    request: Mapping[str, Any],
    seen: Status,
    clock: Callable[[], float],
    support_phone: str | None,
) -> bool:
    request_id = str(request["requestId"])
    timeout = sms_went_out(request)
    reason = None if timeout else NOT_DELIVERED
    now_ms = int(clock() * 1000)
    before = store.end_request(
        request_id,
        Status.TIMEOUT if timeout else Status.FAILED,
        now_ms,
        {"by": "sweeper", **({"reason": reason} if reason else {})},
        failure_reason=reason,
        notification=template_notification(
            "timeout" if timeout else "failed", request, reason, now_ms, support_phone=support_phone
        ),
        only_from=(seen,),
    )
    if before is not None:
        logger().info("request moved on while sweeping", extra={"requestId": request_id})
        return False
    count("StuckRequestEnded")
    count("PartnerTimeout" if timeout else "RequestFailed")
    logger().warning(
        "stuck request ended", extra={"requestId": request_id, "was": seen.value, "timeout": timeout}
    )
    return True
