"""HTTP bodies: what the API accepts (extra fields refused) and what it answers."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any

from pydantic import AfterValidator, BaseModel, ConfigDict, Field, StringConstraints, model_validator

from handlers.models.domain import PartnerAnswer
from handlers.models.messages import KST
from handlers.models.phone import to_e164

MAX_MESSAGE_CHARS = 1000
MAX_BODY_BYTES = 16 * 1024


ReservationNumber = Annotated[str, StringConstraints(strip_whitespace=True, pattern=r"^[A-Za-z0-9-]{3,40}$")]


class ChatRequest(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    customerId: Annotated[str, StringConstraints(strip_whitespace=True, max_length=64)] | None = None
    customerPhone: Annotated[str, StringConstraints(max_length=32), AfterValidator(to_e164)]
    reservationNumber: ReservationNumber
    message: Annotated[
        str, StringConstraints(strip_whitespace=True, min_length=1, max_length=MAX_MESSAGE_CHARS)
    ]


class ChatAccepted(BaseModel):
    requestId: str
    status: str
    message: str


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
    failureReason: str | None = None
    events: list[EventView] = Field(default_factory=list)
    notification: NotificationView | None = None


def error_body(code: str, message: str, field: str | None = None) -> dict[str, Any]:
    body: dict[str, Any] = {"error": code, "message": message}
    if field is not None:
        body["field"] = field
    return body
