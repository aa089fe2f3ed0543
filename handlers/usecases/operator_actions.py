"""The operator console's actions (issue 13): resend the partner's link, answer for the partner, close a
request with a note for the customer, reveal a phone. Each is a timeline event with `by` (the operator)
and the note; each is safe to repeat; each is refused with a 409 the state explains."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any, Protocol

from botocore.exceptions import BotoCoreError, ClientError

from handlers import clock as wall_clock
from handlers.adapters.sms import SmsSender
from handlers.clock import iso_ms
from handlers.models import link_token
from handlers.models.admin import (
    MAX_OPERATOR_NOTE_CHARS,
    ActionDone,
    AnswerBody,
    PhoneRevealed,
    ResendLinkDone,
    Who,
)
from handlers.models.domain import ANSWERABLE, REQUEST_ID, NotificationSource, OperatorAction, Status
from handlers.models.errors import (
    AlreadyEndedError,
    InvalidInputError,
    NoPhoneError,
    NotWaitingError,
    RequestNotFoundError,
    SmsDeliveryError,
    SmsOutcomeUnknownError,
    TokenUsedError,
    WaitEndedError,
)
from handlers.models.messages import (
    KST,
    OPERATOR_NOTE_REQUIRED,
    intent_of,
    operator_closed_message,
    sms_body,
)
from handlers.models.outcome import Outcome
from handlers.models.sms_parts import parts
from handlers.observability import count, logger, set_correlation_id
from handlers.store.console import LINK_OUT, ConsoleStore
from handlers.store.guards import Guards
from handlers.store.table import Item, link_deadline_ms
from handlers.usecases.limits import spend_budget
from handlers.usecases.partner import Completer, check_alternative_time, deliver_answer

# A second resend this soon after one that went out is taken for a double click: nothing is texted.
RESEND_REPEAT_MS = 60_000


class Stopper(Protocol):
    def stop(self, state_machine_arn: str, request_id: str, error: str, cause: str) -> bool: ...


def clean_note(note: str | None, *, required: bool) -> str | None:
    """The operator's note, trimmed: 1..300 characters when required, else blank means none."""
    text = (note or "").strip()
    if (required and not text) or len(text) > MAX_OPERATOR_NOTE_CHARS:
        raise InvalidInputError("note", OPERATOR_NOTE_REQUIRED)
    return text or None


def _request(store: ConsoleStore, request_id: str) -> Item:
    if not REQUEST_ID.fullmatch(request_id):
        raise RequestNotFoundError("not a request id")
    set_correlation_id(request_id)
    request = store.get_request(request_id)
    if request is None:
        raise RequestNotFoundError(request_id)
    return request


def _live_token(store: ConsoleStore, request: Item, now_ms: int) -> tuple[str, Item]:
    """The link of a request whose partner wait runs; `NotWaitingError` otherwise."""
    status = str(request.get("status", ""))
    digest = request.get("tokenDigest")
    if status not in {s.value for s in ANSWERABLE} or not digest:
        raise NotWaitingError(status)
    token = store.get_token(str(digest))
    if token is None or token.get("used") or link_deadline_ms(token) <= now_ms:
        raise NotWaitingError(status)
    return str(digest), token


# -- resend-link ------------------------------------------------------------------------------------------


