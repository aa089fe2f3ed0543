"""The operator console's reads (issue 13): the queue, one request's story, partners' record.

Machine fields only (no Korean): the console page owns its words. Phones are masked everywhere but in the
answer of `reveal` (`handlers/models/admin.py`, with the actions' bodies).

Typed dicts, not pydantic models: the queue is the console's first call, and serialising it through a model
would put pydantic's import and the models' build on the admin function's cold start (`make bench`). Every
key is always present (null when unknown), in the order the models wrote them;
`tests/unit/test_console_bodies.py` checks the JSON against the models these replaced.
"""

from __future__ import annotations

from typing import Any, TypedDict


class LastEvent(TypedDict):
    type: str
    at: str


class RequestRow(TypedDict):
    """One line of the queue."""

    requestId: str
    status: str
    createdAt: str
    ageSeconds: int
    partnerDeadline: str | None
    partnerId: str | None
    partnerName: str | None
    intent: str
    reservationNumber: str
    lastEvent: LastEvent | None
    answeredBy: str | None  # the operator who answered for the partner, if one did
    closedBy: str | None  # the operator who closed the request, if one did


class RequestPage(TypedDict):
    items: list[RequestRow]
    cursor: str | None


# A timeline entry: `type` and `at`, then every detail the table keeps (phones masked).
AdminEvent = dict[str, Any]
# An operator's action in the timeline: `type`, `at`, `by` and `note` (null without one), then the rest.
OperatorActionView = dict[str, Any]


class SmsAttempt(TypedDict):
    at: str
    to: str  # masked
    kind: str  # `link` (the workflow's text) | `resend` (an operator's resend-link)
    outcome: str  # `sent` | `uncertain` (SNS never answered; it may have arrived) | `failed`


class NotificationDetail(TypedDict):
    message: str
    source: str  # `model` | `template` | `operator`
    at: str | None
    by: str | None


class FailureDetail(TypedDict):
    """Why the request failed: the workflow's (or Lambda's) error and cause, and the customer's sentence."""

    error: str | None
    cause: str | None
    reason: str | None


class PartnerAnswerView(TypedDict):
    response: str
    alternativeTime: str | None
    note: str | None  # the partner's own words to the customer
    at: str | None
    by: str | None  # the operator who answered for the partner


class RequestDetail(RequestRow):
    """Everything an operator needs about one request."""

    intentSource: str | None
    customerQuery: str
    customerPhone: str | None  # masked
    partnerPhone: str | None  # masked
    reservationDate: str | None
    serviceType: str | None
    answer: PartnerAnswerView | None
    events: list[AdminEvent]
    smsAttempts: list[SmsAttempt]
    notification: NotificationDetail | None
    failure: FailureDetail | None
    actions: list[OperatorActionView]
    # What the request's state allows now: a subset of resend-link, answer, close, reveal.
    allowedActions: list[str]


class PartnerRecord(TypedDict):
    partnerId: str
    partnerName: str | None
    requests: int
    answered: int  # answers in the wait, the partner's own or given through an operator
    answeredByOperator: int
    timedOut: int
    open: int
    answerRate: float | None  # answered / (answered + timedOut); None before any wait ended
    medianAnswerSeconds: float | None
    lastAnswerAt: str | None


class PartnersPage(TypedDict):
    days: int
    since: str
    items: list[PartnerRecord]
