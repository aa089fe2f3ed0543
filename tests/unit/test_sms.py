from __future__ import annotations

import boto3
import pytest
from botocore.exceptions import ReadTimeoutError
from botocore.stub import ANY, Stubber

from components.functions import TIMEOUT_SECONDS
from handlers.adapters.sms import ATTEMPT_NEEDS_SECONDS, SnsSms
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
        assert SnsSms(client, pause=pauses.append).send("+821098765432", "본문") == "m-1"
    assert pauses == [0.25, 0.5]


def test_no_pause_after_the_last_attempt():
    client = boto3.client("sns", region_name="ap-northeast-1")
    pauses: list[float] = []
    with Stubber(client) as stub:
        for _ in range(3):
            stub.add_client_error("publish", "InternalError", http_status_code=500)
        with pytest.raises(SmsDeliveryError):
            SnsSms(client, pause=pauses.append).send("+821098765432", "본문")
    assert len(pauses) == 2


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
