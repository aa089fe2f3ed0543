"""The workflow definition: its shape (contract), the npm asl-validator, and real runs on moto's interpreter
with tiny stand-in functions (not the real handlers: this proves the definition, not the code)."""

from __future__ import annotations

import json
import subprocess
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import boto3
import pytest
from moto import mock_aws
from moto.awslambda_simple.models import LambdaSimpleBackend

from components.state_machine import (
    CHOOSE_TEMPLATE,
    GENERATE_NOTIFICATION,
    HANDLE_FAILURE,
    HANDLE_TIMEOUT,
    NOTIFY_PARTNER,
    RECORD_FAILURE,
    RECORD_TIMEOUT,
    STORE_TEMPLATE_NOTIFICATION,
    STRANDED,
    build_definition,
)
from handlers.models.messages import LAST_RESORT_NOTIFICATIONS, last_resort_notification
from handlers.store.schema import create_table_request

ROOT = Path(__file__).resolve().parents[2]
VALIDATOR = ROOT / "node_modules" / ".bin" / "asl-validator"
REGION = "us-east-1"
TABLE = "confirmations"
SUPPORT_PHONE = "1588-0000"
ACCOUNT = "123456789012"
ARNS = {
    key: f"arn:aws:lambda:{REGION}:{ACCOUNT}:function:{key}"
    for key in ("sms_sender", "timeout", "failure", "notification")
}


def definition(wait_seconds: int = 300) -> dict[str, Any]:
    return build_definition(
        sms_sender_arn=ARNS["sms_sender"],
        timeout_arn=ARNS["timeout"],
        failure_arn=ARNS["failure"],
        notification_arn=ARNS["notification"],
        table_name=TABLE,
        wait_seconds=wait_seconds,
        support_phone=SUPPORT_PHONE,
    )


def test_notify_partner_waits_for_the_callback_with_the_token_in_the_payload() -> None:
    state = definition(wait_seconds=120)["States"][NOTIFY_PARTNER]

    assert state["Resource"] == "arn:aws:states:::lambda:invoke.waitForTaskToken"
    assert state["Parameters"] == {
        "FunctionName": ARNS["sms_sender"],
        "Payload": {
            "requestId.$": "$.requestId",
            "taskToken.$": "$$.Task.Token",
            "waitStartedAt.$": "$$.State.EnteredTime",
        },
    }
    assert state["TimeoutSeconds"] == 120
    assert state["ResultPath"] == "$.outcome"
    assert state["Next"] == GENERATE_NOTIFICATION


def test_timeout_and_any_other_error_are_caught_in_that_order() -> None:
    catches = definition()["States"][NOTIFY_PARTNER]["Catch"]

    assert [(c["ErrorEquals"], c["Next"], c["ResultPath"]) for c in catches] == [
        (["States.Timeout"], HANDLE_TIMEOUT, "$.error"),
        (["States.ALL"], HANDLE_FAILURE, "$.error"),
    ]


@pytest.mark.parametrize("state", [NOTIFY_PARTNER, HANDLE_TIMEOUT, HANDLE_FAILURE, GENERATE_NOTIFICATION])
def test_every_task_retries_lambda_service_errors_with_exponential_backoff(state: str) -> None:
    (retry,) = definition()["States"][state]["Retry"]

    assert "Lambda.ServiceException" in retry["ErrorEquals"]
    assert "States.ALL" not in retry["ErrorEquals"]
    assert (retry["IntervalSeconds"], retry["BackoffRate"]) == (1, 2.0)


@pytest.mark.parametrize("state", [HANDLE_TIMEOUT, HANDLE_FAILURE])
def test_error_handlers_record_and_then_still_notify(state: str) -> None:
    handler = definition()["States"][state]

    assert handler["Parameters"] == {"requestId.$": "$.requestId", "error.$": "$.error"}
    assert handler["ResultPath"] == "$.outcome"
    assert handler["Next"] == GENERATE_NOTIFICATION


@pytest.mark.parametrize(
    ("state", "fallback"),
    [
        (HANDLE_TIMEOUT, RECORD_TIMEOUT),
        (HANDLE_FAILURE, RECORD_FAILURE),
        (GENERATE_NOTIFICATION, CHOOSE_TEMPLATE),
    ],
)
def test_every_handler_catches_everything_on_a_path_without_lambda(state: str, fallback: str) -> None:
    (catch,) = definition()["States"][state]["Catch"]

    assert (catch["ErrorEquals"], catch["Next"]) == (["States.ALL"], fallback)


def test_every_path_ends_and_every_task_catches_everything() -> None:
    states = definition()["States"]

    for name, state in states.items():
        if state["Type"] == "Task":
            assert any("States.ALL" in c["ErrorEquals"] for c in state["Catch"]), name
    ends = {name for name, state in states.items() if state.get("End") or state["Type"] == "Fail"}
    assert ends == {GENERATE_NOTIFICATION, STORE_TEMPLATE_NOTIFICATION, STRANDED}


