"""What the workflow hands to the notification: the partner's answer, or why there is none."""

from __future__ import annotations

from datetime import datetime

from pydantic import BaseModel, ConfigDict

from handlers.models.domain import OutcomeKind


class Outcome(BaseModel):
    """What the workflow hands to the notification: the partner's answer, or why there is none."""

    # Built on first use: the partner function imports this module but validates an outcome only when
    # answering.
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
