"""The one text a verified customer gets when the request ends (issue 12): what happened and the page link.

Whoever stores the customer's message (the notification step, the sweeper) calls `text_customer`; so does
the sweeper for messages stored without a text (the workflow's last-resort path, the orchestrator's
on-failure destination). The text is claimed on the request before it is sent, so a retried task, a later
sweep or a race between the two sends nothing: at most one text per request.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from datetime import datetime
from typing import Any

from botocore.exceptions import BotoCoreError, ClientError

from handlers import clock as wall_clock
from handlers.adapters.sms import SmsSender
from handlers.models.domain import TERMINAL_STATUSES, OutcomeKind, Status
from handlers.models.errors import SmsBudgetError, SmsDeliveryError, SmsOutcomeUnknownError, UnavailableError
from handlers.models.messages import customer_sms_body
from handlers.models.outcome import Outcome
from handlers.models.sms_parts import parts
from handlers.observability import count, logger
from handlers.store.guards import Guards
from handlers.store.table import Store
from handlers.usecases.limits import spend_budget
from handlers.usecases.notify import message_facts


def status_link(status_page_url: str, request_id: str) -> str:
    """The customer page of this request (`site/customer.js` reads `?request=`)."""
    return f"{status_page_url.rstrip('/')}/?request={request_id}"


def ending_of(request: Mapping[str, Any]) -> tuple[OutcomeKind, datetime | None]:
    """How the request ended, as the customer's message tells it."""
    status = request.get("status")
    answer = request.get("partnerResponse")
    if (
        status == Status.RESPONDED.value
        and isinstance(answer, dict)
        and answer.get("response") in ("accept", "reject", "alternative")
    ):
        outcome = Outcome.model_validate(answer)
        return outcome.response, outcome.alternativeTime
    if status == Status.TIMEOUT.value:
        return "timeout", None
    return "failed", None


def text_customer(
    request_id: str,
    *,
    store: Store,
    sms: SmsSender,
    guards: Guards,
    status_page_url: str,
    sms_daily_budget_parts: int,
    brand_name: str | None = None,
    support_phone: str | None = None,
    clock: Callable[[], float] | None = None,
) -> bool:
    """Text the customer of an ended request once; True when this call sent (or may have sent) it."""
    clock = clock or wall_clock.now
    request = store.get_request(request_id)
    if request is None or not request.get("textCustomer") or "customerSms" in request:
        return False
    if request.get("status") not in TERMINAL_STATUSES or not isinstance(request.get("notification"), dict):
        return False
    if request.get("status") == Status.CLOSED.value:
        return False  # an operator closed it (issue 13) and tells the customer themselves
    now = clock()
    if not store.claim_customer_sms(request_id, int(now * 1000)):
        return False
    kind, alternative = ending_of(request)
    facts = message_facts(
        kind,
        request,
        failure_reason=request.get("failureReason"),
        alternative_time=alternative,
        support_phone=support_phone,
    )
    body = customer_sms_body(facts, status_link(status_page_url, request_id), brand_name)
    try:
        spend_budget(guards, parts(body), sms_daily_budget_parts, now)
    except SmsBudgetError:
        _record(store, request_id, {"refused": "budget"})
        return False
    outcome: dict[str, Any] = {"sentAt": int(clock() * 1000)}
    try:
        sms.send(str(request["customerPhone"]), body)
        count("CustomerTexted")
    except SmsOutcomeUnknownError:
        logger().warning("SNS did not answer the customer text; treated as sent, never repeated")
        count("SmsOutcomeUnknown")
        outcome["uncertain"] = True
    except SmsDeliveryError:
        logger().exception("customer text not delivered")
        count("CustomerSmsFailed")
        _record(store, request_id, {"failed": True})
        return False
    _record(store, request_id, outcome)
    logger().info("customer texted", extra={"outcome": kind, "parts": parts(body)})
    return True


def _record(store: Store, request_id: str, outcome: Mapping[str, Any]) -> None:
    try:
        store.record_customer_sms(request_id, outcome)
    except (ClientError, BotoCoreError, UnavailableError):
        # The claim already stops any second text; only the record of what happened is missing.
        logger().exception("customer text outcome not recorded")