def test_the_direct_writes_only_end_a_request_still_open() -> None:
    states = definition()["States"]

    for name in (RECORD_TIMEOUT, RECORD_FAILURE):
        parameters = states[name]["Parameters"]
        assert states[name]["Resource"] == "arn:aws:states:::dynamodb:updateItem"
        assert parameters["TableName"] == TABLE
        assert parameters["ConditionExpression"] == "#status IN (:open0, :open1, :open2)"
        assert {
            v["S"] for k, v in parameters["ExpressionAttributeValues"].items() if k.startswith(":open")
        } == {
            "Created",
            "SMSSent",
            "Opened",
        }


def test_notification_takes_the_outcome() -> None:
    states = definition()["States"]

    assert states[GENERATE_NOTIFICATION]["Parameters"] == {
        "requestId.$": "$.requestId",
        "outcome.$": "$.outcome",
    }


def test_the_workflows_own_messages_name_the_support_phone_where_they_send_people_to_it() -> None:
    states = definition()["States"]
    messages = {
        name: state["Result"]["message"]
        for name, state in states.items()
        if state["Type"] == "Pass" and "message" in state.get("Result", {})
    }

    assert len(messages) == len(LAST_RESORT_NOTIFICATIONS)
    for name, message in messages.items():
        assert "{" not in message, name
        if "고객센터" in message:
            assert f"고객센터({SUPPORT_PHONE})로 연락해 주세요" in message, name
    assert sum("고객센터" in message for message in messages.values()) == 4  # all but accept


def test_a_wait_below_one_second_is_refused() -> None:
    with pytest.raises(ValueError, match="wait_seconds"):
        definition(wait_seconds=0)


def _validate(document: dict[str, Any], tmp_path: Path) -> subprocess.CompletedProcess[str]:
    assert VALIDATOR.exists(), "asl-validator is missing: run `make tools` (npm ci)"
    path = tmp_path / "definition.json"
    path.write_text(json.dumps(document), encoding="utf-8")
    return subprocess.run(  # noqa: S603 - fixed local tool, our own file
        [str(VALIDATOR), "--json-path", str(path)], capture_output=True, text=True, timeout=60, check=False
    )


def test_definition_passes_asl_validator(tmp_path: Path) -> None:
    result = _validate(definition(), tmp_path)

    assert result.returncode == 0, result.stdout + result.stderr


def test_asl_validator_catches_a_dangling_transition(tmp_path: Path) -> None:
    broken = definition()
    broken["States"][HANDLE_TIMEOUT]["Next"] = "NoSuchState"

    assert _validate(broken, tmp_path).returncode != 0


# --- runs on moto's Step Functions interpreter ------------------------------------------------------------


class StandIns:
    """Tiny functions in place of the real ones: they record their events, answer like the contract and
    write what the real ones write; a function named in `failing` fails every time (an unhandled error)."""

    def __init__(self) -> None:
        self.events: dict[str, list[dict[str, Any]]] = {key: [] for key in ARNS}
        self.task_token = threading.Event()
        self.token = ""
        self.failing: set[str] = set()
        self.timeout_leaves_it_open = False

    def __call__(self, function: str, event: dict[str, Any]) -> dict[str, Any]:
        key = function.rsplit(":", 1)[-1]
        self.events[key].append(event)
        if key in self.failing:
            raise StandInFailedError(key)
        if key == "sms_sender":
            self.token = event["taskToken"]
            self.task_token.set()
            return {}
        if key == "timeout":
            if not self.timeout_leaves_it_open:
                _end(event["requestId"], "Timeout")
            return {"response": "timeout", "alternativeTime": None}
        if key == "failure":
            _end(event["requestId"], "Failed")
            return {"response": "failed", "alternativeTime": None}
        message = {"message": "파트너가 확인했습니다.", "source": "template"}
        _update(
            event["requestId"],
            "SET notification = :n",
            {":n": {"M": {k: {"S": v} for k, v in message.items()}}},
        )
        return message


class StandInFailedError(Exception):
    pass


def _update(request_id: str, expression: str, values: dict[str, Any], condition: str | None = None) -> None:
    extra = {"ConditionExpression": condition} if condition else {}
    try:
        boto3.client("dynamodb", region_name=REGION).update_item(
            TableName=TABLE,
            Key={"PK": {"S": f"REQ#{request_id}"}, "SK": {"S": "METADATA"}},
            UpdateExpression=expression,
            ExpressionAttributeNames={"#status": "status"} if "#status" in expression else {},
            ExpressionAttributeValues=values,
            **extra,
        )
    except boto3.client("dynamodb", region_name=REGION).exceptions.ConditionalCheckFailedException:
        pass


