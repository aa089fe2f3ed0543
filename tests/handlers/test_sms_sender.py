"""SMS sender: task token stored, link token issued (hash only), one SMS per request, SMSSent recorded."""

from __future__ import annotations

import json

import boto3
import pytest
from botocore.exceptions import ClientError, ReadTimeoutError
from botocore.stub import ANY, Stubber

from handlers import sms_sender
from handlers.models import link_token

REGION = "ap-northeast-2"


def _token_item(digest):
    from handlers.store.table import Store

    return Store(boto3.client("dynamodb", region_name=REGION), "partner-confirm-test").get_token(digest)


def test_partner_gets_a_transactional_sms_with_the_link(flow):
    _, token = flow.texted()
    (sms,) = flow.sms
    assert sms["PhoneNumber"] == "+821098765432"
    assert sms["Message"].endswith("https://confirm.example/r/" + token)
    assert sms["MessageAttributes"]["AWS.SNS.SMS.SMSType"]["StringValue"] == "Transactional"


def test_sms_goes_out_from_the_configured_region(flow, aws_client):
    region = aws_client("sns", "ap-northeast-1").meta.region_name
    flow.texted()
    assert region == "ap-northeast-1"


def test_request_is_sms_sent_with_its_event_and_task_token(flow):
    request_id, _ = flow.texted(task_token="tt-first")
    item = flow.request_item(request_id)
    assert (item["status"], item["taskToken"]) == ("SMSSent", "tt-first")
    events = [e["type"] for e in json.loads(flow.status(request_id)["body"])["events"]]
    assert events == ["Created", "SMSSent"]


def test_only_the_token_hash_is_stored(flow, aws):
    _, token = flow.texted()
    dump = json.dumps(aws.scan(TableName="partner-confirm-test")["Items"])
    assert token not in dump
    item = _token_item(link_token.digest(token))
    assert (item["used"], item["taskToken"]) == (False, "task-token-1")


