"""The operator console's reads (issue 13): the queue, one request's whole story, partners' record."""

from __future__ import annotations

import base64
import binascii
import json
import statistics
from collections.abc import Callable, Mapping
from typing import Any

from handlers import clock as wall_clock
from handlers.clock import iso_ms
from handlers.models.console import (
    AdminEvent,
    FailureDetail,
    LastEvent,
    NotificationDetail,
    OperatorActionView,
    PartnerAnswerView,
    PartnerRecord,
    PartnersPage,
    RequestDetail,
    RequestPage,
    RequestRow,
    SmsAttempt,
)
from handlers.models.domain import ANSWERABLE, LIFECYCLE_ORDER, REQUEST_ID, OperatorAction, Status
from handlers.models.errors import InvalidInputError, RequestNotFoundError
from handlers.models.messages import FIELD_MESSAGES
from handlers.models.phone import mask
from handlers.observability import set_correlation_id
from handlers.store.console import LINK_OUT, ConsoleStore
from handlers.store.table import Item, link_deadline_ms

DEFAULT_LIMIT = 25
MAX_LIMIT = 100
OPEN_ALIAS = "open"
PARTNER_PERIODS = (7, 30)
DAY_MS = 86_400_000
_ACTIONS = frozenset(action.value for action in OperatorAction)


# -- query parameters -------------------------------------------------------------------------------------


def parse_statuses(raw: str | None) -> tuple[Status, ...]:
    """`open` (the default: Created, SMSSent, Opened), one status, or a comma list of them."""
    if raw is None or raw.strip() in ("", OPEN_ALIAS):
        return ANSWERABLE
    names = [part.strip() for part in raw.split(",") if part.strip()]
    try:
        chosen = {Status(name) for name in names}
    except ValueError as exc:
        raise InvalidInputError("status", FIELD_MESSAGES["status"]) from exc
    return tuple(s for s in Status if s in chosen)


def parse_limit(raw: str | None) -> int:
    if raw is None or raw == "":
        return DEFAULT_LIMIT
    if not raw.isdigit() or not 1 <= int(raw) <= MAX_LIMIT:
        raise InvalidInputError("limit", FIELD_MESSAGES["limit"])
    return int(raw)


def parse_days(raw: str | None) -> int:
    if raw is None or raw == "":
        return PARTNER_PERIODS[0]
    if not raw.isdigit() or int(raw) not in PARTNER_PERIODS:
        raise InvalidInputError("days", FIELD_MESSAGES["days"])
    return int(raw)


def encode_cursor(row: Mapping[str, Any]) -> str:
    raw = json.dumps([int(row["createdAt"]), str(row["requestId"])], separators=(",", ":"))
    return base64.urlsafe_b64encode(raw.encode()).decode().rstrip("=")


def decode_cursor(cursor: str | None) -> tuple[int, str] | None:
    if not cursor:
        return None
    try:
        raw = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4))
        created, request_id = json.loads(raw)
    except (binascii.Error, ValueError, TypeError) as exc:
        raise InvalidInputError("cursor", FIELD_MESSAGES["cursor"]) from exc
    if not (isinstance(created, int) and isinstance(request_id, str) and REQUEST_ID.fullmatch(request_id)):
        raise InvalidInputError("cursor", FIELD_MESSAGES["cursor"])
    return created, request_id


# -- the queue ------------------------------------------------------------------------------------------


def _sort_key(item: Mapping[str, Any]) -> tuple[int, str]:
    return int(item.get("createdAt", 0)), str(item.get("requestId"))


def _latest_of_each(items: list[Item]) -> list[Item]:
    """One row per request: one that moved on between the per-status queries (Created, then SMSSent) was
    read under both, and its later status is the one that holds."""
    latest: dict[str, Item] = {}
    for item in items:
        seen = latest.get(str(item["requestId"]))
        if seen is None or _rank(item) > _rank(seen):
            latest[str(item["requestId"])] = item
    return list(latest.values())


def _rank(item: Mapping[str, Any]) -> int:
    return LIFECYCLE_ORDER.get(str(item.get("status")), -1)


