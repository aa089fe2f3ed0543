"""The local runtime plays what a program declares, so wiring mistakes fail here as they would in AWS.

A small Pulumi program (written to a temporary directory) declares one correct route and one mistake of
each kind; the runtime deploys it with `python -m local --project DIR` and answers like AWS would.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import requests
from e2e_client import emulator_client, wait_for

from local.testing import running_system

pytestmark = pytest.mark.e2e

PROGRAM = """
import json

import pulumi
import pulumi_aws as aws

role = aws.iam.Role("role", assume_role_policy=json.dumps({"Version": "2012-10-17", "Statement": []}))
code = pulumi.AssetArchive(
    {"probe_app.py": pulumi.FileAsset("probe_app.py"), "flaky_app.py": pulumi.FileAsset("flaky_app.py")}
)


def function(name, handler="probe_app.handler"):
    return aws.lambda_.Function(name, handler=handler, runtime="python3.13", role=role.arn, code=code)


api = aws.apigatewayv2.Api("api", protocol_type="HTTP")
aws.apigatewayv2.Stage("stage", api_id=api.id, name="$default", auto_deploy=True)


def route(name, target, key, *, version="2.0", permitted=True):
    integration = aws.apigatewayv2.Integration(
        name, api_id=api.id, integration_type="AWS_PROXY", integration_uri=target.invoke_arn,
        payload_format_version=version,
    )
    target_id = pulumi.Output.concat("integrations/", integration.id)
    aws.apigatewayv2.Route(name, api_id=api.id, route_key=key, target=target_id)
    if permitted:
        aws.lambda_.Permission(
            name, action="lambda:InvokeFunction", function=target.name, principal="apigateway.amazonaws.com",
            source_arn=pulumi.Output.concat(api.execution_arn, "/*/*"),
        )


probe = function("probe")
route("good", probe, "GET /good/{item}")
route("unpermitted", function("unpermitted"), "GET /unpermitted", permitted=False)
route("old-payload", probe, "GET /old-payload", version=None)
route("not-packaged", function("not-packaged", handler="absent_module.handler"), "GET /not-packaged")


def machine(name, arn):
    state = arn.apply(lambda value: {"Type": "Task", "Resource": value, "End": True})
    definition = pulumi.Output.json_dumps({"StartAt": "Call", "States": {"Call": state}})
    return aws.sfn.StateMachine(name, role_arn=role.arn, definition=definition)


flaky = function("flaky", handler="flaky_app.fail")
sink = function("sink", handler="flaky_app.sink")
aws.lambda_.FunctionEventInvokeConfig(
    "flaky", function_name=flaky.name, maximum_retry_attempts=1,
    destination_config={"on_failure": {"destination": sink.arn}},
)
route("sunk", function("sunk", handler="flaky_app.sunk"), "GET /sunk")
pulumi.export("flakyFunction", flaky.name)

pulumi.export("rightMachine", machine("right", probe.arn).arn)
pulumi.export("wrongMachine", machine("wrong", probe.arn.apply(lambda value: value + "-typo")).arn)
"""

HANDLER = """
import json


def handler(event, context):
    if "routeKey" not in event:
        return {"called": True}
    item = event["pathParameters"]["item"]
    body = {"version": event["version"], "routeKey": event["routeKey"], "item": item}
    return {"statusCode": 200, "headers": {"Content-Type": "application/json"}, "body": json.dumps(body)}
"""

FLAKY = """
import json

SUNK = []


def fail(event, context):
    raise RuntimeError("always fails")


def sink(event, context):
    SUNK.append(event)


def sunk(event, context):
    return {"statusCode": 200, "headers": {"Content-Type": "application/json"}, "body": json.dumps(SUNK)}
"""


@pytest.fixture(scope="module")
def base_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    project: Path = tmp_path_factory.mktemp("wiring-probe")
    (project / "Pulumi.yaml").write_text("name: wiring-probe\nruntime: python\n")
    (project / "Pulumi.dev.yaml").write_text("config:\n  aws:region: ap-northeast-2\n")
    (project / "__main__.py").write_text(PROGRAM)
    (project / "probe_app.py").write_text(HANDLER)
    (project / "flaky_app.py").write_text(FLAKY)
    with running_system(args=("--project", str(project))) as url:
        yield url


def _get(base_url: str, path: str) -> requests.Response:
    # No distribution fronts this API: it is called on its own execute-api endpoint.
    return requests.get(f"{base_url}/_local/execute-api{path}", timeout=30)


def test_a_wired_route_gets_a_payload_2_0_event(base_url: str) -> None:
    answer = _get(base_url, "/good/42")

    assert answer.status_code == 200, answer.text
    assert answer.json() == {"version": "2.0", "routeKey": "GET /good/{item}", "item": "42"}


@pytest.mark.parametrize("path", ["/unpermitted", "/old-payload", "/not-packaged"])
def test_a_miswired_route_answers_like_api_gateway_500(base_url: str, path: str) -> None:
    answer = _get(base_url, path)

    assert answer.status_code == 500
    assert answer.json() == {"message": "Internal Server Error"}


def test_an_undeclared_route_answers_404(base_url: str) -> None:
    assert _get(base_url, "/nowhere").status_code == 404


def _run(base_url: str, machine_arn: str) -> dict[str, Any]:
    stepfunctions = emulator_client(base_url, "stepfunctions")
    execution = stepfunctions.start_execution(stateMachineArn=machine_arn, name="probe", input="{}")

    def finished() -> dict[str, Any] | None:
        described = stepfunctions.describe_execution(executionArn=execution["executionArn"])
        return None if described["status"] == "RUNNING" else dict(described)

    return wait_for(finished, timeout=60, what="the execution to finish")


def test_a_task_with_the_declared_arn_runs_the_function(base_url: str) -> None:
    outputs = requests.get(f"{base_url}/_local/outputs", timeout=30).json()

    result = _run(base_url, outputs["rightMachine"])

    assert result["status"] == "SUCCEEDED"
    assert json.loads(result["output"]) == {"called": True}


def test_a_task_with_a_wrong_arn_fails_the_execution(base_url: str) -> None:
    outputs = requests.get(f"{base_url}/_local/outputs", timeout=30).json()

    assert _run(base_url, outputs["wrongMachine"])["status"] == "FAILED"


def test_an_async_invocation_that_keeps_failing_reaches_its_on_failure_destination(base_url: str) -> None:
    outputs = requests.get(f"{base_url}/_local/outputs", timeout=30).json()
    aws_lambda = emulator_client(base_url, "lambda")

    aws_lambda.invoke(FunctionName=outputs["flakyFunction"], InvocationType="Event", Payload=b'{"n": 1}')
    records = wait_for(lambda: _get(base_url, "/sunk").json() or None, timeout=60, what="the failure record")

    (record,) = records
    assert record["requestPayload"] == {"n": 1}
    assert record["requestContext"]["condition"] == "RetriesExhausted"
    assert record["requestContext"]["approximateInvokeCount"] == 2
    assert record["responsePayload"]["errorType"] == "RuntimeError"


def test_calls_count_what_one_request_used_since_the_last_reset(base_url: str) -> None:
    requests.post(f"{base_url}/_local/calls/reset", timeout=30)

    _get(base_url, "/good/7")
    counts = requests.get(f"{base_url}/_local/calls", timeout=30).json()

    assert counts == {"aws": {}, "invocations": {"probe_app": 1}, "api": {"GET /good/{item}": 1}}
