"""What every HTTP body shares: the size limit and the error body.

Each API function's own bodies live in their own module (`chat`, `partner`, `request_status`), so a
function builds at cold start only the models it answers with.
"""

from __future__ import annotations

from typing import Any

MAX_BODY_BYTES = 16 * 1024


def error_body(code: str, message: str, field: str | None = None) -> dict[str, Any]:
    body: dict[str, Any] = {"error": code, "message": message}
    if field is not None:
        body["field"] = field
    return body
