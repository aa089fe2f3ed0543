"""`POST /chat`: validation, phone normalisation, classification, one transaction, hand-over, rate limit."""

from __future__ import annotations

import base64
import json

import pytest
from botocore.exceptions import ClientError
from botocore.stub import ANY, Stubber

from handlers import intake

LEX_PARAMS = {"botId": ANY, "botAliasId": ANY, "localeId": "ko_KR", "sessionId": ANY, "text": ANY}


def _body(answer):
    return json.loads(answer["body"])


def test_chat_answers_202_with_the_seed_message(flow):
    answer = flow.chat()
    assert answer["statusCode"] == 202
    body = _body(answer)
    assert body["status"] == "Created"
    assert body["message"] == "요청이 접수되었습니다"


def test_request_and_created_event_are_stored_together(flow):
    request_id = flow.created()
    status = _body(flow.status(request_id))
    assert status["status"] == "Created"
    assert [event["type"] for event in status["events"]] == ["Created"]


def test_customer_phone_is_stored_in_e164(flow):
    request_id = flow.created(customerPhone="+82 10-1234-5678")
    assert flow.request_item(request_id)["customerPhone"] == "+821012345678"


def test_request_carries_gsi2_keys_but_not_gsi1(flow):
    item = flow.request_item(flow.created())
    assert item["status"] == "Created"
    assert isinstance(item["createdAt"], int)
    assert "GSI1PK" not in item


def test_orchestrator_is_invoked_asynchronously_with_the_request_id(flow, aws_client, load_event, context):
    stub = Stubber(aws_client("lambda"))
    stub.add_response(
        "invoke",
        {"StatusCode": 202},
        {"FunctionName": "partner-confirm-orchestrator", "InvocationType": "Event", "Payload": ANY},
    )
    calls = []
    aws_client("lambda").meta.events.register(
        "provide-client-params.lambda.Invoke", lambda params, **_: calls.append(params)
    )
    with stub:
        answer = intake.handler(load_event("chat.json"), context)
    stub.assert_no_pending_responses()
    assert json.loads(calls[0]["Payload"]) == {"requestId": _body(answer)["requestId"]}


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"customerPhone": "02-123-4567"}, "customerPhone"),
        ({"customerPhone": "+1 415 555 0100"}, "customerPhone"),
        ({"reservationNumber": None}, "reservationNumber"),
        ({"reservationNumber": "  "}, "reservationNumber"),
        ({"message": ""}, "message"),
        ({"message": "가" * 1001}, "message"),
        ({"surprise": "field"}, "surprise"),
    ],
)
def test_bad_bodies_get_400_naming_the_field_in_korean(flow, change, field):
    answer = flow.chat(**change)
    assert answer["statusCode"] == 400
    body = _body(answer)
    assert (body["error"], body["field"]) == ("BAD_REQUEST", field)
    assert any("\uac00" <= ch <= "\ud7a3" for ch in body["message"])


def test_missing_reservation_number_asks_for_it(flow):
    body = _body(flow.chat(reservationNumber=None))
    assert "예약번호를 입력해 주세요" in body["message"]


@pytest.mark.parametrize("raw", ["{not json", "[1, 2]", ""])
def test_malformed_json_is_400(aws, load_event, context, raw):
    answer = intake.handler(load_event("chat.json", raw_body=raw), context)
    assert answer["statusCode"] == 400
    assert _body(answer)["error"] == "BAD_REQUEST"


def test_oversized_body_is_400(aws, load_event, context):
    answer = intake.handler(load_event("chat.json", raw_body="x" * 20_000), context)
    assert answer["statusCode"] == 400


def _stored_requests(aws):
    return aws.scan(
        TableName="partner-confirm-test",
        FilterExpression="begins_with(PK, :p)",
        ExpressionAttributeValues={":p": {"S": "REQ#"}},
        Select="COUNT",
    )["Count"]


def test_nothing_is_stored_for_a_bad_body(flow, aws):
    flow.chat(customerPhone="123")
    assert _stored_requests(aws) == 0


