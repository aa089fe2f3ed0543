"""Workflow task `NotifyPartner` (waitForTaskToken): `{"requestId", "taskToken"}` -> one SMS per request."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from pydantic import BaseModel, ConfigDict

from handlers import wiring
from handlers.observability import instrumented
from handlers.settings import get_settings
from handlers.usecases.send_sms import notify_partner


class NotifyPartnerEvent(BaseModel):
    model_config = ConfigDict(extra="ignore")

    requestId: str
    taskToken: str
    waitStartedAt: datetime | None = None  # `$$.State.EnteredTime`: the wait's start


@instrumented(correlation_id_path="requestId")
def handler(event: dict[str, Any], context: Any) -> dict[str, Any]:
    task = NotifyPartnerEvent.model_validate(event)
    settings = get_settings()
    return notify_partner(
        task.requestId,
        task.taskToken,
        store=wiring.store(settings),
        wait_seconds=settings.partner_wait_seconds,
        remaining_ms=context.get_remaining_time_in_millis(),
        wait_started_at=task.waitStartedAt.timestamp() if task.waitStartedAt else None,
        partner_texts_per_hour=settings.partner_texts_per_hour,
        **wiring.link_texting(settings),
    )
