"""The operator console's actions (issue 13): their request bodies and answers.

Machine fields only (no Korean): the console page owns its words. `reveal` answers the one full phone
number. Only the action routes import this module (and pydantic with it): the reads' answers are typed
dicts (`handlers/models/console.py`), so the console's first call, the queue, builds no model.
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
