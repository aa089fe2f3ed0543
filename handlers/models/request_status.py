"""`GET /requests/{requestId}` body: the request, its public timeline and its notification.

Typed dicts, not pydantic models: the status poll parses no body, and serialising its answer through a
model would put pydantic's import and a model build on every cold start of the busiest function
(`make bench`). mypy checks the keys; `tests/unit/test_request_status_body.py` checks the JSON shape.
"""

from __future__ import annotations

from typing import NotRequired, TypedDict


class EventView(TypedDict):
    type: str
    at: str
    # Public details of the event, each present only when the event carries it.
    intent: NotRequired[str]
    intentSource: NotRequired[str]
    response: NotRequired[str]
    alternativeTime: NotRequired[str]
    reason: NotRequired[str]
    channel: NotRequired[str]
    choice: NotRequired[str]  # CustomerConfirmed / CustomerDeclined (issue 12)


class NotificationView(TypedDict):
    message: str
    source: str


class ReplyView(TypedDict):
    choice: str  # `confirm` | `decline`
    at: str


class RequestView(TypedDict):
    requestId: str
    status: str
    intent: str
    intentSource: str
    reservationNumber: str
    customerQuery: str  # the customer's own question, as sent
    partnerName: str | None  # the business, once the reservation is found
    partnerNote: str | None  # the partner's own words with the answer, if any
    failureReason: str | None
    # When the partner's link expires (ISO 8601 UTC), once the SMS is sent; the wait ends then.
    partnerDeadline: str | None
    events: list[EventView]
    notification: NotificationView | None
    # Issue 12: the ending is texted to the customer too; the customer's reply to a proposed time, and
    # until when one can be sent (ISO 8601 UTC; null unless the partner proposed another time).
    customerSms: bool
    reply: ReplyView | None
    replyUntil: str | None