def queue(
    statuses: tuple[Status, ...],
    limit: int,
    cursor: str | None,
    *,
    store: ConsoleStore,
    clock: Callable[[], float] | None = None,
) -> RequestPage:
    """Newest first across the statuses asked, `limit` rows, and a cursor when there are more."""
    before = decode_cursor(cursor)
    found: list[Item] = []
    for status in statuses:
        found.extend(store.newest(status, limit + 1, before))
    found = _latest_of_each(found)
    found.sort(key=_sort_key, reverse=True)
    page, more = found[:limit], len(found) > limit
    now_ms = int((clock or wall_clock.now)() * 1000)
    last = store.last_events([str(item["requestId"]) for item in page])
    tokens = store.tokens([str(item["tokenDigest"]) for item in page if item.get("tokenDigest")])
    rows = [
        _row(item, last.get(str(item["requestId"])), tokens.get(str(item.get("tokenDigest"))), now_ms)
        for item in page
    ]
    return {"items": rows, "cursor": encode_cursor(page[-1]) if more and page else None}


def _row(request: Item, last: Item | None, token: Item | None, now_ms: int) -> RequestRow:
    created = int(request.get("createdAt", 0))
    answer = request.get("partnerResponse")
    last_event: LastEvent | None = (
        {"type": str(last["eventType"]), "at": iso_ms(int(last["at"]))} if last else None
    )
    return {
        "requestId": str(request["requestId"]),
        "status": str(request.get("status", "")),
        "createdAt": iso_ms(created),
        "ageSeconds": max(0, (now_ms - created) // 1000),
        "partnerDeadline": iso_ms(link_deadline_ms(token)) if token is not None else None,
        "partnerId": request.get("partnerId"),
        "partnerName": request.get("partnerName"),
        "intent": str(request.get("intent", "")),
        "reservationNumber": str(request.get("reservationNumber", "")),
        "lastEvent": last_event,
        "answeredBy": answer.get("by") if isinstance(answer, dict) else None,
        "closedBy": request.get("closedBy"),
    }


# -- one request ----------------------------------------------------------------------------------------


def detail(
    request_id: str, *, store: ConsoleStore, clock: Callable[[], float] | None = None
) -> RequestDetail:
    if not REQUEST_ID.fullmatch(request_id):
        raise RequestNotFoundError("not a request id")
    set_correlation_id(request_id)
    request, events = store.request_with_events(request_id)
    if request is None:
        raise RequestNotFoundError(request_id)
    digest = request.get("tokenDigest")
    token = store.get_token(str(digest)) if digest else None
    now_ms = int((clock or wall_clock.now)() * 1000)
    row = _row(request, events[-1] if events else None, token, now_ms)
    partner_phone = request.get("partnerPhone")
    customer_phone = request.get("customerPhone")
    answer = request.get("partnerResponse")
    notification = request.get("notification")
    return {
        **row,
        "intentSource": request.get("intentSource"),
        "customerQuery": str(request.get("query", "")),
        "customerPhone": mask(str(customer_phone)) if customer_phone else None,
        "partnerPhone": mask(str(partner_phone)) if partner_phone else None,
        "reservationDate": request.get("reservationDate"),
        "serviceType": request.get("serviceType"),
        "answer": _answer(answer, request.get("respondedAt")) if isinstance(answer, dict) else None,
        "events": [_event(e) for e in events],
        "smsAttempts": _sms_attempts(request, events),
        "notification": _notification(notification) if isinstance(notification, dict) else None,
        "failure": _failure(request),
        "actions": [_action(e) for e in events if e.get("eventType") in _ACTIONS],
        "allowedActions": allowed_actions(request, token, now_ms),
    }


def allowed_actions(request: Item, token: Item | None, now_ms: int) -> list[str]:
    """The actions the request's state allows now (the same checks the actions make)."""
    status = str(request.get("status", ""))
    waiting = status in {s.value for s in ANSWERABLE}
    live = waiting and token is not None and not token.get("used") and link_deadline_ms(token) > now_ms
    allowed = []
    if live and status in {s.value for s in LINK_OUT} and request.get("smsSentAt") is not None:
        allowed.append("resend-link")
    if live:
        allowed.append("answer")
    if waiting:
        allowed.append("close")
    allowed.append("reveal")
    return allowed


def _details(event: Item) -> dict[str, Any]:
    """An event's details for operators: all of them but the keys the view names itself."""
    details = event.get("details") or {}
    return {k: v for k, v in details.items() if k not in ("type", "at") and v is not None}


def _event(event: Item) -> AdminEvent:
    return {"type": str(event["eventType"]), "at": iso_ms(int(event["at"])), **_details(event)}


def _action(event: Item) -> OperatorActionView:
    """An action's event: who did it and the note (null without one) come first, as the console reads them."""
    details = _details(event)
    return {
        "type": str(event["eventType"]),
        "at": iso_ms(int(event["at"])),
        "by": str(details.pop("by")),
        "note": details.pop("note", None),
        **details,
    }


def _answer(answer: Mapping[str, Any], responded_at: Any) -> PartnerAnswerView:
    return {
        "response": str(answer.get("response", "")),
        "alternativeTime": answer.get("alternativeTime"),
        "note": answer.get("note"),
        "at": iso_ms(int(responded_at)) if isinstance(responded_at, int) else None,
        "by": answer.get("by"),
    }


def _notification(notification: Mapping[str, Any]) -> NotificationDetail:
    at = notification.get("at")
    return {
        "message": str(notification.get("message", "")),
        "source": str(notification.get("source", "")),
        "at": iso_ms(int(at)) if isinstance(at, int) else None,
        "by": notification.get("by"),
    }


def _failure(request: Item) -> FailureDetail | None:
    failure = request.get("failure")
    if not isinstance(failure, dict) and request.get("status") != Status.FAILED.value:
        return None
    failure = failure if isinstance(failure, dict) else {}
    return {
        "error": failure.get("error"),
        "cause": failure.get("cause"),
        "reason": request.get("failureReason"),
    }


def _sms_attempts(request: Item, events: list[Item]) -> list[SmsAttempt]:
    """Every text to the partner: the workflow's link, each operator resend, and a send SNS refused."""
    to = mask(str(request["partnerPhone"])) if request.get("partnerPhone") else ""
    failure = request.get("failure")
    refused = isinstance(failure, dict) and failure.get("error") == "SmsDeliveryError"
    attempts: list[SmsAttempt] = []
    for event in events:
        kind, details = event.get("eventType"), event.get("details") or {}
        if kind == Status.SMS_SENT.value:
            attempt = ("link", "uncertain" if details.get("uncertain") else "sent")
        elif kind == OperatorAction.LINK_RESENT.value:
            attempt = ("resend", str(details.get("outcome", "sent")))
        elif kind == Status.FAILED.value and refused:
            attempt = ("link", "failed")
        else:
            continue
        attempts.append({"at": iso_ms(int(event["at"])), "to": to, "kind": attempt[0], "outcome": attempt[1]})
    return attempts


# -- partners' record -----------------------------------------------------------------------------------


def partners(days: int, *, store: ConsoleStore, clock: Callable[[], float] | None = None) -> PartnersPage:
    """Per partner with a request created in the last `days` days: how many, how they ended, how fast
    the answers came. Answer rate = answered / (answered + timed out): the share of the waits that ran
    to an end which got an answer (failed, closed and still open requests count for neither)."""
    now_ms = int((clock or wall_clock.now)() * 1000)
    since_ms = now_ms - days * DAY_MS
    tally: dict[str, dict[str, Any]] = {}
    for status in Status:
        for item in store.created_since(status, since_ms):
            partner = item.get("partnerId")
            if not partner:
                continue  # never reached a partner (the reservation was not found)
            record = tally.setdefault(
                str(partner),
                {
                    "name": None,
                    "requests": 0,
                    "answered": 0,
                    "byOperator": 0,
                    "timedOut": 0,
                    "open": 0,
                    "seconds": [],
                    "last": None,
                },
            )
            record["name"] = record["name"] or item.get("partnerName")
            record["requests"] += 1
            if status is Status.RESPONDED:
                record["answered"] += 1
                answer = item.get("partnerResponse")
                if isinstance(answer, dict) and answer.get("by"):
                    record["byOperator"] += 1
                responded = item.get("respondedAt")
                if isinstance(responded, int):
                    record["seconds"].append(max(0.0, (responded - int(item.get("createdAt", 0))) / 1000))
                    record["last"] = max(record["last"] or 0, responded)
            elif status is Status.TIMEOUT:
                record["timedOut"] += 1
            elif status in ANSWERABLE:
                record["open"] += 1
    items: list[PartnerRecord] = [
        {
            "partnerId": partner,
            "partnerName": r["name"],
            "requests": r["requests"],
            "answered": r["answered"],
            "answeredByOperator": r["byOperator"],
            "timedOut": r["timedOut"],
            "open": r["open"],
            "answerRate": round(r["answered"] / (r["answered"] + r["timedOut"]), 4)
            if r["answered"] + r["timedOut"]
            else None,
            "medianAnswerSeconds": round(statistics.median(r["seconds"]), 1) if r["seconds"] else None,
            "lastAnswerAt": iso_ms(r["last"]) if r["last"] else None,
        }
        for partner, r in tally.items()
    ]
    items.sort(key=lambda p: (-p["requests"], p["partnerId"]))
    return {"days": days, "since": iso_ms(since_ms), "items": items}
