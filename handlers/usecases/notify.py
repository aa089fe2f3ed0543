"""The customer's message: written by the model when it can, by the built-in template otherwise."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from datetime import datetime
from typing import Any, Protocol

from handlers import clock as wall_clock
from handlers.adapters.notifier import GUARDRAIL_INTERVENED, Draft
from handlers.models.domain import NotificationSource, OutcomeKind
from handlers.models.errors import RequestNotFoundError
from handlers.models.messages import MessageFacts, intent_of, notification_template
from handlers.models.notification_check import problem
from handlers.models.notification_prompt import NotificationPrompt, build_prompt
from handlers.models.outcome import Outcome
from handlers.observability import count, logger
from handlers.store.table import Store


class Writer(Protocol):
    def write(self, prompt: NotificationPrompt) -> Draft: ...


def message_facts(
    outcome: OutcomeKind,
    request: Mapping[str, Any],
    *,
    failure_reason: str | None = None,
    alternative_time: datetime | None = None,
    support_phone: str | None = None,
) -> MessageFacts:
    return MessageFacts(
        intent=intent_of(request.get("intent")),
        outcome=outcome,
        reservation_number=str(request.get("reservationNumber", "")),
        partner_name=request.get("partnerName"),
        alternative_time=alternative_time,
        failure_reason=failure_reason,
        support_phone=support_phone,
    )


def template_notification(
    outcome: OutcomeKind,
    request: Mapping[str, Any],
    failure_reason: str | None,
    at_ms: int,
    alternative_time: datetime | None = None,
    support_phone: str | None = None,
) -> dict[str, Any]:
    facts = message_facts(
        outcome,
        request,
        failure_reason=failure_reason,
        alternative_time=alternative_time,
        support_phone=support_phone,
    )
    return {"message": notification_template(facts), "source": NotificationSource.TEMPLATE.value, "at": at_ms}


def generate(
    request_id: str,
    outcome: Outcome,
    *,
    store: Store,
    writer: Writer | None,
    support_phone: str | None = None,
    clock: Callable[[], float] | None = None,
) -> dict[str, Any]:
    clock = clock or wall_clock.now
    request = store.get_request(request_id)
    if request is None:
        raise RequestNotFoundError(request_id)
    if isinstance(request.get("notification"), dict):
        return _public(request["notification"])  # a retried task: the customer already has a message
    facts = message_facts(
        outcome.response,
        request,
        failure_reason=request.get("failureReason"),
        alternative_time=outcome.alternativeTime,
        support_phone=support_phone,
    )
    message = _model_message(writer, facts, str(request.get("query", "")), outcome.note) if writer else None
    at_ms = int(clock() * 1000)
    if message is not None:
        notification = {"message": message, "source": NotificationSource.MODEL.value, "at": at_ms}
    else:
        notification = {
            "message": notification_template(facts),
            "source": NotificationSource.TEMPLATE.value,
            "at": at_ms,
        }
    existing = store.save_notification(request_id, notification)
    if existing is not None:
        return _public(existing)
    source = notification["source"]
    count("NotificationFromModel" if source == NotificationSource.MODEL.value else "NotificationFromTemplate")
    logger().info("notification stored", extra={"source": source, "outcome": outcome.response})
    return _public(notification)


def _model_message(writer: Writer, facts: MessageFacts, query: str, note: str | None) -> str | None:
    """The model's message when the guardrail let it through and the check passes; else None, with the
    reason logged and counted (the customer gets the built-in template)."""
    draft = writer.write(build_prompt(facts, query, note))
    if draft.message is not None:
        reason = problem(draft.message, facts)
        if reason is None:
            return draft.message.strip()
        count("NotificationCheckFailed", reason=reason)
        logger().warning("model message refused by the check", extra={"reason": reason})
        return None
    if draft.reason == GUARDRAIL_INTERVENED:
        count("NotificationGuardrailIntervened", policies=",".join(draft.detail))
    else:
        count("NotificationModelFailed", reason=str(draft.reason))
    logger().warning("no model message", extra={"reason": draft.reason, "detail": list(draft.detail)})
    return None


def _public(notification: Mapping[str, Any]) -> dict[str, Any]:
    return {"message": notification.get("message"), "source": notification.get("source")}
