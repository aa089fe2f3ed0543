"""Handler tests: moto with the table built from the shared schema, event files, a Lambda context."""

from __future__ import annotations

import copy
import json
import threading
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import boto3
import botocore.client
import botocore.exceptions
import pytest
from botocore.stub import ANY, Stubber
from moto import mock_aws

from handlers.clients import client
from handlers.models.keyring import Keyring, RingKey
from handlers.settings import get_settings
from handlers.store.keys import reservation_item
from handlers.store.schema import create_table_request
from handlers.store.table import to_dynamo

EVENTS = Path(__file__).resolve().parent.parent / "events"
TABLE = "partner-confirm-test"
REGION = "ap-northeast-2"
STATE_MACHINE_NAME = "partner-confirm-workflow"
SIGNING_KEY = b"test-signing-key-0123456789abcdef"
LINK_KEY_PARAMETER = "/partner-confirm/test/link-signing-key"
ORIGIN_KEY_PARAMETER = "/partner-confirm/test/origin-verify-secret"
ORIGIN_KEY = (
    b"test-origin-key-0123456789abcdef"  # tests/events/*.json carry its base64, as CloudFront sends it
)
LINK_BASE = "https://confirm.example/r/"
CUSTOMER_PHONE = "+821012345678"
PARTNER_PHONE = "+821098765432"
RESERVATION = "R-20261127-001"


@dataclass(frozen=True)
class LambdaContext:
    function_name: str = "partner-confirm-test"
    memory_limit_in_mb: int = 512
    invoked_function_arn: str = "arn:aws:lambda:ap-northeast-2:123456789012:function:partner-confirm-test"
    aws_request_id: str = "6f2a4c1e-0000-4000-8000-000000000000"
    function_version: str = "$LATEST"

    def get_remaining_time_in_millis(self) -> int:
        return 30_000


@pytest.fixture
def context() -> LambdaContext:
    return LambdaContext()


@pytest.fixture
def settings_env(monkeypatch: pytest.MonkeyPatch) -> dict[str, str]:
    env = {
        "TABLE_NAME": TABLE,
        "STATE_MACHINE_ARN": f"arn:aws:states:{REGION}:123456789012:stateMachine:{STATE_MACHINE_NAME}",
        "ORCHESTRATOR_FUNCTION": "partner-confirm-orchestrator",
        "LINK_KEY_PARAMETER": LINK_KEY_PARAMETER,
        "ORIGIN_KEY_PARAMETER": ORIGIN_KEY_PARAMETER,
        "LINK_BASE_URL": LINK_BASE,
        "PARTNER_WAIT_SECONDS": "300",
        "SMS_MODE": "sns",
        "SMS_REGION": "ap-northeast-1",
        "INTENT_CLASSIFIER": "local",
        "BOT_ID": "BOTID12345",
        "BOT_ALIAS_ID": "ALIAS12345",
        "BOT_LOCALE_ID": "ko_KR",
        "NOTIFIER": "template",
        "BEDROCK_MODEL_ID": "anthropic.claude-3-haiku-20240307-v1:0",
        "GUARDRAIL_ID": "gr0test00001",
        "GUARDRAIL_VERSION": "1",
        "RATE_LIMIT_PER_MINUTE": "100",
        "BRAND_NAME": "예약확인센터",
        "SUPPORT_PHONE": "1588-0000",
        "POWERTOOLS_LOG_LEVEL": "DEBUG",
    }
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    return env


def put_keyring(keyring: Keyring, name: str = LINK_KEY_PARAMETER) -> None:
    """Store a keyring as the stack does: a SecureString with a KMS key of its own."""
    key = boto3.client("kms", region_name=REGION).create_key()["KeyMetadata"]["Arn"]
    boto3.client("ssm", region_name=REGION).put_parameter(
        Name=name,
        Value=json.dumps(keyring.to_document()),
        Type="SecureString",
        KeyId=key,
        Overwrite=True,
    )


