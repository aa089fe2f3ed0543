"""The operator console's bodies (issue 13): the queue, one request's story, partners' record, the actions.

Machine fields only (no Korean): the console page owns its words. Phones are masked everywhere but in the
answer of `reveal`.
"""

from __future__ import annotations

import re
from datetime import datetime
from enum import StrEnum
from typing import Annotated, Any

from pydantic import BaseModel, BeforeValidator, ConfigDict, StringConstraints, model_validator

from handlers.models.domain import PartnerAnswer

# Long enough for a sentence to the customer; a longer note is refused (400, `field: note`), never cut.
MAX_OPERATOR_NOTE_CHARS = 300
_DATE_TIME = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}[T ][0-9]{2}:[0-9]{2}")


def _date_time_text(value: Any) -> Any:
    """Only an ISO date with a time, as on the partner's page (`handlers/models/partner.py`)."""
    if value is not None and not (isinstance(value, str) and _DATE_TIME.match(value)):
        raise ValueError("alternativeTime must be an ISO 8601 date and time")
    return value


# Checked for length by the use case after trimming (1..MAX_OPERATOR_NOTE_CHARS), with its own message.
Note = Annotated[str, StringConstraints(max_length=4 * MAX_OPERATOR_NOTE_CHARS)]


# -- reads ------------------------------------------------------------------------------------------------


class LastEvent(BaseModel):
    type: str
    at: str


class RequestRow(BaseModel):
    """One line of the queue."""

    requestId: str
    status: str
    createdAt: str
    ageSeconds: int
    partnerDeadline: str | None = None
    partnerId: str | None = None
    partnerName: str | None = None
    intent: str
    reservationNumber: str
    lastEvent: LastEvent | None = None
    answeredBy: str | None = None  # the operator who answered for the partner, if one did
    closedBy: str | None = None  # the operator who closed the request, if one did


class RequestPage(BaseModel):
    items: list[RequestRow]
    cursor: str | None = None


class AdminEvent(BaseModel):
    """A timeline entry with every detail the table keeps (phones masked)."""

    model_config = ConfigDict(extra="allow")

    type: str
    at: str


class SmsAttempt(BaseModel):
    at: str
    to: str  # masked
    kind: str  # `link` (the workflow's text) | `resend` (an operator's resend-link)
    outcome: str  # `sent` | `uncertain` (SNS never answered; it may have arrived) | `failed`


class NotificationDetail(BaseModel):
    message: str
    source: str  # `model` | `template` | `operator`
    at: str | None = None
    by: str | None = None


class FailureDetail(BaseModel):
    """Why the request failed: the workflow's (or Lambda's) error and cause, and the customer's sentence."""

    error: str | None = None
    cause: str | None = None
    reason: str | None = None


class OperatorActionView(BaseModel):
    model_config = ConfigDict(extra="allow")

    type: str
    at: str
    by: str
    note: str | None = None


class PartnerAnswerView(BaseModel):
    response: str
    alternativeTime: str | None = None
    note: str | None = None  # the partner's own words to the customer
    at: str | None = None
    by: str | None = None  # the operator who answered for the partner


class RequestDetail(RequestRow):
    """Everything an operator needs about one request."""

    intentSource: str | None = None
    customerQuery: str
    customerPhone: str | None = None  # masked
    partnerPhone: str | None = None  # masked
    reservationDate: str | None = None
    serviceType: str | None = None
    answer: PartnerAnswerView | None = None
    events: list[AdminEvent] = []
    smsAttempts: list[SmsAttempt] = []
    notification: NotificationDetail | None = None
    failure: FailureDetail | None = None
    actions: list[OperatorActionView] = []
    # What the request's state allows now: a subset of resend-link, answer, close, reveal.
    allowedActions: list[str] = []


class PartnerRecord(BaseModel):
    partnerId: str
    partnerName: str | None = None
    requests: int
    answered: int  # answers in the wait, the partner's own or given through an operator
    answeredByOperator: int
    timedOut: int
    open: int
    answerRate: float | None = None  # answered / (answered + timedOut); None before any wait ended
    medianAnswerSeconds: float | None = None
    lastAnswerAt: str | None = None


class PartnersPage(BaseModel):
    days: int
    since: str
    items: list[PartnerRecord]


# -- actions ----------------------------------------------------------------------------------------------


class Who(StrEnum):
    CUSTOMER = "customer"
    PARTNER = "partner"


class _Body(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, defer_build=True)


class ResendLinkBody(_Body):
    note: Note | None = None


class AnswerBody(_Body):
    response: PartnerAnswer
    alternativeTime: Annotated[datetime | None, BeforeValidator(_date_time_text)] = None
    note: Note

    @model_validator(mode="after")
    def _alternative_needs_time(self) -> AnswerBody:
        if self.response is PartnerAnswer.ALTERNATIVE and self.alternativeTime is None:
            raise ValueError("alternativeTime is required for an alternative")
        return self


class CloseBody(_Body):
    note: Note


class RevealBody(_Body):
    who: Who
    note: Note | None = None


class ResendLinkDone(BaseModel):
    requestId: str
    sentAt: str
    partnerDeadline: str
    resent: bool  # False: a resend within the last minute already did it (nothing was texted now)


class ActionDone(BaseModel):
    requestId: str
    status: str
    repeated: bool  # True: the same action had already taken effect; nothing new happened


class PhoneRevealed(BaseModel):
    requestId: str
    who: str
    phone: str
