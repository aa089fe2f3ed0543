"""`LOG_FORMAT=pretty`: one readable line per log event instead of the JSON CloudWatch receives.

    03:41:01.627  api-intake             INFO     request created                          req 19460dd3
    03:41:01.650  -                      METRIC   RequestCreated=1

Function log lines (Powertools JSON) and metric lines (CloudWatch embedded metric format) are rewritten;
everything else (the runtime's own messages) passes through unchanged.
"""

from __future__ import annotations

import json
import re
import threading
from datetime import UTC, datetime
from typing import Any, TextIO

FORMATS = ("json", "pretty")
# Pulumi's auto-name suffix and a "-function" role: api-intake-6a1b2c3 -> api-intake
_SUFFIX = re.compile(r"-[0-9a-f]{7}$")
_FUNCTION_ROLE = re.compile(r"-function$")


def _clock(value: Any) -> str:
    """HH:MM:SS.mmm in this machine's time zone, from Powertools' timestamp or epoch milliseconds."""
    try:
        if isinstance(value, int | float):
            at = datetime.fromtimestamp(value / 1000, UTC)
        else:
            at = datetime.strptime(str(value), "%Y-%m-%d %H:%M:%S,%f%z")
    except (ValueError, OverflowError, OSError):
        return str(value or "")[:23]
    return at.astimezone().strftime("%H:%M:%S.%f")[:-3]


def _function(entry: dict[str, Any]) -> str:
    name = str(entry.get("function_name") or "-")
    return _FUNCTION_ROLE.sub("", _SUFFIX.sub("", name))


def _short_id(entry: dict[str, Any]) -> str:
    """The customer's request id when the line has one (it ties a flow together), else Lambda's."""
    for key in ("requestId", "correlation_id", "function_request_id"):
        value = entry.get(key)
        if value:
            return f"req {str(value)[:8]}"
    return ""


def _metric_line(entry: dict[str, Any]) -> str:
    names = [
        str(metric.get("Name"))
        for directive in entry["_aws"].get("CloudWatchMetrics", [])
        for metric in directive.get("Metrics", [])
    ]
    values = []
    for name in names:
        value = entry.get(name)
        if isinstance(value, list):
            value = sum(value)
        if isinstance(value, float) and value.is_integer():
            value = int(value)
        values.append(f"{name}={value}")
    clock = _clock(entry["_aws"].get("Timestamp"))
    return f"{clock:12}  {_function(entry):21}  {'METRIC':8} {' '.join(values)}".rstrip()


def pretty_line(line: str) -> str:
    """One readable line for one JSON log or metric line; any other text unchanged."""
    text = line.strip()
    if not text.startswith("{"):
        return line
    try:
        entry = json.loads(text)
    except ValueError:
        return line
    if not isinstance(entry, dict):
        return line
    if isinstance(entry.get("_aws"), dict):
        return _metric_line(entry)
    if "level" not in entry or "message" not in entry:
        return line
    message = " ".join(str(entry["message"]).split())
    if entry.get("exception_name"):
        message += f" [{entry['exception_name']}]"
    level = str(entry["level"])
    clock = _clock(entry.get("timestamp"))
    return f"{clock:12}  {_function(entry):21}  {level:8} {message:40} {_short_id(entry)}".rstrip()


class PrettyLines:
    """A stdout that rewrites each complete line with `pretty_line`; lines from threads never interleave."""

    def __init__(self, target: TextIO) -> None:
        self._target = target
        self._lock = threading.Lock()
        self._pending = threading.local()

    def write(self, text: str) -> int:
        buffered = getattr(self._pending, "text", "") + text
        *lines, rest = buffered.split("\n")
        self._pending.text = rest
        if lines:
            with self._lock:
                for line in lines:
                    self._target.write(pretty_line(line) + "\n")
                self._target.flush()
        return len(text)

    def flush(self) -> None:
        self._target.flush()

    def __getattr__(self, name: str) -> Any:  # encoding, isatty, fileno: the real stream's
        return getattr(self._target, name)
