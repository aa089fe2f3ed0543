"""Partner page bodies: the link's view (`GET /confirm/{token}`) and the answer (`POST /respond`)."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

from pydantic import BaseModel, ConfigDict, StringConstraints, model_validator

from handlers.models.domain import PartnerAnswer
from handlers.models.messages import KST


class RespondRequest(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    token: Annotated[str, StringConstraints(max_length=64)]
    response: PartnerAnswer
    alternativeTime: datetime | None = None

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


class RespondAccepted(BaseModel):
    success: bool = True
    message: str


class ConfirmView(BaseModel):
    """What the partner page shows: a snapshot taken when the link was issued."""

    requestId: str
    customerQuery: str
    intent: str
    reservationNumber: str
    reservationDate: str | None = None
    serviceType: str | None = None
    partnerName: str | None = None
    expiresAt: str
