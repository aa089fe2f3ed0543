"""`POST /chat` bodies: what the customer sends (extra fields refused) and the 202 answer."""

from __future__ import annotations

from typing import Annotated, TypedDict

from pydantic import AfterValidator, BaseModel, ConfigDict, StringConstraints

from handlers.models.phone import to_e164

MAX_MESSAGE_CHARS = 1000


# Trimmed and upper-cased: reservation numbers are matched case-insensitively (`rsv-…` finds `RSV-…`).
ReservationNumber = Annotated[
    str,
    StringConstraints(strip_whitespace=True, pattern=r"^[A-Za-z0-9-]{3,40}$"),
    AfterValidator(str.upper),
]


class ChatRequest(BaseModel):
    # Built on first use: the verification function imports this module for its field types only.
    model_config = ConfigDict(extra="forbid", frozen=True, defer_build=True)

    customerId: Annotated[str, StringConstraints(strip_whitespace=True, max_length=64)] | None = None
    customerPhone: Annotated[str, StringConstraints(max_length=32), AfterValidator(to_e164)]
    reservationNumber: ReservationNumber
    message: Annotated[
        str, StringConstraints(strip_whitespace=True, min_length=1, max_length=MAX_MESSAGE_CHARS)
    ]


class ChatAccepted(TypedDict):
    requestId: str
    status: str
    message: str
