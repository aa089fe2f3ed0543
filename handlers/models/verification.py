"""`POST /verify` and `POST /verify/confirm` bodies (extra fields refused) and their answers."""

from __future__ import annotations

from typing import Annotated, TypedDict

from pydantic import AfterValidator, BaseModel, ConfigDict, StringConstraints

from handlers.models.chat import ReservationNumber
from handlers.models.phone import to_e164


class VerifyRequest(BaseModel):
    # Built on first use: each route parses one of the two bodies.
    model_config = ConfigDict(extra="forbid", frozen=True, defer_build=True)

    reservationNumber: ReservationNumber
    customerPhone: Annotated[str, StringConstraints(max_length=32), AfterValidator(to_e164)]


class VerifyConfirm(BaseModel):
    # Built on first use: each route parses one of the two bodies.
    model_config = ConfigDict(extra="forbid", frozen=True, defer_build=True)

    reservationNumber: ReservationNumber
    customerPhone: Annotated[str, StringConstraints(max_length=32), AfterValidator(to_e164)]
    code: Annotated[str, StringConstraints(strip_whitespace=True, pattern=r"^[0-9]{6}$")]


class VerifyAccepted(TypedDict):
    message: str


class CustomerTokenAnswer(TypedDict):
    customerToken: str
    expiresAt: str  # ISO 8601 UTC, like every time the API answers with
