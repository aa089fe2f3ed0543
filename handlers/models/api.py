"""What every HTTP body shares: the size limit, the error body and the checks of hand-built answers.

Each API function's own bodies live in their own module (`chat`, `partner`, `request_status`), so a
function builds at cold start only the models it parses with. Answers are typed dicts, not pydantic
models: building a model costs a cold start more than the answer is worth (`make bench`, first call).
"""

from __future__ import annotations

from typing import Any

MAX_BODY_BYTES = 16 * 1024


def optional_text(value: Any, name: str) -> str | None:
    """A stored value an answer shows as text or null. Anything else is broken data, our bug (a 500), as
    the answer models refused it before answers were built by hand."""
    if value is None or isinstance(value, str):
        return value
    raise TypeError(f"{name} is stored as {type(value).__name__}, not text")


def error_body(code: str, message: str, field: str | None = None) -> dict[str, Any]:
    body: dict[str, Any] = {"error": code, "message": message}
    if field is not None:
        body["field"] = field
    return body
