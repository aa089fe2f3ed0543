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
    GENERATE_NOTIFICATION,
    HANDLE_FAILURE,
    HANDLE_TIMEOUT,
    NOTIFY_PARTNER,
    build_definition,
)

ROOT = Path(__file__).resolve().parents[2]
VALIDATOR = ROOT / "node_modules" / ".bin" / "asl-validator"
REGION = "us-east-1"
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
        wait_seconds=wait_seconds,
    )


def test_notify_partner_waits_for_the_callback_with_the_token_in_the_payload() -> None:
    state = definition(wait_seconds=120)["States"][NOTIFY_PARTNER]

    assert state["Resource"] == "arn:aws:states:::lambda:invoke.waitForTaskToken"
    assert state["Parameters"] == {
        "FunctionName": ARNS["sms_sender"],
        "Payload": {"requestId.$": "$.requestId", "taskToken.$": "$$.Task.Token"},
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


def test_notification_is_the_only_end() -> None:
    states = definition()["States"]

    assert [name for name, state in states.items() if state.get("End")] == [GENERATE_NOTIFICATION]
    assert states[GENERATE_NOTIFICATION]["Parameters"] == {
        "requestId.$": "$.requestId",
        "outcome.$": "$.outcome",
    }


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
    """Tiny functions in place of the real ones: they record their events and answer like the contract."""

    def __init__(self) -> None:
        self.events: dict[str, list[dict[str, Any]]] = {key: [] for key in ARNS}
        self.task_token = threading.Event()
        self.token = ""

    def __call__(self, function: str, event: dict[str, Any]) -> dict[str, Any]:
        key = function.rsplit(":", 1)[-1]
        self.events[key].append(event)
        if key == "sms_sender":
            self.token = event["taskToken"]
            self.task_token.set()
            return {}
        if key == "timeout":
            return {"response": "timeout", "alternativeTime": None}
        if key == "failure":
            return {"response": "failed", "alternativeTime": None}
        return {"message": "파트너가 확인했습니다.", "source": "template"}


@pytest.fixture
def stand_ins(monkeypatch: pytest.MonkeyPatch) -> Iterator[StandIns]:
    functions = StandIns()

    def invoke(
        self: Any, function_name: str, qualifier: Any, body: Any, headers: Any, response_headers: Any
    ) -> bytes:
        return json.dumps(functions(function_name, json.loads(body or "{}"))).encode()

    monkeypatch.setattr(LambdaSimpleBackend, "invoke", invoke)
    with mock_aws(config={"lambda": {"use_docker": False}, "stepfunctions": {"execute_state_machine": True}}):
        yield functions


def _start(wait_seconds: int, execution: str) -> tuple[Any, str]:
    client = boto3.client("stepfunctions", region_name=REGION)
    machine = client.create_state_machine(
        name=f"callback-{execution}",
        definition=json.dumps(definition(wait_seconds)),
        roleArn=f"arn:aws:iam::{ACCOUNT}:role/workflow",
        type="STANDARD",
    )["stateMachineArn"]
    arn = client.start_execution(
        stateMachineArn=machine, name=execution, input=json.dumps({"requestId": execution})
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
    assert stand_ins.events["sms_sender"] == [{"requestId": "req-happy", "taskToken": stand_ins.token}]
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
