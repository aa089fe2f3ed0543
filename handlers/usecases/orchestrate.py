"""Find the reservation's partner and start the workflow, or end the request with a reason."""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from typing import Any, Protocol

from botocore.exceptions import BotoCoreError, ClientError

from handlers import clock as wall_clock
from handlers.models.domain import ANSWERABLE, Status
from handlers.models.messages import RESERVATION_NOT_FOUND, WORKFLOW_FAILED
from handlers.observability import count, logger
from handlers.store.schema import TTL_ATTRIBUTE
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
    def start(self, state_machine_arn: str, request_id: str, expires_at: int | None = None) -> str: ...


def orchestrate(
    request_id: str,
    *,
    store: Store,
    workflow: Starter,
    state_machine_arn: str,
    support_phone: str | None = None,
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
        return fail_request(
            store,
            request,
            RESERVATION_NOT_FOUND,
            clock,
            support_phone=support_phone,
            failure={"error": "ReservationNotFound"},
        )
    partner = {name: reservation[name] for name in PARTNER_FIELDS if reservation.get(name) is not None}
    if not store.assign_partner(request_id, partner, int(clock() * 1000)):
        return {"requestId": request_id, "status": "moved-on"}
    try:
        ttl = request.get(TTL_ATTRIBUTE)
        execution_arn = workflow.start(state_machine_arn, request_id, int(ttl) if ttl is not None else None)
    except (ClientError, BotoCoreError) as exc:
        logger().exception("workflow did not start")
        count("WorkflowStartFailed")
        return fail_request(
            store,
            request,
            WORKFLOW_FAILED,
            clock,
            support_phone=support_phone,
            failure={"error": "WorkflowStartFailed", "cause": str(exc)[:2000]},
        )
    count("WorkflowStarted")
    return {"requestId": request_id, "executionArn": execution_arn, "partnerId": partner.get("partnerId")}


def fail_request(
    store: Store,
    request: Mapping[str, Any],
    reason: str,
    clock: Callable[[], float],
    only_from: Sequence[Status] = ANSWERABLE,
    support_phone: str | None = None,
    failure: Mapping[str, Any] | None = None,
) -> dict[str, Any]:
    """`Failed` with the customer's message stored at once: no workflow follows to write it. `failure`:
    what failed, for operators (`{"error", "cause"}`)."""
    now_ms = int(clock() * 1000)
    before = store.end_request(
        str(request["requestId"]),
        Status.FAILED,
        now_ms,
        {"reason": reason},
        failure_reason=reason,
        notification=template_notification("failed", request, reason, now_ms, support_phone=support_phone),
        only_from=only_from,
        failure=failure,
    )
    if before is not None:
        logger().info("request moved on; left as it is", extra={"status": before.get("status")})
        return {"requestId": request["requestId"], "status": before.get("status")}
    count("RequestFailed")
    return {"requestId": request["requestId"], "status": Status.FAILED.value}


def fail_abandoned(
    request_id: str,
    *,
    store: Store,
    support_phone: str | None = None,
    clock: Callable[[], float] | None = None,
    failure: Mapping[str, Any] | None = None,
) -> dict[str, Any]:
    """The orchestrator's asynchronous retries are exhausted (its on-failure destination): end the request
    instead of leaving the customer's page polling forever.

    Only a request still `Created` is failed: any later status means a workflow runs, and it owns the end.
    """
    request = store.get_request(request_id)
    if request is None:
        logger().warning("no such request")
        return {"requestId": request_id, "status": "unknown"}
    count("OrchestratorAbandoned")
    return fail_request(
        store,
        request,
        WORKFLOW_FAILED,
        clock or wall_clock.now,
        only_from=(Status.CREATED,),
        support_phone=support_phone,
        failure=failure,
    )
