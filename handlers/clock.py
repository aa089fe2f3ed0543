"""Wall-clock time in one place, so tests can move it (token expiry, late answers)."""

from __future__ import annotations

import time
from contextvars import ContextVar
from datetime import UTC, datetime


def now() -> float:
    """Seconds since the epoch."""
    return time.time()


def iso_ms(epoch_ms: int) -> str:
    """An epoch-milliseconds time as the API answers it: ISO 8601 UTC to the millisecond, with `Z`."""
    return (
        datetime.fromtimestamp(epoch_ms / 1000, UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")
    )


# The running invocation's deadline (monotonic seconds), set by `observability.instrumented`, so code deep
# in the store can keep its retries inside the function's time without being handed the context.
_deadline: ContextVar[float | None] = ContextVar("invocation_deadline", default=None)


def set_deadline(remaining_ms: int | None) -> None:
    _deadline.set(None if remaining_ms is None else time.monotonic() + remaining_ms / 1000)


def remaining_seconds() -> float | None:
    """Seconds the invocation has left, or None outside an invocation (tests, tools)."""
    deadline = _deadline.get()
    return None if deadline is None else deadline - time.monotonic()
