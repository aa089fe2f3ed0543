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
# Bedrock writes a message the template can replace: a few seconds, no retry.
BEDROCK_CONFIG = Config(
    connect_timeout=2, read_timeout=5, retries={"total_max_attempts": 1, "mode": "standard"}
)
# Our own retries (SMS twice, callbacks once) are explicit in the code; botocore adds none on top.
NO_RETRY_CONFIG = Config(retries={"total_max_attempts": 1, "mode": "standard"})

_CONFIGS: dict[str, Config | None] = {
    "dynamodb": None,
    "lambda": None,
    "stepfunctions": NO_RETRY_CONFIG,
    "sns": NO_RETRY_CONFIG,
    "lexv2-runtime": LEX_CONFIG,
    "bedrock-runtime": BEDROCK_CONFIG,
}


@lru_cache(maxsize=64)
def _client(service: str, region: str | None, settings: Settings) -> Any:
    del settings  # part of the cache key only
    return boto3.client(service, region_name=region, config=_CONFIGS.get(service))


def client(service: str, settings: Settings, region: str | None = None) -> Any:
    return _client(service, region, settings)


def reset_clients() -> None:
    """Forget cached clients (tests start a fresh moto between cases)."""
    _client.cache_clear()
