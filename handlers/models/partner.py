"""Partner page answers: the link's view (`GET /confirm/{token}`) and the accepted answer (`POST /respond`).

The answer's body, a pydantic model, is `handlers.models.respond`: the partner opening the link (the
function's usual cold start) parses no body and never imports pydantic.
"""

from __future__ import annotations

from typing import TypedDict

# A proposal further ahead is a typo, and dates near year 9999 cannot even be shown in Korea time.
MAX_ALTERNATIVE_AHEAD_SECONDS = 366 * 24 * 3600


class RespondAccepted(TypedDict):
    success: bool
    message: str


class ConfirmView(TypedDict):
    """What the partner page shows: a snapshot taken when the link was issued."""

    requestId: str
    customerQuery: str
    intent: str
    reservationNumber: str
    reservationDate: str | None
    serviceType: str | None
    partnerName: str | None
    expiresAt: str
