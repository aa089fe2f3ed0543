"""`GET /confirm/{token}` and `POST /respond`: verification order, codes, single use, late answers."""

from __future__ import annotations

import json
import threading
from datetime import UTC, datetime, timedelta

import boto3
import pytest
from botocore.exceptions import ClientError
from botocore.stub import ANY, Stubber

from handlers import clock, timeout
from handlers.models import link_token
from handlers.models.errors import WaitEndedError
from handlers.store.keys import token_key
from handlers.store.table import Store
from tests.handlers.conftest import REGION, TABLE

TOKEN_HEADERS = {"Referrer-Policy": "no-referrer", "Cache-Control": "no-store"}


def _body(answer):
    return json.loads(answer["body"])


def _stub_callback(aws_client, *responses):
    """Stub SendTaskSuccess: each item is None (success) or an error code."""
    stub = Stubber(aws_client("stepfunctions"))
    for error in responses:
        if error is None:
            stub.add_response("send_task_success", {}, {"taskToken": ANY, "output": ANY})
        else:
            stub.add_client_error("send_task_success", error, http_status_code=400)
    return stub


def _later(monkeypatch, seconds):
    start = clock.now()
    monkeypatch.setattr(clock, "now", lambda: start + seconds)


# -- GET /confirm/{token} ------------------------------------------------------------------------------


def test_confirm_shows_what_the_partner_needs(flow):
    request_id, token = flow.texted()
    answer = flow.confirm(token)
    assert answer["statusCode"] == 200
    body = _body(answer)
    assert body["requestId"] == request_id
    assert body["reservationNumber"] == "R-20261127-001"
    assert body["customerQuery"].startswith("예약 날짜를")
    assert (body["intent"], body["reservationDate"], body["partnerName"]) == (
        "예약변경",
        "2026-11-28",
        "한강 게스트하우스",
    )
    assert body["expiresAt"].endswith("Z")


def test_confirm_records_opened_once(flow):
    request_id, token = flow.texted()
    flow.confirm(token)
    flow.confirm(token)
    status = _body(flow.status(request_id))
    assert status["status"] == "Opened"
    assert [e["type"] for e in status["events"]].count("Opened") == 1


def test_first_open_after_the_wait_ended_is_410(flow, context):
    request_id, token = flow.texted()
    timeout.handler({"requestId": request_id, "error": {"Error": "States.Timeout"}}, context)
    answer = flow.confirm(token)
    assert (answer["statusCode"], _body(answer)["error"]) == (410, "WAIT_ENDED")


def test_token_answers_carry_no_referrer_and_no_store(flow):
    _, token = flow.texted()
    for answer in (
        flow.confirm(token),
        flow.confirm("x" * 43),
        flow.respond({"token": token, "response": "zzz"}),
    ):
        assert TOKEN_HEADERS.items() <= answer["headers"].items()


@pytest.mark.parametrize("token", ["short", "A" * 43, "A" * 44, "%2E%2E"])
def test_forged_or_malformed_token_is_401_without_a_database_read(flow, aws_client, token):
    _, genuine = flow.texted()
    reads = []
    aws_client("dynamodb").meta.events.register(
        "provide-client-params.dynamodb", lambda params, **_: reads.append(1)
    )
    answer = flow.confirm(token)
    assert (answer["statusCode"], _body(answer)["error"]) == (401, "TOKEN_INVALID")
    assert reads == []
    flow.confirm(genuine)
    assert reads  # the hook does see the reads of a genuine link


@pytest.mark.parametrize("suffix", ["\n", "\r\n", " ", "%0A", "/"])
def test_only_the_token_exactly_as_issued_opens_the_link(flow, load_event, context, suffix):
    # The route's `$` matches before a final newline: a genuine token plus `\n` must not pass for it.
    from handlers import partner_response

    _, token = flow.texted()
    event = load_event("confirm.json", TOKEN=token)
    event["rawPath"] = event["requestContext"]["http"]["path"] = f"/confirm/{token}{suffix}"
    event["pathParameters"] = {"token": token + suffix}
    answer = partner_response.handler(event, context)
    assert answer["statusCode"] in (401, 404), answer
    assert flow.confirm(token)["statusCode"] == 200


def test_authentic_but_unknown_token_is_401(flow):
    flow.texted()
    stray = link_token.issue(b"test-signing-key-0123456789abcdef", int(clock.now()) + 60).value
    assert _body(flow.confirm(stray))["error"] == "TOKEN_INVALID"


def test_expired_token_is_401_expired(flow, monkeypatch):
    _, token = flow.texted()
    _later(monkeypatch, 301)
    answer = flow.confirm(token)
    assert (answer["statusCode"], _body(answer)["error"]) == (401, "TOKEN_EXPIRED")


