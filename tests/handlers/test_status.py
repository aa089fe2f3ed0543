"""`GET /requests/{requestId}`: one Query, the timeline in order, the notification once ready, 404."""

from __future__ import annotations

import json
from datetime import datetime, timedelta

import pytest
from botocore.stub import ANY, Stubber

from handlers import notification


def _body(answer):
    return json.loads(answer["body"])


def test_status_answers_the_contract_fields(flow):
    request_id = flow.created()
    body = _body(flow.status(request_id))
    assert set(body) == {
        "requestId",
        "status",
        "intent",
        "intentSource",
        "reservationNumber",
        "customerQuery",
        "partnerName",
        "partnerNote",
        "failureReason",
        "partnerDeadline",
        "events",
        "notification",
        "customerSms",
        "reply",
        "replyUntil",
    }
    assert (body["requestId"], body["notification"], body["failureReason"]) == (request_id, None, None)
    assert body["partnerDeadline"] is None  # no SMS yet, so no deadline
    assert body["customerQuery"] == "예약 날짜를 다음 주 토요일로 바꿀 수 있을까요?"
    assert (body["partnerName"], body["partnerNote"]) == (None, None)  # the reservation is not looked up yet
    assert (body["customerSms"], body["reply"], body["replyUntil"]) == (False, None, None)


def test_status_names_the_business_once_the_reservation_is_found(flow):
    body = _body(flow.status(flow.orchestrated()))
    assert body["partnerName"] == "한강 게스트하우스"
    assert body["partnerNote"] is None


def test_status_shows_the_partners_note_as_written(flow, aws_client):
    request_id, token = flow.texted()
    stub = Stubber(aws_client("stepfunctions"))
    stub.add_response("send_task_success", {}, {"taskToken": ANY, "output": ANY})
    with stub:
        flow.respond({"token": token, "response": "reject", "note": "  8시는 만석, 8시 반 가능  "})
    assert _body(flow.status(request_id))["partnerNote"] == "8시는 만석, 8시 반 가능"


def test_partner_deadline_is_the_link_expiry_once_texted(flow):
    request_id, token = flow.texted()
    link_expiry = _body(flow.confirm(token))["expiresAt"]
    body = _body(flow.status(request_id))
    deadline = datetime.fromisoformat(body["partnerDeadline"])
    sms_sent = datetime.fromisoformat(next(e["at"] for e in body["events"] if e["type"] == "SMSSent"))
    assert body["partnerDeadline"].endswith("Z")
    assert deadline == datetime.fromisoformat(link_expiry)
    # PARTNER_WAIT_SECONDS is 300 in these tests: the deadline is the wait after the send, not a constant.
    assert timedelta(seconds=298) < deadline - sms_sent <= timedelta(seconds=300)


def test_timeline_is_in_time_order_with_iso_utc_times(flow, aws_client, context):
    request_id, token = flow.texted()
    flow.confirm(token)
    stub = Stubber(aws_client("stepfunctions"))
    stub.add_response("send_task_success", {}, {"taskToken": ANY, "output": ANY})
    with stub:
        flow.respond({"token": token, "response": "accept"})
    notification.handler({"requestId": request_id, "outcome": {"response": "accept"}}, context)
    body = _body(flow.status(request_id))
    assert [e["type"] for e in body["events"]] == ["Created", "SMSSent", "Opened", "Responded"]
    times = [e["at"] for e in body["events"]]
    assert times == sorted(times)
    assert all(t.endswith("Z") for t in times)
    assert body["notification"]["source"] == "template"


def test_status_is_one_round_trip(flow, aws_client):
    request_id, _ = flow.texted()
    calls = []
    aws_client("dynamodb").meta.events.register("provide-client-params.dynamodb", lambda **_: calls.append(1))
    flow.status(request_id)
    assert len(calls) == 1


def test_unknown_request_is_404(flow):
    answer = flow.status("no-such-request")
    assert (answer["statusCode"], _body(answer)["error"]) == (404, "NOT_FOUND")


@pytest.mark.parametrize(
    "request_id", ["no-such-request", "a" * 3000, "%2E%2E", "ABCDEF00-0000-4000-8000-000000000000"]
)
def test_malformed_request_id_is_404_without_a_database_read(flow, aws_client, request_id):
    calls = []
    aws_client("dynamodb").meta.events.register("provide-client-params.dynamodb", lambda **_: calls.append(1))
    answer = flow.status(request_id)
    assert (answer["statusCode"], _body(answer)["error"], calls) == (404, "NOT_FOUND", [])


def test_unknown_well_formed_request_id_is_404(flow):
    answer = flow.status("00000000-0000-4000-8000-000000000000")
    assert answer["statusCode"] == 404


def test_status_never_shows_phones_or_tokens(flow):
    request_id, token = flow.texted()
    text = flow.status(request_id)["body"]
    assert token not in text
    assert "+8210" not in text
    assert "task-token" not in text
