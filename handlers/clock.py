"""Wall-clock time in one place, so tests can move it (token expiry, late answers)."""

from __future__ import annotations

import time


def now() -> float:
    """Seconds since the epoch."""
    return time.time()
