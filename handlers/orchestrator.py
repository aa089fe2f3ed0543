"""Invoked asynchronously by intake with `{"requestId"}`: find the partner, start the workflow."""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, ConfigDict

from handlers import wiring
from handlers.adapters.workflow import Workflow
from handlers.clients import workflow_start_client
from handlers.observability import instrumented
from handlers.settings import get_settings
from handlers.usecases.orchestrate import orchestrate


class OrchestratorEvent(BaseModel):
    model_config = ConfigDict(extra="ignore")

    requestId: str


@instrumented(correlation_id_path="requestId")
def handler(event: dict[str, Any], context: Any) -> dict[str, Any]:
    request = OrchestratorEvent.model_validate(event)
    settings = get_settings()
    return orchestrate(
        request.requestId,
        store=wiring.store(settings),
        workflow=Workflow(workflow_start_client(settings)),
        state_machine_arn=settings.require("state_machine_arn"),
        support_phone=settings.support_phone,
    )
