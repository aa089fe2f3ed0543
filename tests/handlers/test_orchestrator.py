"""Orchestrator: reservation lookup by number + phone, partner copy, workflow start named after it."""

from __future__ import annotations

import json

import boto3
import pytest
from botocore.stub import ANY, Stubber

from handlers import orchestrator
from handlers.clients import workflow_start_client
from handlers.settings import get_settings

REGION = "ap-northeast-2"


def _executions(settings_env):
    sfn = boto3.client("stepfunctions", region_name=REGION)
    return sfn.list_executions(stateMachineArn=settings_env["STATE_MACHINE_ARN"])["executions"]


def test_found_reservation_copies_the_partner_and_starts_the_workflow(flow, settings_env, context):
    request_id = flow.created()
    result = orchestrator.handler({"requestId": request_id}, context)
    item = flow.request_item(request_id)
    assert (item["partnerId"], item["partnerPhone"], item["partnerName"]) == (
        "P-77",
        "+821098765432",
        "한강 게스트하우스",
    )
    assert [e["name"] for e in _executions(settings_env)] == [request_id]
    assert result["executionArn"].endswith(f":{request_id}")


def test_execution_input_carries_the_request_id(flow, settings_env, context):
    request_id = flow.orchestrated()
    execution = boto3.client("stepfunctions", region_name=REGION).describe_execution(
        executionArn=_executions(settings_env)[0]["executionArn"]
    )
    expires_at = int(flow.request_item(request_id)["expiresAt"])  # the TTL of the workflow's own events
    assert json.loads(execution["input"]) == {"requestId": request_id, "expiresAt": expires_at}


def test_second_invocation_starts_nothing_more(flow, settings_env, context):
    request_id = flow.orchestrated()
    orchestrator.handler({"requestId": request_id}, context)
    assert len(_executions(settings_env)) == 1


def test_execution_already_exists_is_harmless(flow, context):
    request_id = flow.created()
    stub = Stubber(workflow_start_client(get_settings()))
    stub.add_client_error(
        "start_execution",
        "ExecutionAlreadyExists",
        expected_params={"stateMachineArn": ANY, "name": request_id, "input": ANY},
    )
    with stub:
        result = orchestrator.handler({"requestId": request_id}, context)
    assert result["executionArn"].endswith(f":execution:partner-confirm-workflow:{request_id}")
    assert flow.request_item(request_id)["status"] == "Created"


def test_start_is_retried_once(flow, context):
    request_id = flow.created()
    stub = Stubber(workflow_start_client(get_settings()))
    stub.add_client_error("start_execution", "ServiceUnavailable", http_status_code=503)
    stub.add_response(
        "start_execution", {"executionArn": "arn:aws:states:x:1:execution:m:e", "startDate": "2026-11-26"}
    )
    with stub:
        result = orchestrator.handler({"requestId": request_id}, context)
    stub.assert_no_pending_responses()
    assert result["executionArn"] == "arn:aws:states:x:1:execution:m:e"


def test_start_failing_twice_fails_the_request_with_a_message(flow, context):
    request_id = flow.created()
    stub = Stubber(workflow_start_client(get_settings()))
    stub.add_client_error("start_execution", "ServiceUnavailable", http_status_code=503)
    stub.add_client_error("start_execution", "ServiceUnavailable", http_status_code=503)
    with stub:
        orchestrator.handler({"requestId": request_id}, context)
    item = flow.request_item(request_id)
    assert item["status"] == "Failed"
    assert item["notification"]["source"] == "template"


def test_unknown_reservation_and_wrong_phone_fail_with_the_same_reason(flow, settings_env, context):
    unknown = flow.orchestrated(reservationNumber="R-NOPE-999")
    mismatch = flow.orchestrated(customerPhone="010-0000-0000")
    a, b = flow.request_item(unknown), flow.request_item(mismatch)
    assert a["status"] == b["status"] == "Failed"
    assert a["failureReason"] == b["failureReason"]
    assert "예약" in a["failureReason"]
    assert _executions(settings_env) == []


