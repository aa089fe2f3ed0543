"""AWS round trips per API call, counted on every botocore client while the real handlers run on moto.

The minimums are what the data model allows: a status read is one Query; an answer is one read of the
token, one transaction and the callback; a question is its checks (address, open
question, budget), Lex, one transaction and the hand-over.
"""

from __future__ import annotations

import json
import os
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

import botocore.client

from bench.seed import event, seed

REGION = "ap-northeast-2"
TABLE = "partner-confirm-bench"
ORCHESTRATOR = "partner-confirm-orchestrator"
RESERVATION = "R-BENCH-0001"
LINK_KEY_PARAMETER = "/partner-confirm/bench/link-signing-key"
ORIGIN_KEY_PARAMETER = "/partner-confirm/bench/origin-verify-secret"

# `POST /chat`: the address's sliding window (read, write), the open question and the SMS budget (one batch
# read), the request transaction, the hand-over; Lex (when on) comes on top.
MINIMUMS = {"POST /chat": 6, "GET /confirm/{token}": 2, "POST /respond": 3, "GET /requests/{requestId}": 1}


@dataclass(frozen=True)
class RoundTrips:
    route: str
    calls: tuple[str, ...]

    @property
    def minimum(self) -> int:
        return MINIMUMS[self.route]


@contextmanager
def watching() -> Iterator[list[str]]:
    """Every botocore call made inside the block, as `service.Operation`."""
    original = botocore.client.BaseClient._make_api_call
    calls: list[str] = []

    def counted(client: Any, operation: str, params: dict[str, Any]) -> Any:
        calls.append(f"{client.meta.service_model.service_name}.{operation}")
        return original(client, operation, params)

    botocore.client.BaseClient._make_api_call = counted
    try:
        yield calls
    finally:
        botocore.client.BaseClient._make_api_call = original


def _environment() -> None:
    os.environ.update(
        AWS_ACCESS_KEY_ID="bench",
        AWS_SECRET_ACCESS_KEY="bench",  # noqa: S106 - moto's fake credentials
        AWS_DEFAULT_REGION=REGION,
        TABLE_NAME=TABLE,
        ORCHESTRATOR_FUNCTION=ORCHESTRATOR,
        STATE_MACHINE_ARN=f"arn:aws:states:{REGION}:123456789012:stateMachine:bench",
        LINK_KEY_PARAMETER=LINK_KEY_PARAMETER,
        ORIGIN_KEY_PARAMETER=ORIGIN_KEY_PARAMETER,
        LINK_BASE_URL="https://confirm.example/r/",
        INTENT_CLASSIFIER="lex",
        BOT_ID="BENCHBOT01",
        BOT_ALIAS_ID="BENCHALIAS",
        NOTIFIER="template",
        POWERTOOLS_LOG_LEVEL="ERROR",
        POWERTOOLS_METRICS_DISABLED="true",
    )
    os.environ.pop("AWS_ENDPOINT_URL", None)


def measure() -> list[RoundTrips]:
    _environment()
    from botocore.stub import ANY, Stubber
    from moto import mock_aws

    from handlers import intake, partner_response, sms_sender, status
    from handlers.clients import client, reset_clients, workflow_start_client
    from handlers.settings import get_settings, reset_settings

    reset_settings()
    reset_clients()
    from local.lambdas import LocalLambdaContext

    context = LocalLambdaContext(
        function_name="bench",
        invoked_function_arn=f"arn:aws:lambda:{REGION}:123456789012:function:bench",
        memory_limit_in_mb=512,
        timeout_seconds=30,
    )
    results: list[RoundTrips] = []
    with mock_aws():
        seed(
            table=TABLE,
            link_key_parameter=LINK_KEY_PARAMETER,
            origin_key_parameter=ORIGIN_KEY_PARAMETER,
            reservation_number=RESERVATION,
            region=REGION,
        )
        settings = get_settings()
        handover = Stubber(client("lambda", settings))
        handover.add_response(
            "invoke", {"StatusCode": 202}, {"FunctionName": ANY, "InvocationType": "Event", "Payload": ANY}
        )
        body = {
            "customerPhone": "010-1234-5678",
            "reservationNumber": RESERVATION,
            "message": "예약 시간을 바꾸고 싶어요",
        }
        # The origin keyring is read once per cold start and then cached (the keyring section of `make bench`
        # shows that read): a first request that needs no table read (a malformed request id) takes it here,
        # so each route's count below is what every call costs.
        status.handler(event("status.json", REQUEST_ID="not-a-request-id"), context)
        with handover, watching() as calls:
            answer = intake.handler(event("chat.json", body=body), context)
        request_id = json.loads(answer["body"])["requestId"]
        results.append(RoundTrips("POST /chat", tuple(calls)))

        from handlers import orchestrator

        sfn = Stubber(workflow_start_client(settings))  # the orchestrator's own StartExecution client
        sfn.add_response(
            "start_execution",
            {"executionArn": "arn:x", "startDate": 0},
            {"stateMachineArn": ANY, "name": ANY, "input": ANY},
        )
        with sfn:
            orchestrator.handler({"requestId": request_id}, context)
        sns = client("sns", settings, region=settings.sms_region)
        published: list[str] = []
        sns.meta.events.register(
            "provide-client-params.sns.Publish", lambda params, **_: published.append(params["Message"])
        )
        sms_sender.handler({"requestId": request_id, "taskToken": "bench-task-token"}, context)
        token = published[-1].rsplit("/", 1)[1]

        with watching() as calls:
            partner_response.handler(event("confirm.json", TOKEN=token), context)
        results.append(RoundTrips("GET /confirm/{token}", tuple(calls)))

        callback = Stubber(client("stepfunctions", settings))
        callback.add_response("send_task_success", {}, {"taskToken": ANY, "output": ANY})
        with callback, watching() as calls:
            partner_response.handler(
                event("respond.json", body={"token": token, "response": "accept"}), context
            )
        results.append(RoundTrips("POST /respond", tuple(calls)))

        with watching() as calls:
            status.handler(event("status.json", REQUEST_ID=request_id), context)
        results.append(RoundTrips("GET /requests/{requestId}", tuple(calls)))
    return results