def _end(request_id: str, status: str) -> None:
    _update(
        request_id,
        "SET #status = :s, failureReason = :r",
        {":s": {"S": status}, ":sent": {"S": "SMSSent"}, ":r": {"S": "stand-in"}},
        condition="#status = :sent",
    )


def _request(request_id: str) -> dict[str, Any]:
    item = boto3.client("dynamodb", region_name=REGION).get_item(
        TableName=TABLE, Key={"PK": {"S": f"REQ#{request_id}"}, "SK": {"S": "METADATA"}}
    )["Item"]
    return item


@pytest.fixture
def stand_ins(monkeypatch: pytest.MonkeyPatch) -> Iterator[StandIns]:
    functions = StandIns()

    def invoke(
        self: Any, function_name: str, qualifier: Any, body: Any, headers: Any, response_headers: Any
    ) -> bytes:
        try:
            return json.dumps(functions(function_name, json.loads(body or "{}"))).encode()
        except StandInFailedError as exc:
            response_headers["x-amz-function-error"] = "Unhandled"
            return json.dumps({"errorType": "ClientError", "errorMessage": f"{exc} is down"}).encode()

    monkeypatch.setattr(LambdaSimpleBackend, "invoke", invoke)
    with mock_aws(config={"lambda": {"use_docker": False}, "stepfunctions": {"execute_state_machine": True}}):
        boto3.client("dynamodb", region_name=REGION).create_table(**create_table_request(TABLE))
        yield functions


EXPIRES_AT = 1_900_000_000  # the request's TTL, handed to the workflow in its input


def _start(wait_seconds: int, execution: str) -> tuple[Any, str]:
    boto3.client("dynamodb", region_name=REGION).put_item(
        TableName=TABLE,
        Item={
            "PK": {"S": f"REQ#{execution}"},
            "SK": {"S": "METADATA"},
            "requestId": {"S": execution},
            "status": {"S": "SMSSent"},
            "createdAt": {"N": "1"},
            "expiresAt": {"N": str(EXPIRES_AT)},
        },
    )
    client = boto3.client("stepfunctions", region_name=REGION)
    machine = client.create_state_machine(
        name=f"callback-{execution}",
        definition=json.dumps(definition(wait_seconds)),
        roleArn=f"arn:aws:iam::{ACCOUNT}:role/workflow",
        type="STANDARD",
    )["stateMachineArn"]
    arn = client.start_execution(
        stateMachineArn=machine,
        name=execution,
        input=json.dumps({"requestId": execution, "expiresAt": EXPIRES_AT}),
    )["executionArn"]
    return client, arn


def _finished(client: Any, arn: str, deadline_seconds: float = 30) -> dict[str, Any]:
    deadline = time.monotonic() + deadline_seconds
    while time.monotonic() < deadline:
        answer = client.describe_execution(executionArn=arn)
        if answer["status"] != "RUNNING":
            return answer
        time.sleep(0.1)
    raise AssertionError(f"execution {arn} still running")


def test_partner_answer_resumes_the_workflow_and_reaches_the_notification(stand_ins: StandIns) -> None:
    client, arn = _start(wait_seconds=60, execution="req-happy")
    assert stand_ins.task_token.wait(30), "the SMS task never received a task token"

    answer = {"response": "accept", "alternativeTime": None}
    client.send_task_success(taskToken=stand_ins.token, output=json.dumps(answer))
    execution = _finished(client, arn)

    assert execution["status"] == "SUCCEEDED"
    (sms_event,) = stand_ins.events["sms_sender"]
    assert (sms_event["requestId"], sms_event["taskToken"]) == ("req-happy", stand_ins.token)
    assert stand_ins.events["notification"] == [{"requestId": "req-happy", "outcome": answer}]
    assert stand_ins.events["timeout"] == stand_ins.events["failure"] == []


def test_no_answer_times_out_records_it_and_still_notifies(stand_ins: StandIns) -> None:
    client, arn = _start(wait_seconds=1, execution="req-silent")

    execution = _finished(client, arn)

    assert execution["status"] == "SUCCEEDED"
    (timeout_event,) = stand_ins.events["timeout"]
    assert timeout_event["requestId"] == "req-silent"
    assert timeout_event["error"]["Error"] == "States.Timeout"
    assert stand_ins.events["notification"] == [
        {"requestId": "req-silent", "outcome": {"response": "timeout", "alternativeTime": None}}
    ]


