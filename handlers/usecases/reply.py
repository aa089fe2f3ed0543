"""`POST /requests/{requestId}/reply`: the customer confirms or declines the time the partner proposed.

Accepted once, within the reply window after the partner's answer; the reply and its timeline event are one
transaction, and only the call whose write won texts the partner, so a double tap texts once.
"""

from __future__ import annotations

from collections.abc import Callable

from botocore.exceptions import BotoCoreError, ClientError

from handlers import clock as wall_clock
from handlers.adapters.sms import SmsSender
from handlers.models.domain import HOUR_MS, REQUEST_ID, reply_deadline_ms
from handlers.models.errors import (
    AlreadyRepliedError,
    NoProposalError,
    ReplyClosedError,
    RequestNotFoundError,
    SmsBudgetError,
    SmsDeliveryError,
    SmsOutcomeUnknownError,
    UnavailableError,
)
from handlers.models.messages import REPLY_RECORDED, partner_reply_sms_body
from handlers.models.outcome import Outcome
from handlers.models.reply import REPLY_EVENTS, ReplyAccepted, ReplyRequest
from handlers.models.sms_parts import parts
from handlers.observability import count, logger, set_correlation_id
from handlers.store.guards import Guards
from handlers.store.table import Item, Store
from handlers.usecases.limits import check_customer_token, spend_budget


def reply(
    request_id: str,
    body: ReplyRequest,
    *,
    token: str | None,
    store: Store,
    guards: Guards,
    sms: SmsSender,
    customer_keys: tuple[bytes, ...] | None,
    window_hours: int,
    sms_daily_budget_parts: int,
    brand_name: str | None = None,
    clock: Callable[[], float] | None = None,
) -> ReplyAccepted:
    """`customer_keys`: the customer-token keyring with `customerVerification: sms`, None without it."""
    clock = clock or wall_clock.now
    if not REQUEST_ID.fullmatch(request_id):
        raise RequestNotFoundError("not a request id")
    set_correlation_id(request_id)
    request = store.get_request(request_id)
    if request is None:
        raise RequestNotFoundError(request_id)
    now = clock()
    if customer_keys is not None:
        check_customer_token(
            customer_keys,
            token,
            str(request.get("reservationNumber", "")),
            str(request.get("customerPhone", "")),
            now,
        )
    _check_open(request, window_hours, int(now * 1000))
    now_ms = int(clock() * 1000)
    answer = request["partnerResponse"]
    details = {"by": "customer", "choice": body.choice, "alternativeTime": answer.get("alternativeTime")}
    before = store.record_reply(
        request_id,
        {"choice": body.choice, "at": now_ms},
        REPLY_EVENTS[body.choice],
        details,
        answered_after_ms=now_ms - window_hours * HOUR_MS,
    )
    if before is not None:
        _check_open(before, window_hours, now_ms)
        raise AlreadyRepliedError(body.choice)  # the item vanished or changed in a way not foreseen
    count(REPLY_EVENTS[body.choice])
    logger().info("customer replied to the proposal", extra={"choice": body.choice})
    _tell_partner(request, body.choice, store, guards, sms, sms_daily_budget_parts, brand_name, now)
    return {"requestId": request_id, "choice": body.choice, "message": REPLY_RECORDED[body.choice]}


def _check_open(request: Item, window_hours: int, now_ms: int) -> None:
    """Refuse a reply the request does not take, with the reason the customer can act on."""
    existing = request.get("customerReply")
    if isinstance(existing, dict):
        raise AlreadyRepliedError(str(existing.get("choice", "")))
    deadline = reply_deadline_ms(request, window_hours)
    if deadline is None:
        raise NoProposalError(f"request is {request.get('status')}")
    if now_ms >= deadline:
        raise ReplyClosedError("reply window over")


def _tell_partner(
    request: Item,
    choice: str,
    store: Store,
    guards: Guards,
    sms: SmsSender,
    budget: int,
    brand_name: str | None,
    now: float,
) -> None:
    """One text to the partner; the reply stands whatever becomes of it (the outcome is recorded)."""
    request_id = str(request["requestId"])
    proposed = Outcome.model_validate(request["partnerResponse"]).alternativeTime
    text = partner_reply_sms_body(str(request.get("reservationNumber", "")), choice, proposed, brand_name)
    outcome = "sent"
    try:
        spend_budget(guards, parts(text), budget, now)
        sms.send(str(request["partnerPhone"]), text)
        count("PartnerToldOfReply")
    except SmsBudgetError:
        outcome = "refused"
    except SmsOutcomeUnknownError:
        logger().warning("SNS did not answer the partner's reply text; treated as sent, never repeated")
        outcome = "uncertain"
    except SmsDeliveryError:
        logger().exception("partner's reply text not delivered")
        outcome = "failed"
    try:
        store.mark_partner_told(request_id, outcome)
    except (ClientError, BotoCoreError, UnavailableError):
        logger().exception("partner text outcome not recorded")
