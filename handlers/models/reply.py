"""`POST /requests/{requestId}/reply`: the customer's answer to the time the partner proposed (issue 12)."""

from __future__ import annotations

from typing import Literal, TypedDict

from pydantic import BaseModel, ConfigDict

ReplyChoice = Literal["confirm", "decline"]
# The timeline event each choice records.
REPLY_EVENTS: dict[str, str] = {"confirm": "CustomerConfirmed", "decline": "CustomerDeclined"}


class ReplyRequest(BaseModel):
    # Built on first use: the verify function serves two other bodies.
    model_config = ConfigDict(extra="forbid", frozen=True, defer_build=True)

    choice: ReplyChoice


class ReplyAccepted(TypedDict):
    requestId: str
    choice: ReplyChoice
    message: str
