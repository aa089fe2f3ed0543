"""Fault injection for the local runtime: make the functions' AWS calls fail on purpose (`/_local/faults`).

Faults are applied where the functions make their AWS calls: a botocore `before-send` hook on boto3's
default session, from which every handler client is made. The hook sees each HTTP attempt, so botocore's
own retries and the handlers' retries meet a fault exactly as they would meet AWS failing: a fault with
`times: 3` fails three attempts, whichever code makes them. Handlers know nothing about it, and only
calls made inside a function invocation are touched (never the runtime's own, nor the emulator's).

    {"operation": "dynamodb.TransactWriteItems" | "dynamodb.*",
     "error": "ThrottlingException" | "InternalServerError" | "timeout",
     "times": N | "seconds": S,
     "function": "<function key>"}            # optional: only that function's calls

`ThrottlingException` and `InternalServerError` answer in the service's own protocol (400 / 500: an XML
error for query services such as SNS, a JSON one for the others) without reaching the emulator.
`timeout` lets the call reach the emulator (it takes effect) and loses the answer: botocore raises
`ReadTimeoutError`, as when AWS did the work but the reply never arrived. The notifier's Bedrock calls are
`bedrock-runtime.Converse` (they reach the runtime's stand-in with `BEDROCK=stand-in`, `local/converse.py`).
"""

from __future__ import annotations

import contextvars
import itertools
import json
import re
import threading
import time
from dataclasses import dataclass
from typing import Any

ERRORS = ("ThrottlingException", "InternalServerError", "timeout")
# botocore names services by service id in its events; people read signing names in /_local/calls.
_SERVICE_IDS = {"sfn": "states"}
_OPERATION = re.compile(r"^(?P<service>[a-z0-9-]+)\.(?P<operation>\*|[A-Za-z0-9]+)$")

current_function: contextvars.ContextVar[str | None] = contextvars.ContextVar(
    "current_function", default=None
)


class FaultError(ValueError):
    """A fault request that cannot be applied; the message says why (in Korean, like the API)."""

    def __init__(self, message: str, field: str) -> None:
        super().__init__(message)
        self.field = field


@dataclass
class Fault:
    id: int
    operation: str
    error: str
    function: str | None
    times: int | None
    until: float | None  # time.monotonic() deadline
    seconds: float | None
    hits: int = 0

    def matches(self, operation: str, function: str | None) -> bool:
        service, _, name = self.operation.partition(".")
        wanted_service, _, wanted_name = operation.partition(".")
        if service != wanted_service or name not in ("*", wanted_name):
            return False
        return self.function is None or self.function == function

    def active(self, now: float) -> bool:
        if self.times is not None:
            return self.times > 0
        return self.until is not None and now < self.until

    def describe(self, now: float) -> dict[str, Any]:
        described: dict[str, Any] = {
            "id": self.id,
            "operation": self.operation,
            "error": self.error,
            "function": self.function,
            "hits": self.hits,
        }
        if self.times is not None:
            described["times"] = self.times  # attempts it will still fail
        else:
            described["seconds"] = self.seconds
            described["remainingSeconds"] = round(max(0.0, (self.until or now) - now), 3)
        return described


def _canonical(operation: str) -> str:
    service, _, name = operation.partition(".")
    return f"{_SERVICE_IDS.get(service, service)}.{name}"