def resend_link(
    request_id: str,
    *,
    by: str,
    note: str | None,
    store: ConsoleStore,
    sms: SmsSender,
    channel: str,
    signing_key: bytes,
    link_base_url: str,
    brand_name: str | None = None,
    guards: Guards | None = None,
    sms_daily_budget_parts: int = 45,
    clock: Callable[[], float] | None = None,
) -> ResendLinkDone:
    """A new link to the partner for the same deadline; the old link stops working in the same step.

    Only while the wait runs and the SMS is out (`SMSSent`, `Opened`). The text's parts are booked on the
    day's budget (503 `SMS_BUDGET` when spent; the old link then still works); the partner's hourly cap is
    not applied (an operator chose to text). A repeat within a minute of a resend that went out texts
    nothing and answers as that one did.
    """
    clock = clock or wall_clock.now
    note = clean_note(note, required=False)
    request = _request(store, request_id)
    now = clock()
    now_ms = int(now * 1000)
    status = str(request.get("status", ""))
    if status not in {s.value for s in LINK_OUT} or request.get("smsSentAt") is None:
        raise NotWaitingError(status)
    digest, token = _live_token(store, request, now_ms)
    deadline_ms = link_deadline_ms(token)
    resent_at = request.get("linkResentAt")
    if isinstance(resent_at, int) and now_ms - resent_at < RESEND_REPEAT_MS:
        return ResendLinkDone(
            requestId=request_id, sentAt=iso_ms(resent_at), partnerDeadline=iso_ms(deadline_ms), resent=False
        )
    issued = link_token.issue(signing_key, int(token.get("expiresAt") or -(-deadline_ms // 1000)))
    body = sms_body(
        intent_of(request.get("intent")),
        datetime.fromtimestamp(deadline_ms / 1000, UTC),
        link_base_url + issued.value,
        brand_name,
    )
    if guards is not None:
        spend_budget(guards, parts(body), sms_daily_budget_parts, now)
    token_item = {
        **{k: v for k, v in token.items() if k not in ("PK", "SK", "openedAt", "used", "usedAt")},
        "tokenDigest": issued.digest,
        "expiresAt": issued.expires_at,
        "deadlineMs": deadline_ms,
        "used": False,
        "createdAt": now_ms,
        "replaces": digest,
    }
    store.replace_link(request, token_item, now_ms)
    logger().info("link replaced by an operator", extra={"tokenDigest": issued.digest[:12], "by": by})
    details: dict[str, Any] = {"by": by, "channel": channel, "linkDeadlineMs": deadline_ms}
    if note:
        details["note"] = note
    sent_at_ms = int(clock() * 1000)
    try:
        sms.send(str(request["partnerPhone"]), body)
        details["outcome"] = "sent"
    except SmsOutcomeUnknownError:
        details["outcome"] = "uncertain"
    except SmsDeliveryError:
        details["outcome"] = "failed"
        store.record_resend(request_id, sent_at_ms, details, sent=False)
        count("SmsFailed", channel=channel)
        raise
    store.record_resend(request_id, sent_at_ms, details, sent=True)
    count("LinkResentByOperator")
    return ResendLinkDone(
        requestId=request_id, sentAt=iso_ms(sent_at_ms), partnerDeadline=iso_ms(deadline_ms), resent=True
    )


# -- answer ----------------------------------------------------------------------------------------------


def answer_for_partner(
    request_id: str,
    body: AnswerBody,
    *,
    by: str,
    store: ConsoleStore,
    workflow: Completer,
    clock: Callable[[], float] | None = None,
) -> ActionDone:
    """The partner's answer given through an operator (the partner phoned in), through the same callback
    path as the partner's page: the link is claimed (it then answers `TOKEN_USED`), the answer recorded,
    the workflow's wait completed. The note is the operator's, for the timeline: the customer hears the
    answer, not the note."""
    clock = clock or wall_clock.now
    note = clean_note(body.note, required=True)
    proposed = body.alternativeTime
    if proposed is not None and proposed.tzinfo is None:
        proposed = proposed.replace(tzinfo=KST)  # the console's `datetime-local` value means Korea time
    if body.response.value != "alternative":
        proposed = None
    request = _request(store, request_id)
    if _same_answer(request, body.response.value, proposed, by):
        return ActionDone(requestId=request_id, status=str(request["status"]), repeated=True)
    now = clock()
    digest, token = _live_token(store, request, int(now * 1000))
    check_alternative_time(proposed, now)
    outcome = Outcome(response=body.response.value, alternativeTime=proposed)
    action = {"by": by, "note": note, "response": body.response.value}
    if proposed is not None:
        action["alternativeTime"] = proposed.isoformat()
    try:
        deliver_answer(
            store,
            workflow,
            digest=digest,
            token_item=token,
            outcome=outcome,
            now=now,
            by=by,
            also=[(OperatorAction.ANSWERED.value, action)],
        )
    except (TokenUsedError, WaitEndedError) as exc:
        fresh = store.get_request(request_id) or request
        if _same_answer(fresh, body.response.value, proposed, by):
            return ActionDone(requestId=request_id, status=str(fresh["status"]), repeated=True)
        raise NotWaitingError(str(fresh.get("status", ""))) from exc
    count("AnsweredByOperator")
    return ActionDone(requestId=request_id, status=Status.RESPONDED.value, repeated=False)


def _same_answer(request: Item, response: str, proposed: datetime | None, by: str) -> bool:
    answer = request.get("partnerResponse")
    if request.get("status") != Status.RESPONDED.value or not isinstance(answer, dict):
        return False
    time = proposed.isoformat() if proposed is not None else None
    return (answer.get("by"), answer.get("response"), answer.get("alternativeTime")) == (by, response, time)


# -- close -----------------------------------------------------------------------------------------------


def close_request(
    request_id: str,
    note: str | None,
    *,
    by: str,
    store: ConsoleStore,
    workflow: Stopper,
    state_machine_arn: str,
    clock: Callable[[], float] | None = None,
) -> ActionDone:
    """End a request that has not ended: `Closed`, the customer's message carrying the note, the
    workflow's execution stopped (its wait and anything after it). Closing again with the same note is a
    no-op; anything else on an ended request is `ALREADY_ENDED`."""
    clock = clock or wall_clock.now
    text = clean_note(note, required=True) or ""
    request = _request(store, request_id)
    status = str(request.get("status", ""))
    if status == Status.CLOSED.value and request.get("closeNote") == text:
        return ActionDone(requestId=request_id, status=status, repeated=True)
    if status not in {s.value for s in ANSWERABLE}:
        raise AlreadyEndedError(status)
    now_ms = int(clock() * 1000)
    notification = {
        "message": operator_closed_message(text),
        "source": NotificationSource.OPERATOR.value,
        "at": now_ms,
        "by": by,
    }
    try:
        store.close(request_id, now_ms, by=by, note=text, notification=notification)
    except AlreadyEndedError:
        fresh = store.get_request(request_id) or request
        if fresh.get("status") == Status.CLOSED.value and fresh.get("closeNote") == text:
            return ActionDone(requestId=request_id, status=Status.CLOSED.value, repeated=True)
        raise
    count("ClosedByOperator")
    try:
        # A workflow still waiting would otherwise time out and try to write its own message; the
        # request is closed already, so a failure here only leaves the workflow to find that out.
        if workflow.stop(state_machine_arn, request_id, "ClosedByOperator", f"closed by {by}"):
            logger().info("workflow stopped")
    except (ClientError, BotoCoreError):
        logger().exception("StopExecution failed; the workflow will find the request closed")
        count("WorkflowStopFailed")
    return ActionDone(requestId=request_id, status=Status.CLOSED.value, repeated=False)


# -- reveal ----------------------------------------------------------------------------------------------


def reveal_phone(
    request_id: str,
    who: Who,
    note: str | None,
    *,
    by: str,
    store: ConsoleStore,
    clock: Callable[[], float] | None = None,
) -> PhoneRevealed:
    """The full number, for the callback the customer was promised. Every reveal is recorded (the same
    answer each time; each disclosure is a line in the audit)."""
    clock = clock or wall_clock.now
    text = clean_note(note, required=False)
    request = _request(store, request_id)
    phone = request.get("customerPhone" if who is Who.CUSTOMER else "partnerPhone")
    if not phone:
        raise NoPhoneError(str(request.get("status", "")))
    details: dict[str, Any] = {"by": by, "who": who.value}
    if text:
        details["note"] = text
    store.record_action(request_id, OperatorAction.PHONE_REVEALED, int(clock() * 1000), details)
    logger().info("phone revealed", extra={"who": who.value, "by": by})
    count("PhoneRevealed")
    return PhoneRevealed(requestId=request_id, who=who.value, phone=str(phone))