@pytest.fixture
def aws(settings_env: dict[str, str]) -> Iterator[Any]:
    """moto with the table (from the same schema the component declares) and a state machine."""
    with mock_aws():
        dynamodb = boto3.client("dynamodb", region_name=REGION)
        dynamodb.create_table(**create_table_request(TABLE))
        put_keyring(Keyring((RingKey(SIGNING_KEY, 0),)))
        put_keyring(Keyring((RingKey(ORIGIN_KEY, 0),)), ORIGIN_KEY_PARAMETER)
        iam = boto3.client("iam", region_name=REGION)
        role = iam.create_role(RoleName="sfn", AssumeRolePolicyDocument="{}")["Role"]["Arn"]
        definition = {"StartAt": "Done", "States": {"Done": {"Type": "Succeed"}}}
        boto3.client("stepfunctions", region_name=REGION).create_state_machine(
            name=STATE_MACHINE_NAME, definition=json.dumps(definition), roleArn=role
        )
        yield dynamodb


@pytest.fixture
def seed_reservation(aws: Any) -> dict[str, Any]:
    item = reservation_item(
        reservation_number=RESERVATION,
        customer_phone_e164=CUSTOMER_PHONE,
        partner_id="P-77",
        partner_name="한강 게스트하우스",
        partner_phone_e164=PARTNER_PHONE,
        service_type="숙박",
        reservation_date="2026-11-28",
        customer_name="김민지",
    )
    aws.put_item(TableName=TABLE, Item=to_dynamo(item))
    return item


@pytest.fixture
def load_event() -> Callable[..., dict[str, Any]]:
    """An event file, with `body` (dict) and placeholders (`TOKEN`, `REQUEST_ID`) replaced."""

    def load(name: str, *, body: Any = None, raw_body: str | None = None, **replace: str) -> dict[str, Any]:
        text = (EVENTS / name).read_text(encoding="utf-8")
        for placeholder, value in replace.items():
            text = text.replace(placeholder, value)
        event: dict[str, Any] = json.loads(text)
        if body is not None:
            event["body"] = json.dumps(body, ensure_ascii=False)
        if raw_body is not None:
            event["body"] = raw_body
        return copy.deepcopy(event)

    return load


@pytest.fixture
def aws_client() -> Callable[..., Any]:
    """The very client a handler will use (cached per settings), to stub or watch it."""

    def get(service: str, region: str | None = None) -> Any:
        return client(service, get_settings(), region=region)

    return get


@pytest.fixture
def serialised_aws_calls() -> Iterator[None]:
    """moto's conditional writes are not atomic across threads; one lock per call restores that."""
    lock = threading.Lock()
    original = botocore.client.BaseClient._make_api_call

    def locked(self: Any, operation: str, params: dict[str, Any]) -> Any:
        with lock:
            return original(self, operation, params)

    botocore.client.BaseClient._make_api_call = locked
    try:
        yield
    finally:
        botocore.client.BaseClient._make_api_call = original


@pytest.fixture
def recorded_calls(aws_client: Callable[..., Any]) -> Callable[..., list[dict[str, Any]]]:
    """Records the parameters of one operation on a handler's client (the call still goes to moto)."""

    def record(service: str, operation: str, region: str | None = None) -> list[dict[str, Any]]:
        calls: list[dict[str, Any]] = []

        def keep(params: dict[str, Any], event_name: str, **_: Any) -> None:
            if event_name.endswith(f".{operation}"):
                calls.append(dict(params))

        aws_client(service, region).meta.events.register("provide-client-params", keep)
        return calls

    return record


