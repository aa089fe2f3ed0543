"""Logging and metrics for every function, created on first use (no env read, no client at import).

Logs are JSON with the requestId as correlation id. Whatever a log line carries, phone numbers are
masked and anything shaped like a link token is replaced before the line is written: the scrubbing
works on the serialised line, so a value slipped into `extra=` or an exception message is caught too.
"""

from __future__ import annotations

import logging
import os
import re
import sys
from collections.abc import Callable
from functools import lru_cache, wraps
from typing import Any, TypeVar

from aws_lambda_powertools import Logger, Metrics
from aws_lambda_powertools.logging.formatter import LambdaPowertoolsFormatter
from aws_lambda_powertools.metrics import MetricUnit

from handlers import clock

SERVICE = "partner-confirm"
NAMESPACE = "PartnerConfirm"

# Separators as people type them (spaces, hyphens, dots, brackets); digits must start a number.
_SEP = r"[\s.\-()]{0,3}"
# Not inside a run of ASCII letters, digits and hyphens: a request id such as `da018196-0845-...` is no phone.
_PHONE = re.compile(
    rf"(?<![0-9A-Za-z+-])(?:\+?82{_SEP}(?:0{_SEP})?|\(?0)(1[016789]){_SEP}(\d{{3,4}}){_SEP}(\d{{2}})(\d{{2}})"
    r"(?!-?[0-9A-Za-z])"
)
# A token starts after any non-token character, or right after a JSON escape such as `\n` in a traceback.
_TOKEN = re.compile(r"(?:(?<![A-Za-z0-9_-])|(?<=\\[nrt]))[A-Za-z0-9_-]{43}(?![A-Za-z0-9_-])")


def scrub(text: str) -> str:
    """Mask phone numbers (keep the last two digits) and drop link-token-shaped strings."""
    text = _TOKEN.sub("[token]", text)
    return _PHONE.sub(lambda m: "+82-1*-****-**" + m.group(4), text)


class ScrubbingFormatter(LambdaPowertoolsFormatter):
    def serialize(self, log: dict[str, Any]) -> str:  # type: ignore[override]
        return scrub(super().serialize(log))


class _CurrentStdout:
    """Writes to whatever `sys.stdout` is now, so a cached logger follows test capture too."""

    def write(self, text: str) -> int:
        return sys.stdout.write(text)

    def flush(self) -> None:
        sys.stdout.flush()


# The AWS SDK logs whole requests and answers at DEBUG (link tokens, task tokens, phone numbers, customers'
# text); Lambda's runtime hands the root logger's records to CloudWatch. These loggers stay at WARNING
# whatever the function's level.
SDK_LOGGERS = ("botocore", "boto3", "urllib3", "s3transfer")
_LEVELS = {
    "DEBUG": logging.DEBUG,
    "INFO": logging.INFO,
    "WARN": logging.WARNING,
    "WARNING": logging.WARNING,
    "ERROR": logging.ERROR,
    "CRITICAL": logging.CRITICAL,
    "FATAL": logging.CRITICAL,
}


def quiet_sdk_loggers() -> None:
    for name in SDK_LOGGERS:
        logging.getLogger(name).setLevel(logging.WARNING)


@lru_cache(maxsize=1)
def logger() -> Logger:
    quiet_sdk_loggers()
    log = Logger(service=SERVICE, logger_formatter=ScrubbingFormatter(), stream=_CurrentStdout())  # type: ignore[arg-type]
    # Lambda filters at most at INFO (metric lines carry no level; see `components/functions.py`), and
    # Powertools would follow Lambda's level over `POWERTOOLS_LOG_LEVEL`: the stricter of the two applies.
    # Set on every creation: Powertools configures a process's logger only once.
    levels = [
        _LEVELS.get(os.environ.get(name, "").upper())
        for name in ("AWS_LAMBDA_LOG_LEVEL", "POWERTOOLS_LOG_LEVEL")
    ]
    chosen = [level for level in levels if level is not None]
    logging.getLogger(SERVICE).setLevel(max(chosen) if chosen else logging.INFO)
    return log


@lru_cache(maxsize=1)
def metrics() -> Metrics:
    return Metrics(namespace=NAMESPACE, service=SERVICE)


def count(name: str, **properties: str) -> None:
    """One lifecycle event; properties (e.g. the answer kind) go into the metric record, not dimensions."""
    recorder = metrics()
    recorder.add_metric(name=name, unit=MetricUnit.Count, value=1)
    for key, value in properties.items():
        recorder.add_metadata(key=key, value=value)


def measure(name: str, value: float, unit: MetricUnit) -> None:
    metrics().add_metric(name=name, unit=unit, value=value)


def flush_metrics() -> None:
    """Publish this invocation's metrics (EMF on stdout); an invocation without any publishes nothing."""
    recorder = metrics()
    if recorder.metric_set:
        recorder.flush_metrics()
    else:
        recorder.clear_metrics()


_cold = {"start": True}  # this execution environment has not served an invocation yet


def _count_cold_start(context: Any) -> None:
    """Powertools' `ColdStart` metric (its own record, dimensions function_name and service), once."""
    if _cold["start"]:
        _cold["start"] = False
        metrics().provider.add_cold_start_metric(context=context)


def reset_observability() -> None:
    logger.cache_clear()
    metrics.cache_clear()
    _cold["start"] = True


Handler = TypeVar("Handler", bound=Callable[..., Any])


def _bind_invocation(event: Any, context: Any, correlation_id_path: str | None) -> None:
    """What Powertools' `inject_lambda_context` adds to every line, kept per thread instead of per logger.

    Lambda runs one invocation per environment, but the local runtime runs many at once in one process
    with one logger: keys kept on the logger itself (`append_keys`) would name another invocation's
    function and correlation id.
    """
    from aws_lambda_powertools.logging.lambda_context import build_lambda_context_model
    from aws_lambda_powertools.utilities import jmespath_utils

    keys: dict[str, Any] = {"cold_start": _cold["start"], **build_lambda_context_model(context).__dict__}
    if correlation_id_path:
        keys["correlation_id"] = jmespath_utils.query(envelope=correlation_id_path, data=event)
    log = logger()
    log.thread_safe_clear_keys()
    log.thread_safe_append_keys(**keys)


def append_keys(**keys: Any) -> None:
    """Add keys to this invocation's log lines (never to another's running at the same time)."""
    logger().thread_safe_append_keys(**keys)


def set_correlation_id(value: str | None) -> None:
    append_keys(correlation_id=value)


def instrumented(correlation_id_path: str | None = None) -> Callable[[Handler], Handler]:
    """Logger context (with correlation id), the cold-start metric, and one metrics flush per invocation."""

    def decorate(handler: Handler) -> Handler:
        @wraps(handler)
        def run(event: Any, context: Any) -> Any:
            # Events are never logged, whatever POWERTOOLS_LOGGER_LOG_EVENT says: they carry customers' words.
            _bind_invocation(event, context, correlation_id_path)
            quiet_sdk_loggers()
            _count_cold_start(context)
            remaining = getattr(context, "get_remaining_time_in_millis", None)
            clock.set_deadline(remaining() if callable(remaining) else None)
            try:
                return handler(event, context)
            finally:
                clock.set_deadline(None)
                flush_metrics()

        return run  # type: ignore[return-value]

    return decorate
