"""The lifecycle's vocabulary: statuses, event types, partner answers and workflow outcomes."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum
from typing import Literal

from pydantic import BaseModel, ConfigDict


class Status(StrEnum):
    CREATED = "Created"
    SMS_SENT = "SMSSent"
    OPENED = "Opened"
    RESPONDED = "Responded"
    TIMEOUT = "Timeout"
    FAILED = "Failed"


# The order in which a request's statuses can happen: the tie-break of events recorded in the same
# millisecond (a partner answering the instant the text arrives), so the timeline never runs backwards.
LIFECYCLE_ORDER: dict[str, int] = {
    status.value: rank
    for rank, status in enumerate(
        (Status.CREATED, Status.SMS_SENT, Status.OPENED, Status.RESPONDED, Status.TIMEOUT, Status.FAILED)
    )
}
TERMINAL_STATUSES = frozenset({Status.RESPONDED, Status.TIMEOUT, Status.FAILED})
# A partner may still answer while the request is in one of these. `Created` is included because a link
# exists only once the SMS was claimed, and the answer may beat the `SMSSent` write.
ANSWERABLE = (Status.CREATED, Status.SMS_SENT, Status.OPENED)


class IntentSource(StrEnum):
    LEX = "lex"
    LOCAL = "local"
    BEDROCK = "bedrock"  # Lex was unsure and the intent tie-break (stack setting) asked the model
    DEFAULT = "default"


class PartnerAnswer(StrEnum):
    ACCEPT = "accept"
    REJECT = "reject"
    ALTERNATIVE = "alternative"


OutcomeKind = Literal["accept", "reject", "alternative", "timeout", "failed"]


class Outcome(BaseModel):
    """What the workflow hands to the notification: the partner's answer, or why there is none."""

    # Built on first use: the API functions import this module but never validate an outcome.
    model_config = ConfigDict(extra="ignore", frozen=True, defer_build=True)

    response: OutcomeKind
    alternativeTime: datetime | None = None  # the workflow JSON field name
    note: str | None = None  # the partner's own words to the customer, if any

    def to_payload(self) -> dict[str, str | None]:
        time = self.alternativeTime.isoformat() if self.alternativeTime else None
        payload: dict[str, str | None] = {"response": self.response, "alternativeTime": time}
        if self.note is not None:
            payload["note"] = self.note
        return payload


class NotificationSource(StrEnum):
    MODEL = "model"
    TEMPLATE = "template"
