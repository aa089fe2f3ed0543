"""Workflow state `GenerateNotification`: `{"requestId", "outcome"}` -> the customer's Korean message."""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, ConfigDict

from handlers import wiring
from handlers.adapters.notifier import BedrockNotifier
from handlers.clients import client
from handlers.models.outcome import Outcome
from handlers.observability import instrumented
from handlers.settings import Notifier, Settings, get_settings
from handlers.usecases.notify import Writer, generate


class NotificationEvent(BaseModel):
    model_config = ConfigDict(extra="ignore")

    requestId: str
    outcome: Outcome


def _writer(settings: Settings) -> Writer | None:
    if settings.notifier is Notifier.TEMPLATE or settings.bedrock_model_id is None:
        return None
    return BedrockNotifier(
        client("bedrock-runtime", settings), settings.bedrock_model_id, support_phone=settings.support_phone
    )


@instrumented(correlation_id_path="requestId")
def handler(event: dict[str, Any], context: Any) -> dict[str, Any]:
    task = NotificationEvent.model_validate(event)
    settings = get_settings()
    return generate(
        task.requestId,
        task.outcome,
        store=wiring.store(settings),
        writer=_writer(settings),
        support_phone=settings.support_phone,
    )