def test_used_token_is_409_on_confirm(flow, aws_client):
    _, token = flow.texted()
    with _stub_callback(aws_client, None):
        flow.respond({"token": token, "response": "accept"})
    answer = flow.confirm(token)
    assert (answer["statusCode"], _body(answer)["error"]) == (409, "TOKEN_USED")
    assert "이미 사용된 링크" in _body(answer)["message"]


# -- POST /respond -------------------------------------------------------------------------------------


def test_accept_claims_the_token_and_completes_the_wait(flow, aws_client):
    request_id, token = flow.texted(task_token="tt-accept")
    calls = []
    aws_client("stepfunctions").meta.events.register(
        "provide-client-params.sfn.SendTaskSuccess", lambda params, **_: calls.append(params)
    )
    with _stub_callback(aws_client, None):
        answer = flow.respond({"token": token, "response": "accept"})
    assert answer["statusCode"] == 200
    assert _body(answer) == {"success": True, "message": "응답이 접수되었습니다"}
    assert calls[0]["taskToken"] == "tt-accept"
    assert json.loads(calls[0]["output"]) == {"response": "accept", "alternativeTime": None}
    item = flow.request_item(request_id)
    assert (item["status"], item["partnerResponse"]["response"]) == ("Responded", "accept")


def test_alternative_carries_its_time_to_the_workflow(flow, aws_client):
    _, token = flow.texted()
    proposed = (datetime.now(UTC) + timedelta(days=1)).replace(microsecond=0)
    calls = []
    aws_client("stepfunctions").meta.events.register(
        "provide-client-params.sfn.SendTaskSuccess", lambda params, **_: calls.append(params)
    )
    with _stub_callback(aws_client, None):
        flow.respond({"token": token, "response": "alternative", "alternativeTime": proposed.isoformat()})
    output = json.loads(calls[0]["output"])
    assert output["response"] == "alternative"
    assert datetime.fromisoformat(output["alternativeTime"]) == proposed


def test_local_time_without_zone_means_korea_time(flow, aws_client):
    _, token = flow.texted()
    local = (datetime.now(UTC) + timedelta(days=2)).astimezone().replace(tzinfo=None, microsecond=0)
    calls = []
    aws_client("stepfunctions").meta.events.register(
        "provide-client-params.sfn.SendTaskSuccess", lambda params, **_: calls.append(params)
    )
    with _stub_callback(aws_client, None):
        flow.respond({"token": token, "response": "alternative", "alternativeTime": local.isoformat()})
    assert json.loads(calls[0]["output"])["alternativeTime"].endswith("+09:00")


def test_a_note_is_trimmed_stored_with_the_answer_and_passed_to_the_workflow(flow, aws_client):
    request_id, token = flow.texted()
    calls = []
    aws_client("stepfunctions").meta.events.register(
        "provide-client-params.sfn.SendTaskSuccess", lambda params, **_: calls.append(params)
    )
    with _stub_callback(aws_client, None):
        answer = flow.respond({"token": token, "response": "reject", "note": "\n 8시는 만석, 8시 반 가능 \t"})
    assert answer["statusCode"] == 200
    assert json.loads(calls[0]["output"])["note"] == "8시는 만석, 8시 반 가능"
    assert flow.request_item(request_id)["partnerResponse"]["note"] == "8시는 만석, 8시 반 가능"


@pytest.mark.parametrize("note", ["", "   ", None])
def test_a_blank_note_is_no_note(flow, aws_client, note):
    request_id, token = flow.texted()
    with _stub_callback(aws_client, None):
        assert flow.respond({"token": token, "response": "accept", "note": note})["statusCode"] == 200
    assert "note" not in flow.request_item(request_id)["partnerResponse"]


def test_a_note_of_200_characters_is_taken_whole(flow, aws_client):
    request_id, token = flow.texted()
    note = "가" * 200
    with _stub_callback(aws_client, None):
        assert flow.respond({"token": token, "response": "accept", "note": f" {note} "})["statusCode"] == 200
    assert flow.request_item(request_id)["partnerResponse"]["note"] == note


