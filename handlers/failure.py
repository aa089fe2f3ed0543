"""Workflow state `HandleFailure`: `{"requestId", "error"}` -> status `Failed`, outcome `failed`."""

from __future__ import annotations

from typing import Any

from handlers import wiring
from handlers.models.domain import Status
from handlers.models.messages import SMS_FAILED, WORKFLOW_FAILED
from handlers.observability import instrumented
from handlers.settings import get_settings
from handlers.timeout import EndWaitEvent
from handlers.usecases.end_wait import end_wait


def _reason(error: dict[str, Any] | None) -> str:
    """A customer-readable reason from the state machine's `{"Error", "Cause"}`."""
    return SMS_FAILED if (error or {}).get("Error") == "SmsDeliveryError" else WORKFLOW_FAILED


@instrumented(correlation_id_path="requestId")
def handler(event: dict[str, Any], context: Any) -> dict[str, Any]:
    task = EndWaitEvent.model_validate(event)
    return end_wait(
        task.requestId, Status.FAILED, store=wiring.store(get_settings()), failure_reason=_reason(task.error)
    )
