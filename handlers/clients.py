"""boto3 clients, created on first use and cached per (service, region, settings).

Nothing is created at import, so moto can start first and a cold start pays only for the clients the
function really uses. Keying on the settings means the local runtime, which runs every function in one
process with its own environment, never reuses a client built for another function's configuration.
"""

from __future__ import annotations

from functools import lru_cache
from typing import Any

import boto3
from botocore.config import Config

from handlers.settings import Settings

# Lex answers a customer who is waiting: 3 s in all, no retry (the default intent is the fallback).
LEX_CONFIG = Config(connect_timeout=1, read_timeout=2, retries={"total_max_attempts": 1, "mode": "standard"})
# Bedrock writes a message the template can replace: a few seconds, and one retry (botocore's standard mode:
# throttling, 5xx, a lost connection, after a jittered wait of at most 1 s), since a throttled Converse is
# common and recovers (issue 11: transient errors are retried where they happen). Two attempts, 15 s at
# worst, fit the notification function's 30 s with the store's work; a call that only costs tokens is safe
# to repeat.
BEDROCK_CONFIG = Config(
    connect_timeout=2, read_timeout=5, retries={"total_max_attempts": 2, "mode": "standard"}
)
# Bedrock settling an intent Lex was unsure of: the customer is still waiting, so 3 s in all, no retry.
INTENT_TIE_BREAK_CONFIG = Config(
    connect_timeout=1, read_timeout=2, retries={"total_max_attempts": 1, "mode": "standard"}
)
# Our own retries (SMS, callbacks once) are explicit in the code; botocore adds none on top.
NO_RETRY_CONFIG = Config(retries={"total_max_attempts": 1, "mode": "standard"})
# Starting the workflow: botocore's standard retries (throttling, 5xx, connection errors; jittered
# exponential backoff, at most 1 s, 2 s, 4 s) inside each of `Workflow.start`'s two tries. A retry after a
# lost answer is safe: the execution is named after the request, so AWS answers a second start with the
# same name and input as the first while it runs, and `ExecutionAlreadyExists` once it ended.
START_EXECUTION_CONFIG = Config(retries={"total_max_attempts": 4, "mode": "standard"})
# A publish that times out may still have texted the partner, so it is never repeated (see
# `handlers/adapters/sms.py`); short timeouts keep every attempt inside the SMS task's time.
SNS_CONNECT_TIMEOUT_SECONDS = 2
SNS_READ_TIMEOUT_SECONDS = 5
SNS_CONFIG = Config(
    connect_timeout=SNS_CONNECT_TIMEOUT_SECONDS,
    read_timeout=SNS_READ_TIMEOUT_SECONDS,
    retries={"total_max_attempts": 1, "mode": "standard"},
)
# The store retries transient errors itself within the invocation's time (`handlers/store/retry.py`);
# botocore makes a few quick attempts of its own first, as it does by default.
DYNAMODB_CONFIG = Config(retries={"total_max_attempts": 3, "mode": "standard"})

_CONFIGS: dict[str, Config | None] = {
    "dynamodb": DYNAMODB_CONFIG,
    "lambda": None,
    "ssm": None,
    "stepfunctions": NO_RETRY_CONFIG,
    "sns": SNS_CONFIG,
    "lexv2-runtime": LEX_CONFIG,
    "bedrock-runtime": BEDROCK_CONFIG,
}


@lru_cache(maxsize=64)
def _client(service: str, region: str | None, settings: Settings) -> Any:
    del settings  # part of the cache key only
    return boto3.client(service, region_name=region, config=_CONFIGS.get(service))


def client(service: str, settings: Settings, region: str | None = None) -> Any:
    return _client(service, region, settings)


@lru_cache(maxsize=32)
def _parameters(settings: Settings) -> Any:
    # Imported on first use: only the functions that read a secret pay for Powertools Parameters.
    from aws_lambda_powertools.utilities.parameters import SSMProvider

    return SSMProvider(boto3_client=_client("ssm", None, settings))


def parameters(settings: Settings) -> Any:
    """Powertools' SSM provider on this function's client; its cache lives as long as the function."""
    return _parameters(settings)


@lru_cache(maxsize=8)
def intent_tie_break_client(settings: Settings) -> Any:
    """The Bedrock client of the intent tie-break, with its own short budget (`INTENT_TIE_BREAK_CONFIG`)."""
    del settings  # part of the cache key only
    return boto3.client("bedrock-runtime", config=INTENT_TIE_BREAK_CONFIG)


@lru_cache(maxsize=8)
def workflow_start_client(settings: Settings) -> Any:
    """The Step Functions client that starts executions (`START_EXECUTION_CONFIG`); callbacks keep theirs."""
    del settings  # part of the cache key only
    return boto3.client("stepfunctions", config=START_EXECUTION_CONFIG)


def reset_clients() -> None:
    """Forget cached clients and cached parameters (tests start a fresh moto between cases)."""
    _client.cache_clear()
    _parameters.cache_clear()
    intent_tie_break_client.cache_clear()
    workflow_start_client.cache_clear()