def test_token_lifetime_is_the_partner_wait(flow):
    _, token = flow.texted()
    item = _token_item(link_token.digest(token))
    # Without the wait's start in the event, the wait is taken to start now.
    assert abs(item["deadlineMs"] - item["createdAt"] - 300_000) <= 1
    assert item["expiresAt"] == -(-item["deadlineMs"] // 1000)


def test_second_invocation_sends_nothing_and_keeps_the_new_task_token(flow, context, aws_client):
    request_id, token = flow.texted(task_token="tt-first")
    sent = []
    aws_client("sns", "ap-northeast-1").meta.events.register(
        "provide-client-params.sns.Publish", lambda params, **_: sent.append(params)
    )
    result = sms_sender.handler({"requestId": request_id, "taskToken": "tt-retry"}, context)
    assert result["sent"] is False
    assert sent == []
    assert flow.request_item(request_id)["taskToken"] == "tt-retry"
    assert _token_item(link_token.digest(token))["taskToken"] == "tt-retry"


def test_sns_refusing_for_good_fails_the_task(flow, context, aws_client):
    request_id = flow.orchestrated()
    stub = Stubber(aws_client("sns", "ap-northeast-1"))
    stub.add_client_error("publish", "InvalidParameter", http_status_code=400)
    with stub, pytest.raises(Exception, match="SNS refused") as failure:
        sms_sender.handler({"requestId": request_id, "taskToken": "tt"}, context)
    stub.assert_no_pending_responses()
    # The state machine's Catch sees this error name and HandleFailure explains it to the customer.
    assert type(failure.value).__name__ == "SmsDeliveryError"


def test_sns_succeeding_on_a_retry_sends_once(flow, context, aws_client):
    request_id = flow.orchestrated()
    stub = Stubber(aws_client("sns", "ap-northeast-1"))
    stub.add_client_error("publish", "Throttling", http_status_code=400)
    stub.add_response(
        "publish", {"MessageId": "m-1"}, {"PhoneNumber": ANY, "Message": ANY, "MessageAttributes": ANY}
    )
    with stub:
        result = sms_sender.handler({"requestId": request_id, "taskToken": "tt"}, context)
    assert result["messageId"] == "m-1"
    assert flow.request_item(request_id)["status"] == "SMSSent"


def _texting_after(flow, context, aws_client, waited_share, then_sent):
    from datetime import UTC, datetime

    from handlers import clock

    request_id = flow.orchestrated()
    started = datetime.fromtimestamp(clock.now() - 300 * waited_share, UTC)  # the wait is 300 s
    stub = Stubber(aws_client("sns", "ap-northeast-1"))
    stub.add_client_error("publish", "Throttling", http_status_code=400)
    if then_sent:
        stub.add_response(
            "publish", {"MessageId": "m-2"}, {"PhoneNumber": ANY, "Message": ANY, "MessageAttributes": ANY}
        )
    event = {"requestId": request_id, "taskToken": "tt", "waitStartedAt": started.isoformat()}
    with stub:
        try:
            return sms_sender.handler(event, context)
        finally:
            stub.assert_no_pending_responses()


def test_a_throttled_text_is_retried_while_half_the_wait_is_left(flow, context, aws_client):
    assert _texting_after(flow, context, aws_client, 0.4, then_sent=True)["messageId"] == "m-2"


def test_a_throttled_text_is_not_retried_once_less_than_half_the_wait_is_left(flow, context, aws_client):
    with pytest.raises(Exception, match="SNS refused the SMS 1 times"):
        _texting_after(flow, context, aws_client, 0.6, then_sent=False)


def test_log_mode_writes_the_message_instead_of_texting(flow, context, aws_client, monkeypatch, capsys):
    monkeypatch.setenv("SMS_MODE", "log")
    request_id = flow.orchestrated()
    sent = []
    aws_client("sns", "ap-northeast-1").meta.events.register(
        "provide-client-params.sns.Publish", lambda params, **_: sent.append(params)
    )
    sms_sender.handler({"requestId": request_id, "taskToken": "tt"}, context)
    out = capsys.readouterr().out
    assert sent == []
    assert "https://confirm.example/r/" in out
    assert "+821098765432" not in out
    assert flow.request_item(request_id)["status"] == "SMSSent"


def test_ended_request_fails_the_task(flow, context, load_event):
    request_id = flow.orchestrated(reservationNumber="R-NOPE-1")
    with pytest.raises(RuntimeError, match="Failed"):
        sms_sender.handler(load_event("notify_partner.json", REQUEST_ID=request_id), context)


def test_missing_link_key_parameter_is_a_clear_error(flow, context, monkeypatch):
    request_id = flow.orchestrated()
    monkeypatch.delenv("LINK_KEY_PARAMETER")
    with pytest.raises(Exception, match="LINK_KEY_PARAMETER"):
        sms_sender.handler({"requestId": request_id, "taskToken": "tt"}, context)


def test_event_without_task_token_is_refused(aws, context):
    with pytest.raises(ValueError, match="taskToken"):
        sms_sender.handler({"requestId": "x"}, context)


def test_sms_out_but_not_recorded_keeps_the_request_answerable(flow, context, aws_client, fast_store_retries):
    # The partner already has the link: a failed `SMSSent` write must not fail the task and end the request.
    request_id = flow.orchestrated()
    broken = []

    def throttle(params, **_):
        if any(
            a.get("Update", {}).get("UpdateExpression", "").startswith("SET #status = :sent")
            for a in params["TransactItems"]
        ):
            broken.append(1)
            raise ClientError(
                {"Error": {"Code": "InternalServerError", "Message": "x"}}, "TransactWriteItems"
            )

    aws_client("dynamodb").meta.events.register("provide-client-params.dynamodb.TransactWriteItems", throttle)
    result = sms_sender.handler({"requestId": request_id, "taskToken": "tt"}, context)
    assert result["sent"] is True
    assert len(broken) > 1  # retried until the store gave up
    assert flow.request_item(request_id)["status"] == "Created"


# -- a send that died after its claim ------------------------------------------------------------------


class Died(Exception):
    """The invocation stopped (timeout, crash) after claiming the send, before SNS took the SMS."""


def _dies_before_publishing(flow, context, aws_client, request_id, task_token="tt-first"):  # noqa: S107
    sns = aws_client("sns", "ap-northeast-1")

    def die(**_):
        raise Died

    sns.meta.events.register("provide-client-params.sns.Publish", die)
    try:
        with pytest.raises(Died):
            sms_sender.handler({"requestId": request_id, "taskToken": task_token}, context)
    finally:
        sns.meta.events.unregister("provide-client-params.sns.Publish", die)
    return flow.request_item(request_id)


def _published(aws_client):
    sent = []
    aws_client("sns", "ap-northeast-1").meta.events.register(
        "provide-client-params.sns.Publish", lambda params, **_: sent.append(params)
    )
    return sent


def _after_the_lease(monkeypatch, claim):
    # The claim is held while its invocation may still run; past that, its holder has surely stopped.
    later = claim["smsLeaseUntil"] / 1000 + 1
    monkeypatch.setattr("handlers.clock.now", lambda: later)


def test_retry_after_a_claim_that_died_unsent_texts_the_partner(flow, context, aws_client, monkeypatch):
    request_id = flow.orchestrated()
    claim = _dies_before_publishing(flow, context, aws_client, request_id)
    assert "smsSentAt" not in claim
    _after_the_lease(monkeypatch, claim)
    sent = _published(aws_client)
    result = sms_sender.handler({"requestId": request_id, "taskToken": "tt-retry"}, context)
    assert result["sent"] is True
    assert len(sent) == 1
    item = flow.request_item(request_id)
    assert (item["status"], item["taskToken"], item["smsAttempt"]) == ("SMSSent", "tt-retry", 2)


def test_resent_link_replaces_the_unsent_one(flow, context, aws_client, monkeypatch, aws):
    request_id = flow.orchestrated()
    claim = _dies_before_publishing(flow, context, aws_client, request_id)
    _after_the_lease(monkeypatch, claim)
    sent = _published(aws_client)
    sms_sender.handler({"requestId": request_id, "taskToken": "tt-retry"}, context)
    token = sent[0]["Message"].rsplit("/", 1)[1]
    tokens = [
        i for i in aws.scan(TableName="partner-confirm-test")["Items"] if i["PK"]["S"].startswith("TOKEN#")
    ]
    assert [i["tokenDigest"]["S"] for i in tokens] == [link_token.digest(token)]
    assert _token_item(link_token.digest(token))["taskToken"] == "tt-retry"
    assert _token_item(claim["tokenDigest"]) is None


def test_duplicate_while_the_claim_is_held_sends_nothing(flow, context, aws_client):
    # A concurrent duplicate: the holder may still be publishing, so a second SMS could go out.
    request_id = flow.orchestrated()
    claim = _dies_before_publishing(flow, context, aws_client, request_id)
    sent = _published(aws_client)
    result = sms_sender.handler({"requestId": request_id, "taskToken": "tt-duplicate"}, context)
    assert (result["sent"], sent) == (False, [])
    assert _token_item(claim["tokenDigest"])["taskToken"] == "tt-duplicate"


def test_no_resend_once_the_partner_opened_the_link(flow, context, aws_client, monkeypatch):
    # SNS took the SMS before the invocation died: an opened link proves the partner has it.
    request_id, token = flow.texted(task_token="tt-first")
    aws_client("dynamodb").update_item(
        TableName="partner-confirm-test",
        Key={"PK": {"S": f"REQ#{request_id}"}, "SK": {"S": "METADATA"}},
        UpdateExpression="REMOVE smsSentAt",
    )
    flow.confirm(token)
    _after_the_lease(monkeypatch, flow.request_item(request_id))
    sent = _published(aws_client)
    result = sms_sender.handler({"requestId": request_id, "taskToken": "tt-retry"}, context)
    assert (result["sent"], sent) == (False, [])
    assert _token_item(link_token.digest(token))["taskToken"] == "tt-retry"


def test_sent_sms_is_not_resent_after_the_lease(flow, context, aws_client, monkeypatch):
    request_id, _ = flow.texted(task_token="tt-first")
    _after_the_lease(monkeypatch, flow.request_item(request_id))
    sent = _published(aws_client)
    assert sms_sender.handler({"requestId": request_id, "taskToken": "tt-retry"}, context)["sent"] is False
    assert sent == []


def test_a_publish_that_timed_out_is_never_repeated(flow, context, aws_client, monkeypatch):
    # SNS may have texted the partner without answering: the SMS counts as sent, and no retry, even one
    # after the lease, texts again.
    request_id = flow.orchestrated()
    publishes = []

    def lost_answer(params, **_):
        publishes.append(params)
        raise ReadTimeoutError(endpoint_url="https://sns.ap-northeast-1.amazonaws.com")

    sns = aws_client("sns", "ap-northeast-1")
    sns.meta.events.register("provide-client-params.sns.Publish", lost_answer)
    first = sms_sender.handler({"requestId": request_id, "taskToken": "tt-first"}, context)
    _after_the_lease(monkeypatch, flow.request_item(request_id))
    again = sms_sender.handler({"requestId": request_id, "taskToken": "tt-retry"}, context)

    assert len(publishes) == 1
    assert (first["sent"], again["sent"]) == (True, False)
    item = flow.request_item(request_id)
    assert (item["status"], item["taskToken"]) == ("SMSSent", "tt-retry")
