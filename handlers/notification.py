"""Workflow state `GenerateNotification`: `{"requestId", "outcome"}` -> the customer's Korean message."""

from __future__ import annotations

from typing import Any

from botocore.exceptions import BotoCoreError, ClientError
from pydantic import BaseModel, ConfigDict

from handlers import wiring
from handlers.adapters.notifier import BedrockNotifier, Guardrail
from handlers.clients import client
from handlers.models.errors import UnavailableError
from handlers.models.outcome import Outcome
from handlers.observability import count, instrumented, logger
from handlers.settings import Notifier, Settings, get_settings
from handlers.usecases.notify import Writer, generate


class NotificationEvent(BaseModel):
    model_config = ConfigDict(extra="ignore")

    requestId: str
    outcome: Outcome


def _writer(settings: Settings) -> Writer | None:
    if settings.notifier is Notifier.TEMPLATE or settings.bedrock_model_id is None:
        return None
    if settings.guardrail_id is None or settings.guardrail_version is None:
        # Never a Converse call without the guardrail: a deployment that lost it gets the template.
        count("NotificationModelFailed", reason="no_guardrail")
        logger().error("notifier is bedrock but GUARDRAIL_ID/GUARDRAIL_VERSION are not set")
        return None
    guardrail = Guardrail(settings.guardrail_id, settings.guardrail_version)
    return BedrockNotifier(client("bedrock-runtime", settings), settings.bedrock_model_id, guardrail)


@instrumented(correlation_id_path="requestId")
def handler(event: dict[str, Any], context: Any) -> dict[str, Any]:
    task = NotificationEvent.model_validate(event)
    settings = get_settings()
    notification = generate(
        task.requestId,
        task.outcome,
        store=wiring.store(settings),
        writer=_writer(settings),
        support_phone=settings.support_phone,
    )
    text_customer = wiring.customer_texter(settings)
    if text_customer is not None:
        try:
            text_customer(task.requestId)
        except (ClientError, BotoCoreError, UnavailableError):
            # The message is stored and shown on the page; the sweeper texts it unless the claim was made.
            logger().exception("customer text not sent")
    return notification