def test_a_note_over_200_characters_is_refused_never_cut(flow):
    request_id, token = flow.texted()
    answer = flow.respond({"token": token, "response": "accept", "note": "가" * 201})
    body = _body(answer)
    assert (answer["statusCode"], body["error"], body["field"]) == (400, "BAD_REQUEST", "note")
    assert "200자" in body["message"]
    assert flow.request_item(request_id)["status"] == "SMSSent"  # nothing claimed: the partner can shorten it


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"response": "maybe"}, "response"),
        ({"response": "accept", "note": 42}, "note"),
        ({"response": "alternative"}, "alternativeTime"),
        ({"response": "alternative", "alternativeTime": "next tuesday"}, "alternativeTime"),
        ({"response": "alternative", "alternativeTime": "2020-01-01T10:00:00+09:00"}, "alternativeTime"),
        # Year 9999 cannot be shown in Korea time: accepting it would crash the notification later.
        ({"response": "alternative", "alternativeTime": "9999-12-31T23:59:59Z"}, "alternativeTime"),
        ({"response": "alternative", "alternativeTime": "2099-01-01T10:00:00+09:00"}, "alternativeTime"),
        ({"response": "accept", "extra": 1}, "extra"),
    ],
)
def test_invalid_answers_are_400_and_claim_nothing(flow, body, field):
    request_id, token = flow.texted()
    answer = flow.respond({"token": token, **body})
    assert (answer["statusCode"], _body(answer)["field"]) == (400, field)
    assert flow.request_item(request_id)["status"] == "SMSSent"


@pytest.mark.parametrize("shape", ["epoch-seconds", "epoch-text", "date-only"])
def test_alternative_time_must_be_an_iso_date_and_time(flow, shape):
    request_id, token = flow.texted()
    soon = datetime.now(UTC) + timedelta(days=2)
    value = {
        "epoch-seconds": int(soon.timestamp()),
        "epoch-text": str(int(soon.timestamp())),
        "date-only": soon.date().isoformat(),
    }[shape]
    answer = flow.respond({"token": token, "response": "alternative", "alternativeTime": value})
    assert (answer["statusCode"], _body(answer)["field"]) == (400, "alternativeTime")
    assert flow.request_item(request_id)["status"] == "SMSSent"


def test_malformed_json_is_400(flow):
    answer = flow.respond(raw_body="{")
    assert (answer["statusCode"], _body(answer)["error"]) == (400, "BAD_REQUEST")


def test_second_answer_is_409(flow, aws_client):
    _, token = flow.texted()
    with _stub_callback(aws_client, None):
        flow.respond({"token": token, "response": "accept"})
    answer = flow.respond({"token": token, "response": "reject"})
    assert (answer["statusCode"], _body(answer)["error"]) == (409, "TOKEN_USED")


def test_forged_token_is_401(flow):
    flow.texted()
    answer = flow.respond({"token": "B" * 43, "response": "accept"})
    assert (answer["statusCode"], _body(answer)["error"]) == (401, "TOKEN_INVALID")


def test_answer_once_the_link_expired_is_410_wait_ended(flow, monkeypatch):
    # The link lives exactly as long as the wait, so an answer past its expiry came after the wait.
    _, token = flow.texted()
    _later(monkeypatch, 300)
    answer = flow.respond({"token": token, "response": "accept"})
    assert (answer["statusCode"], _body(answer)["error"]) == (410, "WAIT_ENDED")


def test_answer_after_the_wait_ended_is_410_in_korean(flow, context):
    request_id, token = flow.texted()
    timeout.handler({"requestId": request_id, "error": {"Error": "States.Timeout"}}, context)
    answer = flow.respond({"token": token, "response": "accept"})
    assert (answer["statusCode"], _body(answer)["error"]) == (410, "WAIT_ENDED")
    assert "대기 시간이 끝나" in _body(answer)["message"]
    assert flow.request_item(request_id)["status"] == "Timeout"


@pytest.mark.parametrize("code", ["TaskTimedOut", "InvalidToken", "TaskDoesNotExist"])
def test_closed_callback_after_the_claim_is_still_200(flow, aws_client, code):
    request_id, token = flow.texted()
    with _stub_callback(aws_client, code) as stub:
        answer = flow.respond({"token": token, "response": "reject"})
    stub.assert_no_pending_responses()
    assert answer["statusCode"] == 200
    assert flow.request_item(request_id)["partnerResponse"]["response"] == "reject"


def test_send_task_success_is_retried_once(flow, aws_client):
    _, token = flow.texted()
    with _stub_callback(aws_client, "ServiceUnavailable", None) as stub:
        answer = flow.respond({"token": token, "response": "accept"})
    stub.assert_no_pending_responses()
    assert answer["statusCode"] == 200


def test_answer_colliding_with_another_transaction_is_retried_not_500(
    flow, aws_client, transaction_conflicts
):
    # Real DynamoDB cancels one of two concurrent transactions on the token (a double click) or on the
    # request (the timeout handler): the loser must get its condition's verdict, not a 500.
    request_id, token = flow.texted()
    collisions = transaction_conflicts(1)
    with _stub_callback(aws_client, None):
        answer = flow.respond({"token": token, "response": "accept"})
    assert (answer["statusCode"], collisions) == (200, ["TransactionConflict"])
    assert flow.request_item(request_id)["status"] == "Responded"