class FaultBook:
    """The active faults, shared by the `/_local/faults` route and the botocore hook."""

    def __init__(self, function_keys: set[str] | None = None) -> None:
        self._lock = threading.Lock()
        self._faults: list[Fault] = []
        self._ids = itertools.count(1)
        self.function_keys = function_keys

    def add(self, spec: Any) -> dict[str, Any]:
        fault = self._parse(spec)
        with self._lock:
            self._faults.append(fault)
            return fault.describe(time.monotonic())

    def active(self) -> list[dict[str, Any]]:
        now = time.monotonic()
        with self._lock:
            self._faults = [f for f in self._faults if f.active(now)]
            return [f.describe(now) for f in self._faults]

    def clear(self) -> None:
        with self._lock:
            self._faults.clear()

    def take(self, operation: str, function: str | None) -> str | None:
        """The error to inject into this attempt, if an active fault covers it (and count the hit)."""
        if function is None:
            return None
        now = time.monotonic()
        with self._lock:
            for fault in self._faults:
                if fault.active(now) and fault.matches(operation, function):
                    fault.hits += 1
                    if fault.times is not None:
                        fault.times -= 1
                    return fault.error
        return None

    def _parse(self, spec: Any) -> Fault:
        if not isinstance(spec, dict):
            raise FaultError("JSON 객체를 보내 주세요", "body")
        unknown = set(spec) - {"operation", "error", "times", "seconds", "function"}
        if unknown:
            raise FaultError(f"알 수 없는 항목입니다: {', '.join(sorted(unknown))}", sorted(unknown)[0])
        operation = spec.get("operation")
        if not isinstance(operation, str) or not _OPERATION.match(operation):
            raise FaultError(
                "operation은 'service.Operation' 또는 'service.*' 형식이어야 합니다", "operation"
            )
        error = spec.get("error")
        if error not in ERRORS:
            raise FaultError(f"error는 {', '.join(ERRORS)} 중 하나여야 합니다", "error")
        times, seconds = spec.get("times"), spec.get("seconds")
        if (times is None) == (seconds is None):
            raise FaultError("times와 seconds 중 하나만 보내 주세요", "times")
        if times is not None and (isinstance(times, bool) or not isinstance(times, int) or times < 1):
            raise FaultError("times는 1 이상의 정수여야 합니다", "times")
        if seconds is not None and (
            isinstance(seconds, bool) or not isinstance(seconds, int | float) or not 0 < seconds <= 86400
        ):
            raise FaultError("seconds는 0보다 크고 86400 이하인 숫자여야 합니다", "seconds")
        function = spec.get("function")
        if function is not None and (
            not isinstance(function, str)
            or (self.function_keys is not None and function not in self.function_keys)
        ):
            known = ", ".join(sorted(self.function_keys or ()))
            raise FaultError(f"function은 배포된 함수 키 중 하나여야 합니다: {known}", "function")
        return Fault(
            id=next(self._ids),
            operation=_canonical(operation),
            error=str(error),
            function=function,
            times=times,
            until=None if seconds is None else time.monotonic() + float(seconds),
            seconds=None if seconds is None else float(seconds),
        )


class _Body:
    """The `raw` of a botocore AWSResponse: something with `stream()`."""

    def __init__(self, body: bytes) -> None:
        self._body = body

    def stream(self, **_: Any) -> Any:
        yield self._body


def _error_response(request: Any, error: str) -> Any:
    from botocore.awsrequest import AWSResponse

    status = 400 if error == "ThrottlingException" else 500
    message = "injected by the local runtime (/_local/faults)"
    headers = {"x-amzn-RequestId": "local-fault", "x-amzn-ErrorType": error}
    content_type = request.headers.get("Content-Type", "")
    if isinstance(content_type, bytes):  # botocore keeps some header values as bytes
        content_type = content_type.decode("latin-1")
    if content_type.startswith("application/x-www-form-urlencoded"):
        body = (
            f"<ErrorResponse><Error><Type>{'Sender' if status == 400 else 'Receiver'}</Type>"
            f"<Code>{error}</Code><Message>{message}</Message></Error>"
            "<RequestId>local-fault</RequestId></ErrorResponse>"
        ).encode()
        headers["Content-Type"] = "text/xml"
    else:
        body = json.dumps({"__type": error, "message": message, "Message": message}).encode()
        headers["Content-Type"] = "application/x-amz-json-1.0"
    return AWSResponse(request.url, status, headers, _Body(body))


def hook(book: FaultBook) -> Any:
    """The botocore `before-send` handler that applies the book's faults to each HTTP attempt."""
    from botocore.exceptions import ReadTimeoutError

    def before_send(request: Any, event_name: str, **_: Any) -> Any:
        _event, service_id, operation_name = event_name.split(".", 2)
        operation = f"{_SERVICE_IDS.get(service_id, service_id)}.{operation_name}"
        error = book.take(operation, current_function.get())
        if error is None:
            return None
        if error == "timeout":
            from botocore.httpsession import URLLib3Session

            URLLib3Session().send(request)  # the call takes effect; its answer is lost
            raise ReadTimeoutError(endpoint_url=request.url)
        return _error_response(request, error)

    return before_send


def install(book: FaultBook) -> None:
    """Hook the faults into boto3's default session (before any handler makes a client)."""
    import boto3

    session = boto3._get_default_session()  # what boto3.client(...) in the handlers uses
    session.events.register("before-send", hook(book), unique_id="local-faults")