def test_a_failed_task_goes_through_the_failure_handler_and_still_notifies(stand_ins: StandIns) -> None:
    client, arn = _start(wait_seconds=60, execution="req-broken")
    assert stand_ins.task_token.wait(30), "the SMS task never received a task token"

    client.send_task_failure(taskToken=stand_ins.token, error="SmsNotSent")
    execution = _finished(client, arn)

    assert execution["status"] == "SUCCEEDED"
    (failure_event,) = stand_ins.events["failure"]
    assert failure_event["error"]["Error"] == "SmsNotSent"
    assert stand_ins.events["notification"][0]["outcome"]["response"] == "failed"
    assert stand_ins.events["timeout"] == []


# --- each task failing for good still ends the request with a message ------------------------------------


def _answer(client: Any, stand_ins: StandIns, request_id: str) -> None:
    assert stand_ins.task_token.wait(30), "the SMS task never received a task token"
    _update(request_id, "SET #status = :s", {":s": {"S": "Responded"}})  # what claim_answer does first
    client.send_task_success(
        taskToken=stand_ins.token, output=json.dumps({"response": "accept", "alternativeTime": None})
    )


def _workflow_events(request_id: str) -> list[dict[str, Any]]:
    answer = boto3.client("dynamodb", region_name=REGION).query(
        TableName=TABLE,
        KeyConditionExpression="PK = :pk AND begins_with(SK, :events)",
        ExpressionAttributeValues={":pk": {"S": f"REQ#{request_id}"}, ":events": {"S": "EVENT#"}},
    )
    return list(answer["Items"])


@pytest.mark.parametrize(
    ("failing", "partner", "status", "source", "workflow_event"),
    [
        ({"sms_sender"}, "silent", "Failed", "function", False),
        ({"timeout"}, "silent", "Timeout", "function", True),
        ({"sms_sender", "failure"}, "silent", "Failed", "function", True),
        ({"notification"}, "answers", "Responded", "accept", False),
        ({"notification"}, "silent", "Timeout", "timeout", False),
        ({"timeout", "notification"}, "silent", "Timeout", "timeout", True),
        ({"sms_sender", "failure", "notification"}, "silent", "Failed", "failed", True),
    ],
    ids=lambda value: "+".join(sorted(value)) if isinstance(value, set) else str(value),
)
def test_a_task_failing_for_good_still_ends_the_request_with_a_message(
    stand_ins: StandIns, failing: set[str], partner: str, status: str, source: str, workflow_event: bool
) -> None:
    stand_ins.failing = failing
    request_id = "req-" + "-".join(sorted(failing)) + "-" + partner
    # Only a timeout waits the wait out: a one-second wait would race a failing task on a busy machine.
    client, arn = _start(wait_seconds=1 if status == "Timeout" else 60, execution=request_id)
    if partner == "answers":
        _answer(client, stand_ins, request_id)

    execution = _finished(client, arn)

    assert execution["status"] == "SUCCEEDED"
    item = _request(request_id)
    assert item["status"]["S"] == status
    notification = item["notification"]["M"]
    if source == "function":
        assert notification["message"]["S"] == "파트너가 확인했습니다."
    else:
        assert notification["message"]["S"] == last_resort_notification(source, SUPPORT_PHONE)  # type: ignore[arg-type]
        assert notification["source"]["S"] == "template"
    if status == "Failed":
        assert item["failureReason"]["S"]
    # A status the workflow set itself has its timeline event, once; one a function set has none from it.
    events = _workflow_events(request_id)
    if workflow_event:
        (event,) = events
        assert event["eventType"]["S"] == status
        assert event["SK"]["S"] == f"EVENT#{event['at']['S']}#workflow"
        assert event["details"]["M"]["by"]["S"] == "workflow"
        assert ("reason" in event["details"]["M"]) == (status == "Failed")
        assert event["expiresAt"]["N"] == str(EXPIRES_AT)
        assert item["endedBy"]["S"] == "workflow"
    else:
        assert events == []


def test_a_request_left_open_by_every_function_is_ended_with_its_event_by_the_last_step(
    stand_ins: StandIns,
) -> None:
    stand_ins.failing = {"notification"}
    stand_ins.timeout_leaves_it_open = True  # answers as if it had ended the request, but did not
    client, arn = _start(wait_seconds=1, execution="req-stranded")

    _finished(client, arn)

    item = _request("req-stranded")
    assert item["status"]["S"] == "Timeout"
    (event,) = _workflow_events("req-stranded")
    assert event["eventType"]["S"] == "Timeout"
    assert event["details"]["M"] == {"by": {"S": "workflow"}}
    assert event["expiresAt"]["N"] == str(EXPIRES_AT)


def test_a_message_stored_by_a_function_is_never_replaced_by_the_template(stand_ins: StandIns) -> None:
    stand_ins.failing = {"notification"}
    client, arn = _start(wait_seconds=1, execution="req-kept")
    _update("req-kept", "SET notification = :n", {":n": {"M": {"message": {"S": "first"}}}})

    _finished(client, arn)

    assert _request("req-kept")["notification"]["M"]["message"]["S"] == "first"