def test_rate_limit_per_ip_answers_429_with_retry_after(flow, monkeypatch):
    monkeypatch.setenv("RATE_LIMIT_PER_MINUTE", "2")
    answers = [flow.chat(reservationNumber=f"R-2026112{i}") for i in range(3)]
    assert [a["statusCode"] for a in answers] == [202, 202, 429]
    assert 1 <= int(answers[2]["headers"]["Retry-After"]) <= 60


def test_rate_limited_answer_stores_no_request(flow, aws, monkeypatch):
    monkeypatch.setenv("RATE_LIMIT_PER_MINUTE", "1")
    flow.chat()
    answer = flow.chat(reservationNumber="R-20261127-002")
    assert _body(answer)["error"] == "RATE_LIMITED"
    requests = aws.scan(
        TableName="partner-confirm-test",
        FilterExpression="begins_with(PK, :p) AND SK = :m",
        ExpressionAttributeValues={":p": {"S": "REQ#"}, ":m": {"S": "METADATA"}},
    )
    assert requests["Count"] == 1


def test_lex_intent_is_recorded_with_its_source(flow, aws_client, monkeypatch):
    monkeypatch.setenv("INTENT_CLASSIFIER", "lex")
    stub = Stubber(aws_client("lexv2-runtime"))
    stub.add_response(
        "recognize_text",
        {
            "interpretations": [
                {"intent": {"name": "RequestExtraService"}, "nluConfidence": {"score": 0.88}}
            ],
            "sessionId": "session-1",
        },
        LEX_PARAMS,
    )
    with stub:
        request_id = flow.created(message="조식 추가 되나요?")
    status = _body(flow.status(request_id))
    assert (status["intent"], status["intentSource"]) == ("부가서비스", "lex")


def test_lex_failure_uses_the_default_intent_and_records_why(flow, aws_client, monkeypatch):
    monkeypatch.setenv("INTENT_CLASSIFIER", "lex")
    stub = Stubber(aws_client("lexv2-runtime"))
    stub.add_client_error("recognize_text", "InternalFailureException", http_status_code=500)
    with stub:
        request_id = flow.created()
    item = flow.request_item(request_id)
    assert (item["intent"], item["intentSource"]) == ("예약변경", "default")
    status = _body(flow.status(request_id))
    assert status["events"][0]["intentSource"] == "default"


def test_hand_over_failure_ends_the_request_with_a_message(flow, aws_client, load_event, context):
    stub = Stubber(aws_client("lambda"))
    stub.add_client_error("invoke", "ServiceException", http_status_code=500)
    with stub:
        answer = intake.handler(load_event("chat.json"), context)
    status = _body(flow.status(_body(answer)["requestId"]))
    assert status["status"] == "Failed"
    assert status["notification"]["source"] == "template"


def test_customer_id_is_optional(flow):
    assert flow.chat(customerId=None)["statusCode"] == 202


def _failing_transactions(aws_client, code):
    def fail(**_):
        raise ClientError({"Error": {"Code": code, "Message": "injected"}}, "TransactWriteItems")

    aws_client("dynamodb").meta.events.register("provide-client-params.dynamodb.TransactWriteItems", fail)


def test_storage_failure_is_500_json(flow, aws_client):
    _failing_transactions(aws_client, "ValidationException")
    answer = flow.chat()
    assert (answer["statusCode"], _body(answer)["error"]) == (500, "INTERNAL")


@pytest.mark.parametrize(
    ("code", "status"),
    [("ThrottlingException", 400), ("InternalServerError", 500), ("ServiceUnavailable", 503)],
)
def test_a_transient_storage_error_is_retried_and_the_chat_accepted(flow, aws_client, code, status):
    failed: list[str] = []

    def once(params, **_):
        if not failed:
            failed.append(code)
            raise ClientError(
                {"Error": {"Code": code, "Message": "x"}, "ResponseMetadata": {"HTTPStatusCode": status}},
                "TransactWriteItems",
            )

    aws_client("dynamodb").meta.events.register("provide-client-params.dynamodb.TransactWriteItems", once)
    assert flow.chat()["statusCode"] == 202
    assert failed == [code]


