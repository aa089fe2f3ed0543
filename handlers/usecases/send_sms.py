"""The workflow's waitForTaskToken task: remember the task token, issue the link, text the partner once."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

from botocore.exceptions import BotoCoreError, ClientError

from handlers import clock as wall_clock
from handlers.adapters.sms import SmsSender
from handlers.models import link_token
from handlers.models.domain import TERMINAL_STATUSES
from handlers.models.errors import (
    RequestNotFoundError,
    SmsBudgetError,
    SmsDeliveryError,
    SmsOutcomeUnknownError,
    UnavailableError,
)
from handlers.models.messages import PARTNER_TEXT_CAP, SMS_BUDGET_SPENT, intent_of, sms_body
from handlers.models.sms_parts import parts
from handlers.observability import count, logger
from handlers.store.guards import Guards
from handlers.store.table import Store
from handlers.usecases.limits import spend_budget
from handlers.usecases.orchestrate import fail_request

PARTNER_WINDOW_SECONDS = 3600
# A refused text is tried again only while at least this share of the wait is left for the partner to answer
# (a link arriving moments before its deadline helps nobody; the customer then hears of the failure sooner).
RETRY_WHILE_WAIT_LEFT = 0.5

# Clock skew between two Lambda instances comparing the lease (its holder's deadline).
LEASE_MARGIN_MS = 5_000


class RequestEndedError(RuntimeError):
    """The request ended before its partner could be texted; the task fails at once."""


def notify_partner(
    request_id: str,
    task_token: str,
    *,
    store: Store,
    sms: SmsSender,
    channel: str,
    signing_key: bytes,
    link_base_url: str,
    wait_seconds: int,
    remaining_ms: int,
    wait_started_at: float | None = None,
    brand_name: str | None = None,
    guards: Guards | None = None,
    partner_texts_per_hour: int = 20,
    sms_daily_budget_parts: int = 45,
    clock: Callable[[], float] | None = None,
) -> dict[str, Any]:
    """Send at most once per claim. A claim is leased until its invocation has surely stopped
    (`remaining_ms`, the invocation's time left, plus a margin): a duplicate inside the lease leaves the
    send to the holder; an invocation finding the lease expired and no `smsSentAt` knows the holder died
    unsent and resends, with a new link replacing the old one in the same transaction.

    The link and the wait share one deadline: `wait_started_at` (the task's start, epoch seconds) plus the
    wait. The token carries whole seconds, rounded up; the stored `deadlineMs` is the authority."""
    clock = clock or wall_clock.now
    request = store.get_request(request_id)
    if request is None:
        raise RequestNotFoundError(request_id)
    if request.get("status") in TERMINAL_STATUSES:
        raise RequestEndedError(f"request is {request.get('status')}")
    now = clock()
    now_ms = int(now * 1000)
    if request.get("smsSentAt") is not None:
        return _retry(store, request, task_token, now_ms)
    claimed_before = request.get("smsClaimedAt") is not None
    if claimed_before and now_ms < int(request.get("smsLeaseUntil", 0)):
        return _retry(store, request, task_token, now_ms)
    # The token's value is stored nowhere (only its hash), so a resend cannot repeat the old link.
    deadline_ms = int(((wait_started_at if wait_started_at is not None else now) + wait_seconds) * 1000)
    token = link_token.issue(signing_key, -(-deadline_ms // 1000))
    token_item = {
        "tokenDigest": token.digest,
        "requestId": request_id,
        "partnerId": request.get("partnerId"),
        "taskToken": task_token,
        "expiresAt": token.expires_at,
        "deadlineMs": deadline_ms,
        "used": False,
        "createdAt": now_ms,
        "requestCreatedAt": request.get("createdAt"),
        # What the partner page shows, so opening the link is one read.
        "view": {
            "customerQuery": request.get("query"),
            "intent": request.get("intent"),
            "reservationNumber": request.get("reservationNumber"),
            "reservationDate": request.get("reservationDate"),
            "serviceType": request.get("serviceType"),
            "partnerName": request.get("partnerName"),
        },
    }
    lease_until_ms = now_ms + remaining_ms + LEASE_MARGIN_MS
    if claimed_before:
        claimed = store.reclaim_sms(request, task_token, token_item, now_ms, lease_until_ms)
    else:
        claimed = store.claim_sms(request_id, task_token, token_item, now_ms, lease_until_ms)
    if not claimed:
        fresh = store.get_request(request_id) or request
        return _retry(store, fresh, task_token, now_ms)
    if claimed_before:
        logger().warning("an earlier claim expired unsent; resending with a new link")
        count("SmsResent")
    logger().info("link issued", extra={"tokenDigest": token.digest[:12], "expiresAt": token.expires_at})
    body = sms_body(
        intent_of(request.get("intent")),
        datetime.fromtimestamp(deadline_ms / 1000, UTC),
        link_base_url + token.value,
        brand_name,
    )
    if guards is not None:
        refusal = _within_limits(guards, request, body, partner_texts_per_hour, sms_daily_budget_parts, now)
        if refusal is not None:
            # No text: the customer reads why at once, and the workflow goes to its failure branch.
            error = "PartnerTextCap" if refusal == PARTNER_TEXT_CAP else "SmsBudgetSpent"
            fail_request(store, request, refusal, clock, failure={"error": error})
            raise RequestEndedError(
                "partner not texted: " + ("cap" if refusal == PARTNER_TEXT_CAP else "budget")
            )
    sent_details: dict[str, Any] = {
        "channel": channel,
        "linkExpiresAt": token.expires_at,
        "linkDeadlineMs": deadline_ms,
    }
    # The text exists from the moment SNS takes it: a partner answering the instant it arrives still
    # answers after this time, so the timeline shows `SMSSent` before `Responded`.
    sent_at_ms = int(clock() * 1000)
    try:
        give_up_at = deadline_ms / 1000 - wait_seconds * RETRY_WHILE_WAIT_LEFT
        message_id = sms.send(str(request["partnerPhone"]), body, give_up_at=give_up_at)
        count("SmsSent", channel=channel)
    except SmsOutcomeUnknownError:
        # The partner may have the text: record it as sent, so no retry ever texts again. If it never
        # arrived, the wait runs out and the customer hears so.
        logger().warning("SNS did not answer the publish; treated as sent, never repeated")
        count("SmsOutcomeUnknown")
        message_id = "unknown"
        sent_details["uncertain"] = True
    except SmsDeliveryError:
        count("SmsFailed")
        logger().exception("partner SMS not delivered")
        raise
    try:
        # The link lives exactly as long as the wait, so its expiry is the partner's deadline; the event
        # carries it so the status answer shows it without another read.
        store.mark_sms_sent(request_id, sent_at_ms, sent_details)
    except (ClientError, BotoCoreError, UnavailableError):
        # The partner has the link: failing the task now would end a request they can still answer
        # (every answerable status includes `Created`), so the missing `SMSSent` entry is only logged.
        logger().exception("SMS sent but SMSSent not recorded")
        count("SmsSentNotRecorded")
    return {"requestId": request_id, "sent": True, "messageId": message_id}


def _within_limits(
    guards: Guards, request: dict[str, Any], body: str, per_hour: int, budget: int, now: float
) -> str | None:
    """None when the partner may get this text (its parts then booked on today's budget), else why not."""
    partner = str(request.get("partnerId") or request.get("partnerPhone"))
    if not guards.take("partner-texts", partner, per_hour, PARTNER_WINDOW_SECONDS, now).allowed:
        count("PartnerTextCapReached")
        logger().warning("partner text cap reached; not texting", extra={"perHour": per_hour})
        return PARTNER_TEXT_CAP
    try:
        spend_budget(guards, parts(body), budget, now)
    except SmsBudgetError:
        return SMS_BUDGET_SPENT
    return None


def _retry(store: Store, request: dict[str, Any], task_token: str, now_ms: int) -> dict[str, Any]:
    """A second invocation (workflow retry) carries a new task token: keep it, send nothing (the SMS is
    out, or its claim's holder may still be sending it)."""
    store.refresh_task_token(str(request["requestId"]), str(request["tokenDigest"]), task_token, now_ms)
    logger().info("SMS sent or being sent for this request; task token refreshed")
    count("SmsDuplicateSuppressed")
    return {"requestId": request["requestId"], "sent": False}
