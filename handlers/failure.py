"""`Failed` for a request nothing else will finish. Two callers:

- workflow state `HandleFailure`: `{"requestId", "error"}` -> status `Failed`, outcome `failed` (the workflow
  then writes the customer's message);
- the orchestrator's on-failure destination: Lambda's invocation record once the orchestrator's
  asynchronous retries are exhausted -> `Failed` with the built-in message (no workflow follows).
"""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, ConfigDict

from handlers import wiring
from handlers.models.domain import Status
from handlers.models.messages import SMS_FAILED, WORKFLOW_FAILED
from handlers.observability import instrumented, logger
from handlers.settings import get_settings
from handlers.timeout import EndWaitEvent
from handlers.usecases.end_wait import end_wait, failure_record
from handlers.usecases.orchestrate import fail_abandoned


class _Lenient(BaseModel):
    # Lambda may add fields to its records; only the ones read here are required.
    model_config = ConfigDict(extra="ignore")


class InvocationContext(_Lenient):
    functionArn: str
    condition: str  # RetriesExhausted, EventAgeExceeded, ...
    approximateInvokeCount: int


class OrchestratorPayload(_Lenient):
    requestId: str


class DestinationRecord(_Lenient):
    """What Lambda sends an on-failure destination after an asynchronous invocation failed for good."""

    version: str
    timestamp: str
    requestContext: InvocationContext
    requestPayload: OrchestratorPayload
    responseContext: dict[str, Any] | None = None
    responsePayload: dict[str, Any] | None = None


def _reason(error: dict[str, Any] | None) -> str:
    """A customer-readable reason from the state machine's `{"Error", "Cause"}`."""
    return SMS_FAILED if (error or {}).get("Error") == "SmsDeliveryError" else WORKFLOW_FAILED


@instrumented(correlation_id_path="requestId || requestPayload.requestId")
def handler(event: dict[str, Any], context: Any) -> dict[str, Any]:
    store = wiring.store(get_settings())
    if "requestPayload" in event:
        record = DestinationRecord.model_validate(event)
        logger().error(
            "orchestrator gave up on the request",
            extra={
                "condition": record.requestContext.condition,
                "invokeCount": record.requestContext.approximateInvokeCount,
                "errorType": (record.responsePayload or {}).get("errorType"),
            },
        )
        response = record.responsePayload or {}
        return fail_abandoned(
            record.requestPayload.requestId,
            store=store,
            support_phone=get_settings().support_phone,
            failure=failure_record(
                response.get("errorType") or f"Orchestrator{record.requestContext.condition}",
                response.get("errorMessage"),
            ),
        )
    task = EndWaitEvent.model_validate(event)
    return end_wait(
        task.requestId, Status.FAILED, store=store, failure_reason=_reason(task.error), error=task.error
    )
