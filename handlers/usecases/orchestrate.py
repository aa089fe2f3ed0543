"""Find the reservation's partner and start the workflow, or end the request with a reason."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any, Protocol

from botocore.exceptions import BotoCoreError, ClientError

from handlers import clock as wall_clock
from handlers.models.domain import Status
from handlers.models.messages import RESERVATION_NOT_FOUND, WORKFLOW_FAILED
from handlers.observability import count, logger
from handlers.store.table import Store
from handlers.usecases.notify import template_notification

PARTNER_FIELDS = (
    "partnerId",
    "partnerName",
    "partnerPhone",
    "serviceType",
    "reservationDate",
    "customerName",
)


class Starter(Protocol):
    def start(self, state_machine_arn: str, request_id: str) -> str: ...


def orchestrate(
    request_id: str,
    *,
    store: Store,
    workflow: Starter,
    state_machine_arn: str,
    clock: Callable[[], float] | None = None,
) -> dict[str, Any]:
    clock = clock or wall_clock.now
    request = store.get_request(request_id)
    if request is None:
        logger().warning("no such request")
        return {"requestId": request_id, "status": "unknown"}
    if request.get("status") != Status.CREATED.value:
        # Lambda retries asynchronous invocations: a request that moved on is left alone.
        return {"requestId": request_id, "status": request.get("status")}
    reservation = store.find_reservation(str(request["reservationNumber"]), str(request["customerPhone"]))
    if reservation is None:
        # One answer for "no such reservation" and "not your reservation": numbers cannot be probed.
        count("ReservationNotFound")
        return _fail(store, request, RESERVATION_NOT_FOUND, clock)
    partner = {name: reservation[name] for name in PARTNER_FIELDS if reservation.get(name) is not None}
    if not store.assign_partner(request_id, partner, int(clock() * 1000)):
        return {"requestId": request_id, "status": "moved-on"}
    try:
        execution_arn = workflow.start(state_machine_arn, request_id)
    except (ClientError, BotoCoreError):
        logger().exception("workflow did not start")
        count("WorkflowStartFailed")
        return _fail(store, request, WORKFLOW_FAILED, clock)
    count("WorkflowStarted")
    return {"requestId": request_id, "executionArn": execution_arn, "partnerId": partner.get("partnerId")}


def _fail(
    store: Store, request: Mapping[str, Any], reason: str, clock: Callable[[], float]
) -> dict[str, Any]:
    now_ms = int(clock() * 1000)
    count("RequestFailed")
    store.end_request(
        str(request["requestId"]),
        Status.FAILED,
        now_ms,
        {"reason": reason},
        failure_reason=reason,
        notification=template_notification("failed", request, reason, now_ms),
    )
    return {"requestId": request["requestId"], "status": Status.FAILED.value}
