from __future__ import annotations

import boto3
import pytest
from botocore.exceptions import ReadTimeoutError
from botocore.stub import ANY, Stubber

from components.functions import TIMEOUT_SECONDS
from handlers import clock
from handlers.adapters.sms import ATTEMPT_NEEDS_SECONDS, SNS_MAX_ATTEMPTS, SnsSms
from handlers.clients import SNS_CONFIG
from handlers.models.errors import SmsDeliveryError, SmsOutcomeUnknownError

PARAMS = {"PhoneNumber": "+821098765432", "Message": ANY, "MessageAttributes": ANY}


def test_retries_back_off_instead_of_hammering_a_throttled_sns():
    client = boto3.client("sns", region_name="ap-northeast-1")
    pauses: list[float] = []
    with Stubber(client) as stub:
        stub.add_client_error("publish", "Throttling", http_status_code=400)
        stub.add_client_error("publish", "Throttling", http_status_code=400)
        stub.add_response("publish", {"MessageId": "m-1"}, PARAMS)
        assert SnsSms(client, pause=pauses.append, jitter=lambda: 1.0).send("+821098765432", "본문") == "m-1"
    assert pauses == [0.25, 0.5]


def test_a_throttled_sns_is_tried_with_growing_pauses_until_it_takes_the_text():
    client = boto3.client("sns", region_name="ap-northeast-1")
    pauses: list[float] = []
    with Stubber(client) as stub:
        for _ in range(6):
            stub.add_client_error("publish", "Throttling", http_status_code=400)
        stub.add_response("publish", {"MessageId": "m-7"}, PARAMS)
        sms = SnsSms(client, pause=pauses.append, jitter=lambda: 0.0, remaining=lambda: 30.0)
        assert sms.send("+821098765432", "본문") == "m-7"
    assert pauses == [0.125, 0.25, 0.5, 1.0, 2.0, 2.0]  # half of each capped step at the least jitter


def test_a_refusal_that_would_repeat_is_not_retried():
    client = boto3.client("sns", region_name="ap-northeast-1")
    with Stubber(client) as stub:
        stub.add_client_error("publish", "InvalidParameter", http_status_code=400)
        with pytest.raises(SmsDeliveryError, match="1 times"):
            SnsSms(client, pause=lambda _: None).send("+821098765432", "본문")


def test_no_attempt_starts_after_give_up_at(monkeypatch: pytest.MonkeyPatch):
    client = boto3.client("sns", region_name="ap-northeast-1")
    monkeypatch.setattr(clock, "now", lambda: 1_000.0)
    pauses: list[float] = []
    with Stubber(client) as stub:
        for _ in range(3):
            stub.add_client_error("publish", "Throttling", http_status_code=400)
        with pytest.raises(SmsDeliveryError, match="3 times"):
            # 0.25 s and 0.5 s fit before the bound; the next pause (1 s) would end past it.
            SnsSms(client, pause=pauses.append, jitter=lambda: 1.0).send(
                "+821098765432", "본문", give_up_at=1_000.8
            )
    assert pauses == [0.25, 0.5]


def test_no_pause_after_the_last_attempt():
    client = boto3.client("sns", region_name="ap-northeast-1")
    pauses: list[float] = []
    with Stubber(client) as stub:
        for _ in range(SNS_MAX_ATTEMPTS):
            stub.add_client_error("publish", "InternalError", http_status_code=500)
        with pytest.raises(SmsDeliveryError, match=f"{SNS_MAX_ATTEMPTS} times"):
            SnsSms(client, pause=pauses.append).send("+821098765432", "본문")
    assert len(pauses) == SNS_MAX_ATTEMPTS - 1


def test_a_publish_without_an_answer_is_never_repeated():
    client = boto3.client("sns", region_name="ap-northeast-1")
    publishes = []

    def lost_answer(params, **_):
        publishes.append(params)
        raise ReadTimeoutError(endpoint_url="https://sns.ap-northeast-1.amazonaws.com")

    client.meta.events.register("provide-client-params.sns.Publish", lost_answer)
    with pytest.raises(SmsOutcomeUnknownError):
        SnsSms(client, pause=lambda _: None).send("+821098765432", "본문")
    assert len(publishes) == 1


def test_no_new_attempt_without_the_time_for_one():
    client = boto3.client("sns", region_name="ap-northeast-1")
    with Stubber(client) as stub:
        stub.add_client_error("publish", "InternalError", http_status_code=500)
        with pytest.raises(SmsDeliveryError, match="1 times"):
            SnsSms(client, pause=lambda _: None, remaining=lambda: ATTEMPT_NEEDS_SECONDS - 1).send(
                "+821098765432", "본문"
            )


def test_every_sns_attempt_fits_inside_the_functions_timeout():
    # One attempt: connect + read, never retried by botocore; another starts only with time for it.
    assert SNS_CONFIG.retries["total_max_attempts"] == 1
    assert SNS_CONFIG.connect_timeout + SNS_CONFIG.read_timeout < ATTEMPT_NEEDS_SECONDS < TIMEOUT_SECONDS
