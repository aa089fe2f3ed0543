from __future__ import annotations

import boto3
import pytest
from botocore.stub import ANY, Stubber

from handlers.adapters.sms import SnsSms
from handlers.models.errors import SmsDeliveryError

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