def test_failed_lookup_leaves_a_message_for_the_customer(flow):
    request_id = flow.orchestrated(reservationNumber="R-NOPE-999")
    body = json.loads(flow.status(request_id)["body"])
    assert body["notification"]["source"] == "template"
    assert [e["type"] for e in body["events"]] == ["Created", "Failed"]


def test_unknown_request_is_ignored(aws, context, load_event):
    event = load_event("orchestrator.json", REQUEST_ID="no-such-request")
    assert orchestrator.handler(event, context)["status"] == "unknown"


def test_failed_lookup_tells_the_customer_whom_to_call(flow):
    request_id = flow.orchestrated(reservationNumber="R-NOPE-999")
    message = json.loads(flow.status(request_id)["body"])["notification"]["message"]
    assert "예약을 찾지 못했습니다" in message
    assert "고객센터(1588-0000)" in message


@pytest.mark.parametrize(
    ("number", "phone"),
    [
        ("r-20261127-001", "010-1234-5678"),
        ("  R-20261127-001  ", "01012345678"),
        ("r-20261127-001", "+82 10-1234-5678"),
        ("R-20261127-001", "(010)1234-5678"),
        ("R-20261127-001", "010.1234.5678"),
    ],
)
def test_the_reservation_is_found_whatever_case_spaces_and_phone_form(flow, settings_env, number, phone):
    request_id = flow.orchestrated(reservationNumber=number, customerPhone=phone)
    item = flow.request_item(request_id)
    assert (item["status"], item["reservationNumber"], item["partnerId"]) == (
        "Created",
        "R-20261127-001",
        "P-77",
    )
    assert [e["name"] for e in _executions(settings_env)] == [request_id]


def test_a_reservation_stored_in_lower_case_is_found_too(aws, flow, settings_env):
    from handlers.store.keys import reservation_item
    from handlers.store.table import to_dynamo

    aws.put_item(
        TableName="partner-confirm-test",
        Item=to_dynamo(
            reservation_item(
                reservation_number="abc-77",
                customer_phone_e164="+821012345678",
                partner_id="P-88",
                partner_name="소문자 펜션",
                partner_phone_e164="+821098765432",
                service_type="숙박",
                reservation_date="2026-12-01",
            )
        ),
    )
    request_id = flow.orchestrated(reservationNumber="ABC-77")
    assert flow.request_item(request_id)["partnerId"] == "P-88"


def _throttled(request, **_):
    from botocore.awsrequest import AWSResponse

    class Raw:
        def stream(self, **_):
            yield b'{"__type": "ThrottlingException", "message": "Rate exceeded"}'

    headers = {"Content-Type": "application/x-amz-json-1.0", "x-amzn-ErrorType": "ThrottlingException"}
    return AWSResponse(request.url, 400, headers, Raw())


def test_a_throttled_start_is_retried_by_botocore_with_backoff(flow, context, monkeypatch):
    # Three throttled attempts, then the start goes through, inside the first of `Workflow.start`'s tries.
    request_id = flow.created()
    client = workflow_start_client(get_settings())
    refused: list[int] = []
    pauses: list[float] = []
    monkeypatch.setattr("botocore.endpoint.time.sleep", pauses.append)

    def throttle(request, **kwargs):
        if len(refused) < 3:
            refused.append(1)
            return _throttled(request)
        return None

    client.meta.events.register("before-send.sfn.StartExecution", throttle)
    try:
        result = orchestrator.handler({"requestId": request_id}, context)
    finally:
        client.meta.events.unregister("before-send.sfn.StartExecution", throttle)

    assert len(refused) == 3
    assert len(pauses) == 3  # botocore's standard mode waited before each retry
    assert result["executionArn"].endswith(f":{request_id}")
    assert flow.request_item(request_id)["status"] != "Failed"
