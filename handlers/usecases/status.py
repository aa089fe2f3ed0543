"""`GET /requests/{requestId}`: the request, its timeline and its notification, from one Query."""

from __future__ import annotations

from typing import Any, cast

from handlers.clock import iso_ms
from handlers.models.api import optional_text
from handlers.models.domain import REQUEST_ID, OperatorAction, Status, reply_deadline_ms
from handlers.models.errors import RequestNotFoundError
from handlers.models.request_status import EventView, NotificationView, ReplyView, RequestView
from handlers.observability import set_correlation_id
from handlers.store.table import Store

# Event details a customer may see; anything else stays in the table for operators.
_PUBLIC_DETAILS = ("intent", "intentSource", "response", "alternativeTime", "reason", "channel", "choice")
_OPERATOR_ONLY = frozenset(action.value for action in OperatorAction)


def view(request_id: str, *, store: Store, reply_window_hours: int = 24) -> RequestView:
    if not REQUEST_ID.fullmatch(request_id):
        raise RequestNotFoundError("not a request id")
    set_correlation_id(request_id)
    request, events = store.request_with_events(request_id)
    if request is None:
        raise RequestNotFoundError(request_id)
    timeline = []
    partner_deadline = None
    for event in events:
        if event["eventType"] in _OPERATOR_ONLY:
            continue  # the console's actions are for operators; the customer reads their effect
        details: dict[str, Any] = event.get("details") or {}
        public = {k: details[k] for k in _PUBLIC_DETAILS if details.get(k) is not None}
        timeline.append(
            cast(EventView, {"type": str(event["eventType"]), "at": iso_ms(int(event["at"])), **public})
        )
        if event["eventType"] == Status.SMS_SENT.value and details.get("linkDeadlineMs") is not None:
            partner_deadline = iso_ms(int(details["linkDeadlineMs"]))
        elif event["eventType"] == Status.SMS_SENT.value and details.get("linkExpiresAt") is not None:
            partner_deadline = iso_ms(int(details["linkExpiresAt"]) * 1000)
    notification = request.get("notification")
    reply = request.get("customerReply")
    reply_until = reply_deadline_ms(request, reply_window_hours)
    answer = request.get("partnerResponse")
    note = answer.get("note") if isinstance(answer, dict) else None
    return {
        "requestId": request_id,
        "status": str(request["status"]),
        "intent": str(request.get("intent", "")),
        "intentSource": str(request.get("intentSource", "")),
        "reservationNumber": str(request.get("reservationNumber", "")),
        "customerQuery": str(request.get("query", "")),
        "partnerName": optional_text(request.get("partnerName"), "partnerName"),
        "partnerNote": note if isinstance(note, str) else None,
        "failureReason": optional_text(request.get("failureReason"), "failureReason"),
        "partnerDeadline": partner_deadline,
        "events": timeline,
        "notification": NotificationView(
            message=str(notification["message"]), source=str(notification["source"])
        )
        if isinstance(notification, dict)
        else None,
        "customerSms": bool(request.get("textCustomer")),
        "reply": ReplyView(choice=str(reply.get("choice")), at=iso_ms(int(reply.get("at", 0))))
        if isinstance(reply, dict)
        else None,
        "replyUntil": iso_ms(reply_until) if reply_until is not None else None,
    }
