"""`GET /requests/{requestId}` body: the request, its public timeline and its notification."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict


class EventView(BaseModel):
    model_config = ConfigDict(extra="allow")

    type: str
    at: str


class NotificationView(BaseModel):
    message: str
    source: str


class RequestView(BaseModel):
    requestId: str
    status: str
    intent: str
    intentSource: str
    reservationNumber: str
    customerQuery: str  # the customer's own question, as sent
    partnerName: str | None = None  # the business, once the reservation is found
    partnerNote: str | None = None  # the partner's own words with the answer, if any
    failureReason: str | None = None
    # When the partner's link expires (ISO 8601 UTC), once the SMS is sent; the wait ends then.
    partnerDeadline: str | None = None
    # A plain default, which pydantic copies per instance: `default_factory=list` costs ~20 ms at import,
    # because pydantic reads the builtin's signature and that compiles tokenize's large regex.
    events: list[EventView] = []
    notification: NotificationView | None = None
