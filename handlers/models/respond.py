"""`POST /respond` body: the partner's answer (extra fields refused), imported only by its route."""

from __future__ import annotations

import re
from datetime import datetime
from typing import Annotated, Any

from pydantic import (
    AfterValidator,
    BaseModel,
    BeforeValidator,
    ConfigDict,
    StringConstraints,
    model_validator,
)

from handlers.models.domain import PartnerAnswer
from handlers.models.messages import KST

MAX_NOTE_CHARS = 200
_DATE_TIME = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}[T ][0-9]{2}:[0-9]{2}")


def _date_time_text(value: Any) -> Any:
    """Only an ISO date with a time: pydantic alone would also take epoch numbers and bare dates."""
    if value is not None and not (isinstance(value, str) and _DATE_TIME.match(value)):
        raise ValueError("alternativeTime must be an ISO 8601 date and time")
    return value


def _blank_is_none(value: str | None) -> str | None:
    return value or None


class RespondRequest(BaseModel):
    # Built on first use: a cold start on `GET /confirm/{token}` (the partner opening the link) needs none.
    model_config = ConfigDict(extra="forbid", frozen=True, defer_build=True)

    token: Annotated[str, StringConstraints(max_length=64)]
    response: PartnerAnswer
    alternativeTime: Annotated[datetime | None, BeforeValidator(_date_time_text)] = None
    # The partner's own words to the customer, trimmed; a longer note is refused, never cut.
    note: Annotated[
        str | None,
        StringConstraints(strip_whitespace=True, max_length=MAX_NOTE_CHARS),
        AfterValidator(_blank_is_none),
    ] = None

    @model_validator(mode="after")
    def _alternative_needs_time(self) -> RespondRequest:
        if self.response is PartnerAnswer.ALTERNATIVE and self.alternativeTime is None:
            raise ValueError("alternativeTime is required for an alternative")
        return self

    def answer_time(self) -> datetime | None:
        """The proposed time, zone-aware; the partner page's `datetime-local` value means Korea time."""
        if self.response is not PartnerAnswer.ALTERNATIVE or self.alternativeTime is None:
            return None
        moment = self.alternativeTime
        return moment if moment.tzinfo is not None else moment.replace(tzinfo=KST)
