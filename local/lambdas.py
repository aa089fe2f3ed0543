"""Run the deployed functions in this process, each invocation inside its own function's environment."""

from __future__ import annotations

import importlib
import logging
import threading
import time
import traceback
import uuid
from collections import Counter
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from handlers.settings import function_environment
from local.deploy import Deployment, LocalFunction
from local.faults import current_function

log = logging.getLogger("local.lambda")


@dataclass
class LocalLambdaContext:
    """The attributes of the Lambda context object that Powertools and our handlers read."""

    function_name: str
    invoked_function_arn: str
    memory_limit_in_mb: int
    timeout_seconds: int
    function_version: str = "$LATEST"
    aws_request_id: str = field(default_factory=lambda: str(uuid.uuid4()))
    log_group_name: str = ""
    log_stream_name: str = "local"
    _started: float = field(default_factory=time.monotonic)

    def __post_init__(self) -> None:
        self.log_group_name = self.log_group_name or f"/aws/lambda/{self.function_name}"

    def get_remaining_time_in_millis(self) -> int:
        elapsed = time.monotonic() - self._started
        return max(0, int((self.timeout_seconds - elapsed) * 1000))


@dataclass(frozen=True)
class InvocationResult:
    payload: Any
    error: dict[str, Any] | None  # Lambda's error payload: errorMessage, errorType, stackTrace


def failure_record(
    function: LocalFunction, event: Any, result: InvocationResult, attempts: int
) -> dict[str, Any]:
    """What Lambda sends an on-failure destination once an asynchronous invocation's retries ran out."""
    return {
        "version": "1.0",
        "timestamp": datetime.now(UTC).isoformat().replace("+00:00", "Z"),
        "requestContext": {
            "requestId": str(uuid.uuid4()),
            "functionArn": f"{function.arn}:$LATEST",
            "condition": "RetriesExhausted",
            "approximateInvokeCount": attempts,
        },
        "requestPayload": event,
        "responseContext": {"statusCode": 200, "executedVersion": "$LATEST", "functionError": "Unhandled"},
        "responsePayload": result.error,
    }


class FunctionNotFoundError(LookupError):
    pass


class LambdaRunner:
    """Plays the Lambda service for the functions the program declared."""

    def __init__(self, deployment: Deployment, *, async_workers: int = 8) -> None:
        self._deployment = deployment
        # Lambda queues asynchronous invocations; a bounded pool keeps a burst from starving the server.
        self._pool = ThreadPoolExecutor(max_workers=async_workers, thread_name_prefix="lambda-async")
        self._handlers: dict[str, Callable[[Any, Any], Any]] = {}
        self._import_lock = threading.Lock()
        self._count_lock = threading.Lock()
        self.invocations: Counter[str] = Counter()

    def resolve(self, reference: str) -> LocalFunction:
        """A function by name, partial ARN (`account:function:name`) or ARN, with or without qualifier."""
        parts = reference.split(":")
        if parts[0] == "arn" and len(parts) >= 7:
            name = parts[6]
        elif len(parts) >= 3 and parts[1] == "function":
            name = parts[2]
        else:
            name = parts[0]
        function = self._deployment.functions.get(name)
        if function is None or (parts[0] == "arn" and not reference.startswith(function.arn)):
            raise FunctionNotFoundError(reference)
        return function

    def invocation_counts(self) -> dict[str, int]:
        with self._count_lock:
            return dict(self.invocations)

    def reset_counts(self) -> None:
        with self._count_lock:
            self.invocations.clear()

    def invoke(self, function: LocalFunction, event: Any) -> InvocationResult:
        with self._count_lock:
            self.invocations[function.key] += 1
        context = LocalLambdaContext(
            function_name=function.name,
            invoked_function_arn=function.arn,
            memory_limit_in_mb=function.memory_mb,
            timeout_seconds=function.timeout_seconds,
        )
        started = time.monotonic()
        try:
            handler = self._handler(function)
            calling = current_function.set(function.key)  # whose AWS calls these are (fault injection)
            try:
                with function_environment(function.environment):
                    payload = handler(event, context)
            finally:
                current_function.reset(calling)
        except Exception as exc:
            log.exception("function %s failed", function.logical_name)
            return InvocationResult(None, _error_payload(exc))
        elapsed = time.monotonic() - started
        if elapsed > function.timeout_seconds:
            # Threads cannot be stopped mid-call; say loudly what AWS would have cut off.
            log.warning(
                "function %s ran %.1f s, longer than its %d s timeout: AWS would have stopped it",
                function.logical_name,
                elapsed,
                function.timeout_seconds,
            )
        return InvocationResult(payload, None)

    def invoke_async(self, function: LocalFunction, event: Any) -> None:
        self._pool.submit(self._invoke_with_retries, function, event)

    def _invoke_with_retries(self, function: LocalFunction, event: Any) -> None:
        # Lambda retries a failed asynchronous invocation (after 1 and 2 minutes); seconds here.
        attempts = function.async_retries + 1
        for attempt in range(attempts):
            if attempt:
                time.sleep(attempt)
            result = self.invoke(function, event)
            if result.error is None:
                return
        if function.on_failure is None:
            log.error("function %s failed %d time(s); the event is dropped", function.key, attempts)
            return
        log.error("function %s failed %d time(s); sent to its on-failure destination", function.key, attempts)
        destination = self.resolve(function.on_failure)
        self._pool.submit(
            self._invoke_with_retries, destination, failure_record(function, event, result, attempts)
        )

    def shutdown(self) -> None:
        self._pool.shutdown(wait=False, cancel_futures=True)

    def _handler(self, function: LocalFunction) -> Callable[[Any, Any], Any]:
        cached = self._handlers.get(function.name)
        if cached is not None:
            return cached
        module_name, _, attribute = function.handler.rpartition(".")
        module_path = module_name.replace(".", "/")
        if function.code_paths is not None and not (
            f"{module_path}.py" in function.code_paths or f"{module_path}/__init__.py" in function.code_paths
        ):
            raise ImportModuleError(
                f"Unable to import module '{module_name}': not in the function's code archive"
            )
        with self._import_lock:  # concurrent first imports of one module can see it half-initialised
            try:
                module = importlib.import_module(module_name)
            except ImportError as exc:
                raise ImportModuleError(f"Unable to import module '{module_name}': {exc}") from exc
        handler = getattr(module, attribute, None)
        if not callable(handler):
            raise HandlerNotFoundError(f"Handler '{attribute}' missing on module '{module_name}'")
        self._handlers[function.name] = handler
        return handler


class ImportModuleError(Exception):
    """Named like Lambda's `Runtime.ImportModuleError`."""


class HandlerNotFoundError(Exception):
    """Named like Lambda's `Runtime.HandlerNotFound`."""


def _error_payload(exc: BaseException) -> dict[str, Any]:
    error_type = type(exc).__name__
    if isinstance(exc, ImportModuleError):
        error_type = "Runtime.ImportModuleError"
    elif isinstance(exc, HandlerNotFoundError):
        error_type = "Runtime.HandlerNotFound"
    return {
        "errorMessage": str(exc),
        "errorType": error_type,
        "stackTrace": traceback.format_exception(exc)[1:],
    }
