"""`POST /verify` and `POST /verify/confirm` bodies (extra fields refused) and their answers."""

from __future__ import annotations

from typing import Annotated

from pydantic import AfterValidator, BaseModel, ConfigDict, StringConstraints

from handlers.models.chat import ReservationNumber
from handlers.models.phone import to_e164


class VerifyRequest(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    reservationNumber: ReservationNumber
    customerPhone: Annotated[str, StringConstraints(max_length=32), AfterValidator(to_e164)]


class VerifyConfirm(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    reservationNumber: ReservationNumber
    customerPhone: Annotated[str, StringConstraints(max_length=32), AfterValidator(to_e164)]
    code: Annotated[str, StringConstraints(strip_whitespace=True, pattern=r"^[0-9]{6}$")]


class VerifyAccepted(BaseModel):
    message: str


class CustomerTokenAnswer(BaseModel):
    customerToken: str
    expiresAt: str  # ISO 8601 UTC, like every time the API answers with