def test_storage_throttling_is_503_json_once_the_retries_are_spent(flow, aws_client, fast_store_retries):
    attempts = []

    def always(params, **_):
        attempts.append(1)
        raise ClientError({"Error": {"Code": "ThrottlingException", "Message": "x"}}, "TransactWriteItems")

    aws_client("dynamodb").meta.events.register("provide-client-params.dynamodb.TransactWriteItems", always)
    answer = flow.chat()
    assert (answer["statusCode"], _body(answer)["error"]) == (503, "UNAVAILABLE")
    assert len(attempts) > 1


def test_answers_carry_no_cors_headers_the_pages_share_the_api_origin(flow):
    answer = flow.chat()
    assert not any(name.lower().startswith("access-control-") for name in answer.get("headers", {}))


def test_unknown_route_is_404_json(aws, load_event, context):
    event = load_event("chat.json")
    event["rawPath"] = event["requestContext"]["http"]["path"] = "/api/nope"
    answer = intake.handler(event, context)
    assert (answer["statusCode"], _body(answer)["error"]) == (404, "NOT_FOUND")


@pytest.mark.parametrize(
    "raw",
    [
        "!!! not base64 !!!",
        base64.b64encode(b'\xff\xfe{"message": 1}').decode(),  # not UTF-8
    ],
    ids=["bad-base64", "not-utf8"],
)
def test_undecodable_base64_body_is_400(aws, load_event, context, raw):
    event = load_event("chat.json", raw_body=raw)
    event["isBase64Encoded"] = True
    answer = intake.handler(event, context)
    assert answer["statusCode"] == 400
    assert _body(answer)["error"] == "BAD_REQUEST"


@pytest.mark.parametrize("content_type", ["text/plain", "application/octet-stream", None])
def test_a_body_that_is_not_declared_json_is_415(flow, aws, load_event, context, content_type):
    event = load_event("chat.json")
    if content_type is None:
        del event["headers"]["content-type"]
    else:
        event["headers"]["content-type"] = content_type
    answer = intake.handler(event, context)
    assert (answer["statusCode"], _body(answer)["error"]) == (415, "UNSUPPORTED_MEDIA_TYPE")
    assert _stored_requests(aws) == 0


def test_base64_encoded_json_body_is_accepted(flow, load_event, context, aws_client):
    body = {"customerPhone": "010-1234-5678", "reservationNumber": "R-20261127-001", "message": "예약 변경"}
    event = load_event("chat.json")
    event["body"] = base64.b64encode(json.dumps(body, ensure_ascii=False).encode()).decode()
    event["isBase64Encoded"] = True
    event["headers"]["content-type"] = "application/json; charset=utf-8"
    stub = Stubber(aws_client("lambda"))
    stub.add_response(
        "invoke", {"StatusCode": 202}, {"FunctionName": ANY, "InvocationType": "Event", "Payload": ANY}
    )
    with stub:
        assert intake.handler(event, context)["statusCode"] == 202


def test_lone_surrogate_in_body_is_400(aws, load_event, context):
    raw = '{"customerPhone": "\ud800", "reservationNumber": "R-1", "message": "x"}'
    answer = intake.handler(load_event("chat.json", raw_body=raw), context)
    assert answer["statusCode"] == 400


def test_chat_colliding_with_another_from_the_same_address_is_retried(flow, transaction_conflicts):
    # Two chats from one address update the same rate counter: DynamoDB cancels one of the transactions.
    collisions = transaction_conflicts(1)
    assert flow.chat()["statusCode"] == 202
    assert collisions == ["TransactionConflict"]


def test_chat_still_colliding_is_503_json(flow, transaction_conflicts, fast_store_retries):
    transaction_conflicts(10_000)
    answer = flow.chat()
    assert (answer["statusCode"], _body(answer)["error"]) == (503, "UNAVAILABLE")
