"""AWS round trips per API call stay at the minimum the data model allows."""

from __future__ import annotations

from botocore.stub import ANY, Stubber


def _counting(aws_client, *services):
    calls: list[str] = []
    for service in services:
        aws_client(service).meta.events.register(
            "provide-client-params", lambda event_name, **_: calls.append(event_name.split(".", 1)[1])
        )
    return calls


def test_respond_takes_three_round_trips(flow, aws_client):
    _, token = flow.texted()
    calls = _counting(aws_client, "dynamodb", "stepfunctions")
    stub = Stubber(aws_client("stepfunctions"))
    stub.add_response("send_task_success", {}, {"taskToken": ANY, "output": ANY})
    with stub:
        assert flow.respond({"token": token, "response": "accept"})["statusCode"] == 200
    assert calls == ["dynamodb.GetItem", "dynamodb.TransactWriteItems", "sfn.SendTaskSuccess"]


def test_chat_checks_address_open_question_and_budget_before_lex(flow, aws_client, monkeypatch):
    monkeypatch.setenv("INTENT_CLASSIFIER", "lex")
    calls = _counting(aws_client, "dynamodb", "lexv2-runtime", "lambda")
    lex = Stubber(aws_client("lexv2-runtime"))
    lex.add_client_error("recognize_text", "InternalFailureException", http_status_code=500)
    with lex:
        assert flow.chat()["statusCode"] == 202
    assert calls == [
        "dynamodb.GetItem",  # the address's sliding window...
        "dynamodb.PutItem",  # ...and its new hit
        "dynamodb.BatchGetItem",  # the reservation's open question and today's SMS budget
        "lex-runtime-v2.RecognizeText",  # only then the paid call
        "dynamodb.TransactWriteItems",
        "lambda.Invoke",
    ]


def test_opening_a_link_again_is_one_read(flow, aws_client):
    _, token = flow.texted()
    flow.confirm(token)
    calls = _counting(aws_client, "dynamodb")
    flow.confirm(token)
    assert calls == ["dynamodb.GetItem"]
