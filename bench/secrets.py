"""The link keyring read on a cold start: what a function pays the first time it needs the key.

In a fresh process with the handler module already imported (its import is the cold-start row above), the
first read imports Powertools Parameters, creates the SSM client and calls `GetParameter` with decryption
(on moto, so the network part is the emulator's, not AWS's); the second read, within the cache age, must
make no call at all.
"""

from __future__ import annotations

import json
import statistics
import subprocess
import sys
from dataclasses import dataclass

from bench.coldstart import ROOT

WARM_CALLS_TARGET = 0

_PROBE = """
import json, os, time
os.environ.update(AWS_ACCESS_KEY_ID="bench", AWS_SECRET_ACCESS_KEY="bench",
                  AWS_DEFAULT_REGION="ap-northeast-2", POWERTOOLS_LOG_LEVEL="ERROR",
                  LINK_KEY_PARAMETER="/partner-confirm/bench/link-signing-key")
import boto3, botocore.client
from moto import mock_aws
import handlers.partner_response  # the function's own import, paid before the first request
from handlers import wiring
from handlers.models.keyring import initial_document
from handlers.settings import get_settings

calls = []
original = botocore.client.BaseClient._make_api_call
def counted(client, operation, params):
    calls.append(operation)
    return original(client, operation, params)

with mock_aws():
    key = boto3.client("kms").create_key()["KeyMetadata"]["Arn"]
    boto3.client("ssm").put_parameter(Name=os.environ["LINK_KEY_PARAMETER"], Type="SecureString", KeyId=key,
                                      Value=json.dumps(initial_document("YmVuY2gtbGluay1rZXktMzItYnl0ZXMtbG9uZy4uLi4=")))
    botocore.client.BaseClient._make_api_call = counted
    settings = get_settings()
    start = time.perf_counter()
    wiring.link_keys(settings)
    cold = time.perf_counter() - start
    cold_calls = list(calls)
    calls.clear()
    start = time.perf_counter()
    wiring.link_keys(settings)
    warm = time.perf_counter() - start
print(json.dumps({"cold": cold, "warm": warm, "coldCalls": cold_calls, "warmCalls": list(calls)}))
"""


@dataclass(frozen=True)
class SecretRead:
    cold_seconds: float
    warm_seconds: float
    cold_calls: tuple[str, ...]
    warm_calls: tuple[str, ...]


def measure(runs: int = 5) -> SecretRead:
    samples = []
    for _ in range(runs):
        out = subprocess.run(
            [sys.executable, "-c", _PROBE],
            cwd=ROOT,
            capture_output=True,
            text=True,
            check=True,
            env={"PATH": "/usr/bin:/bin"},
        )
        samples.append(json.loads(out.stdout.strip().splitlines()[-1]))
    return SecretRead(
        cold_seconds=statistics.median(sample["cold"] for sample in samples),
        warm_seconds=statistics.median(sample["warm"] for sample in samples),
        cold_calls=tuple(samples[-1]["coldCalls"]),
        warm_calls=tuple(samples[-1]["warmCalls"]),
    )