class Flow:
    """Drives requests through the real handlers, one step at a time."""

    def __init__(
        self, load_event: Callable[..., dict[str, Any]], context: LambdaContext, aws_client: Any
    ) -> None:
        self.load_event = load_event
        self.context = context
        self.aws_client = aws_client
        self.sms: list[dict[str, Any]] = []

    def chat(self, **overrides: Any) -> dict[str, Any]:
        from handlers import intake

        body = {
            "customerId": "C-1001",
            "customerPhone": "010-1234-5678",
            "reservationNumber": RESERVATION,
            "message": "예약 날짜를 다음 주 토요일로 바꿀 수 있을까요?",
            **overrides,
        }
        body = {k: v for k, v in body.items() if v is not None}
        stub = Stubber(self.aws_client("lambda"))
        stub.add_response(
            "invoke", {"StatusCode": 202}, {"FunctionName": ANY, "InvocationType": "Event", "Payload": ANY}
        )
        with stub:
            return intake.handler(self.load_event("chat.json", body=body), self.context)

    def created(self, **overrides: Any) -> str:
        answer = self.chat(**overrides)
        assert answer["statusCode"] == 202, answer
        return str(json.loads(answer["body"])["requestId"])

    def orchestrated(self, **overrides: Any) -> str:
        from handlers import orchestrator

        request_id = self.created(**overrides)
        orchestrator.handler({"requestId": request_id}, self.context)
        return request_id

    def texted(self, task_token: str = "task-token-1", **overrides: Any) -> tuple[str, str]:  # noqa: S107
        """A request whose partner got the SMS; returns (requestId, link token)."""
        from handlers import sms_sender

        request_id = self.orchestrated(**overrides)
        sns = self.aws_client("sns", "ap-northeast-1")
        published: list[dict[str, Any]] = []

        def keep(params: dict[str, Any], **_: Any) -> None:
            published.append(dict(params))

        sns.meta.events.register("provide-client-params.sns.Publish", keep)
        try:
            sms_sender.handler({"requestId": request_id, "taskToken": task_token}, self.context)
        finally:
            sns.meta.events.unregister("provide-client-params.sns.Publish", keep)
        self.sms.extend(published)
        return request_id, published[-1]["Message"].rsplit("/", 1)[1]

    def confirm(self, token: str) -> dict[str, Any]:
        from handlers import partner_response

        return partner_response.handler(self.load_event("confirm.json", TOKEN=token), self.context)

    def respond(self, body: dict[str, Any] | None = None, raw_body: str | None = None) -> dict[str, Any]:
        from handlers import partner_response

        return partner_response.handler(
            self.load_event("respond.json", body=body, raw_body=raw_body), self.context
        )

    def status(self, request_id: str) -> dict[str, Any]:
        from handlers import status

        return status.handler(self.load_event("status.json", REQUEST_ID=request_id), self.context)

    def request_item(self, request_id: str) -> dict[str, Any]:
        from handlers.store.table import Store

        item = Store(boto3.client("dynamodb", region_name=REGION), TABLE).get_request(request_id)
        assert item is not None
        return item


@pytest.fixture
def flow(
    aws: Any, seed_reservation: dict[str, Any], load_event: Any, context: LambdaContext, aws_client: Any
) -> Flow:
    return Flow(load_event, context, aws_client)


@pytest.fixture
def transaction_conflicts(aws_client: Callable[..., Any]) -> Callable[[int], list[str]]:
    """The next `times` transactions on the handler's table client collide with another transaction,
    as real DynamoDB cancels one of two concurrent transactions on an item (moto never does)."""

    def collide(times: int) -> list[str]:
        cancelled: list[str] = []

        def conflict(params: dict[str, Any], **_: Any) -> None:
            if len(cancelled) < times:
                cancelled.append("TransactionConflict")
                reasons = [{"Code": "None"} for _ in params["TransactItems"]]
                reasons[-1] = {
                    "Code": "TransactionConflict",
                    "Message": "Transaction is ongoing for the item",
                }
                raise botocore.exceptions.ClientError(
                    {
                        "Error": {"Code": "TransactionCanceledException", "Message": "cancelled"},
                        "CancellationReasons": reasons,
                    },
                    "TransactWriteItems",
                )

        aws_client("dynamodb").meta.events.register(
            "provide-client-params.dynamodb.TransactWriteItems", conflict
        )
        return cancelled

    return collide