def test_timeout_after_a_recorded_answer_passes_the_answer_on(flow, aws_client, context):
    request_id, token = flow.texted()
    with _stub_callback(aws_client, "TaskTimedOut"):
        flow.respond({"token": token, "response": "reject"})
    outcome = timeout.handler({"requestId": request_id, "error": {"Error": "States.Timeout"}}, context)
    assert outcome == {"response": "reject", "alternativeTime": None}
    assert flow.request_item(request_id)["status"] == "Responded"


def test_sixteen_concurrent_answers_give_one_success_and_one_callback(flow, aws_client, serialised_aws_calls):
    _, token = flow.texted()
    calls = []
    aws_client("stepfunctions").meta.events.register(
        "provide-client-params.sfn.SendTaskSuccess", lambda params, **_: calls.append(params)
    )
    results: list[int] = []
    barrier = threading.Barrier(16)

    def answer() -> None:
        barrier.wait()
        results.append(flow.respond({"token": token, "response": "accept"})["statusCode"])

    stub = _stub_callback(aws_client, None)
    with stub:
        threads = [threading.Thread(target=answer) for _ in range(16)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
    assert sorted(results) == [200] + [409] * 15
    assert len(calls) == 1


def test_unexpected_errors_are_500_json(flow, aws_client):
    _, token = flow.texted()
    stub = Stubber(aws_client("dynamodb"))
    stub.add_client_error("get_item", "ValidationException", http_status_code=400)
    with stub:
        answer = flow.respond({"token": token, "response": "accept"})
    assert (answer["statusCode"], _body(answer)["error"]) == (500, "INTERNAL")


def test_throttling_is_503_once_the_retries_are_spent(flow, aws_client, fast_store_retries):
    _, token = flow.texted()
    stub = Stubber(aws_client("dynamodb"))
    for _ in range(200):
        stub.add_client_error("get_item", "ProvisionedThroughputExceededException", http_status_code=400)
    with stub:
        answer = flow.confirm(token)
    assert (answer["statusCode"], _body(answer)["error"]) == (503, "UNAVAILABLE")


def test_an_answer_whose_transaction_was_throttled_is_retried_and_recorded_once(flow, aws_client):
    request_id, token = flow.texted()
    cancelled: list[str] = []

    def throttled_once(params, **_):
        if not cancelled:
            cancelled.append(params["ClientRequestToken"])
            reasons = [{"Code": "None"}, {"Code": "ThrottlingError"}, {"Code": "None"}]
            raise ClientError(
                {
                    "Error": {"Code": "TransactionCanceledException", "Message": "x"},
                    "CancellationReasons": reasons,
                },
                "TransactWriteItems",
            )

    aws_client("dynamodb").meta.events.register(
        "provide-client-params.dynamodb.TransactWriteItems", throttled_once
    )
    stub = Stubber(aws_client("stepfunctions"))
    stub.add_response("send_task_success", {}, {"taskToken": ANY, "output": ANY})
    with stub:
        answer = flow.respond({"token": token, "response": "accept"})
    assert answer["statusCode"] == 200, answer
    assert len(cancelled) == 1
    assert flow.request_item(request_id)["status"] == "Responded"


def test_broken_stored_data_is_500_not_the_callers_400(flow, aws):
    # A ValidationError outside body parsing is our bug: telling the partner their request is malformed
    # would be wrong, and would hide the fault from the 5xx alarms.
    _, token = flow.texted()
    aws.update_item(
        TableName=TABLE,
        Key=token_key(link_token.digest(token)),
        UpdateExpression="SET #v.reservationDate = :n",
        ExpressionAttributeNames={"#v": "view"},
        ExpressionAttributeValues={":n": {"N": "20261128"}},
    )
    answer = flow.confirm(token)
    assert (answer["statusCode"], _body(answer)["error"]) == (500, "INTERNAL")


def test_claim_that_finds_the_link_expired_is_wait_ended(flow):
    # The check before the claim and the claim's own condition must agree: past expiry, an answer is 410.
    request_id, token = flow.texted()
    store = Store(boto3.client("dynamodb", region_name=REGION), TABLE)
    item = store.get_token(link_token.digest(token))
    assert item is not None
    expires_at = int(item["expiresAt"])
    with pytest.raises(WaitEndedError):
        store.claim_answer(link_token.digest(token), request_id, {"response": "accept"}, expires_at, {})
