"""Workflow state `HandleTimeout`: `{"requestId", "error"}` -> the outcome for the notification."""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, ConfigDict

from handlers import wiring
from handlers.models.domain import Status
from handlers.observability import instrumented
from handlers.settings import get_settings
from handlers.usecases.end_wait import end_wait


class EndWaitEvent(BaseModel):
    model_config = ConfigDict(extra="ignore")

    requestId: str
    error: dict[str, Any] | None = None


@instrumented(correlation_id_path="requestId")
def handler(event: dict[str, Any], context: Any) -> dict[str, Any]:
    task = EndWaitEvent.model_validate(event)
    return end_wait(task.requestId, Status.TIMEOUT, store=wiring.store(get_settings()))
