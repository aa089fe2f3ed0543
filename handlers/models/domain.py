"""The lifecycle's vocabulary: statuses, event types, partner answers and workflow outcomes."""

from __future__ import annotations

import re
from collections.abc import Mapping
from enum import StrEnum
from typing import Any, Literal


class Status(StrEnum):
    CREATED = "Created"
    SMS_SENT = "SMSSent"
    OPENED = "Opened"
    RESPONDED = "Responded"
    TIMEOUT = "Timeout"
    FAILED = "Failed"
    CLOSED = "Closed"  # an operator ended the request (issue 13); the customer reads the operator's note


# The order in which a request's statuses can happen: the tie-break of events recorded in the same
# millisecond (a partner answering the instant the text arrives), so the timeline never runs backwards.
LIFECYCLE_ORDER: dict[str, int] = {
    status.value: rank
    for rank, status in enumerate(
        (
            Status.CREATED,
            Status.SMS_SENT,
            Status.OPENED,
            Status.RESPONDED,
            Status.TIMEOUT,
            Status.FAILED,
            Status.CLOSED,
        )
    )
}
# Request ids are the lowercase UUIDs intake issues. Anything else cannot exist, so it costs no read, and
# an overlong id never reaches DynamoDB (a partition key over 2 KB is a ValidationException, a 500).
REQUEST_ID = re.compile(r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}")
TERMINAL_STATUSES = frozenset({Status.RESPONDED, Status.TIMEOUT, Status.FAILED, Status.CLOSED})
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
# What the workflow hands to the notification is `handlers.models.outcome.Outcome`, a pydantic model kept
# out of this module: every function imports the vocabulary, few validate an outcome.


class NotificationSource(StrEnum):
    MODEL = "model"
    TEMPLATE = "template"
    OPERATOR = "operator"  # an operator closed the request with a note for the customer (issue 13)


class OperatorAction(StrEnum):
    """The timeline events of the operator console's actions (issue 13): each carries `by` (the operator's
    username) and the operator's `note`. Operators see them; the customer's timeline leaves them out."""

    LINK_RESENT = "LinkResent"
    ANSWERED = "AnsweredByOperator"
    CLOSED = "ClosedByOperator"
    PHONE_REVEALED = "PhoneRevealed"


# -- the customer's reply to a proposed time (issue 12) -----------------------------------------------------

HOUR_MS = 3_600_000


def reply_deadline_ms(request: Mapping[str, Any], window_hours: int) -> int | None:
    """Until when the customer may answer the partner's proposal (epoch ms, `window_hours` after the
    answer); None when the partner proposed no other time."""
    answer = request.get("partnerResponse")
    if request.get("status") != Status.RESPONDED.value or not isinstance(answer, dict):
        return None
    if answer.get("response") != "alternative" or request.get("respondedAt") is None:
        return None
    return int(request["respondedAt"]) + window_hours * HOUR_MS
