"""Transient DynamoDB errors retried where they happen: in every store call, transactions included.

botocore retries throttling and 5xx of a single call a few times, but not a `TransactionCanceledException`
whose reasons are throttling or a conflict with another transaction: nothing was written then, and the
same call is worth making again. This wrapper retries all of them (and connection errors and timeouts),
with full-jitter exponential backoff, while the invocation has time left; when the retries are spent it
raises `UnavailableError` (the API answers 503 UNAVAILABLE, a workflow task fails into its Catch).

A transaction carries one `ClientRequestToken` across its retries, so a retry after a lost answer is
idempotent: DynamoDB answers success for a token it already applied (within 10 minutes) instead of
failing the conditions it just satisfied. Single conditional writes here are safe to repeat by design.
"""

from __future__ import annotations

import random
import time
import uuid
from collections.abc import Callable
from typing import Any, Final

from botocore.exceptions import ClientError, HTTPClientError
from botocore.exceptions import ConnectionError as BotocoreConnectionError

from handlers import clock
from handlers.models.errors import UnavailableError
from handlers.observability import count, logger

OPERATIONS: Final = frozenset(
    {"get_item", "query", "put_item", "update_item", "delete_item", "transact_write_items"}
)
TRANSIENT_CODES: Final = frozenset(
    {
        "ProvisionedThroughputExceededException",
        "ThrottlingException",
        "RequestLimitExceeded",
        "InternalServerError",
        "InternalFailure",
        "ServiceUnavailable",
        "TransactionConflictException",  # a single write met a transaction on its item
        "TransactionInProgressException",  # the same ClientRequestToken is still being applied
    }
)
# Cancellation reasons that say nothing was decided: the conditions were not the reason.
TRANSIENT_REASONS: Final = frozenset(
    {"TransactionConflict", "ThrottlingError", "ProvisionedThroughputExceeded", "RequestLimitExceeded"}
)
BASE_SECONDS: Final = 0.05
CAP_SECONDS: Final = 1.0
# Time kept for answering after the last retry (the API's 503, a task's failure).
RESERVE_SECONDS: Final = 2.0
# Longest a single store call keeps retrying, whatever time the invocation has.
BUDGET_SECONDS: Final = 10.0


def transient(exc: BaseException) -> bool:
    if isinstance(exc, BotocoreConnectionError | HTTPClientError):
        return True  # refused, reset, timed out: ReadTimeoutError, EndpointConnectionError, ...
    if not isinstance(exc, ClientError):
        return False
    code = str(exc.response.get("Error", {}).get("Code", ""))
    if code in TRANSIENT_CODES:
        return True
    if code == "TransactionCanceledException":
        reasons = {str(r.get("Code", "None")) for r in exc.response.get("CancellationReasons") or []}
        return bool(reasons & TRANSIENT_REASONS) and reasons <= TRANSIENT_REASONS | {"None"}
    return int(exc.response.get("ResponseMetadata", {}).get("HTTPStatusCode", 0)) >= 500


class RetryingClient:
    """Wraps a DynamoDB client: its data calls retry transient errors; everything else passes through."""

    def __init__(
        self,
        client: Any,
        *,
        sleep: Callable[[float], None] = time.sleep,
        jitter: Callable[[], float] = random.random,
        remaining: Callable[[], float | None] = clock.remaining_seconds,
    ) -> None:
        self._client = client
        self._sleep = sleep
        self._jitter = jitter
        self._remaining = remaining

    def __getattr__(self, name: str) -> Any:
        attribute = getattr(self._client, name)
        if name not in OPERATIONS:
            return attribute

        def call(**kwargs: Any) -> Any:
            if name == "transact_write_items":
                kwargs.setdefault("ClientRequestToken", uuid.uuid4().hex)
            return self._retried(name, attribute, kwargs)

        return call

    def _budget(self) -> float:
        remaining = self._remaining()
        if remaining is None:
            return BUDGET_SECONDS
        return max(0.0, min(BUDGET_SECONDS, remaining - RESERVE_SECONDS))

    def _retried(self, name: str, operation: Callable[..., Any], kwargs: dict[str, Any]) -> Any:
        started = time.monotonic()
        budget = self._budget()
        attempt = 0
        while True:
            try:
                return operation(**kwargs)
            except Exception as exc:
                if not transient(exc):
                    raise
                attempt += 1
                delay = self._jitter() * min(CAP_SECONDS, BASE_SECONDS * 2**attempt)
                if time.monotonic() - started + delay > budget:
                    count("StoreUnavailable")
                    logger().error(
                        "store call still failing after its retries",
                        extra={"operation": name, "attempts": attempt, "error": _code(exc)},
                    )
                    raise UnavailableError(f"{name} failed {attempt} times: {_code(exc)}") from exc
                logger().info(
                    "store call retried", extra={"operation": name, "attempt": attempt, "error": _code(exc)}
                )
                self._sleep(delay)


def _code(exc: BaseException) -> str:
    if isinstance(exc, ClientError):
        return str(exc.response.get("Error", {}).get("Code", ""))
    return type(exc).__name__
