"""Retention: items holding customer data carry the TTL attribute; demo reservations never expire."""

from __future__ import annotations

from typing import Any

import pytest
from botocore.stub import ANY, Stubber

from components import seed_data
from handlers.store.schema import TTL_ATTRIBUTE
from handlers.store.table import from_dynamo
from tests.handlers.conftest import TABLE

DAY = 86_400


def _items(aws: Any) -> list[dict[str, Any]]:
    return [from_dynamo(item) for item in aws.scan(TableName=TABLE)["Items"]]


def _answered(flow: Any, aws_client: Any) -> str:
    request_id, token = flow.texted()
    flow.confirm(token)
    stub = Stubber(aws_client("stepfunctions"))
    stub.add_response("send_task_success", {}, {"taskToken": ANY, "output": ANY})
    with stub:
        assert flow.respond({"token": token, "response": "accept"})["statusCode"] == 200
    return request_id


@pytest.mark.parametrize("days", [90, 7])
def test_requests_and_their_events_expire_after_the_retention_days(
    flow: Any, aws: Any, aws_client: Any, monkeypatch: pytest.MonkeyPatch, days: int
) -> None:
    monkeypatch.setenv("RETENTION_DAYS", str(days))
    request_id = _answered(flow, aws_client)

    items = [i for i in _items(aws) if i["PK"] == f"REQ#{request_id}"]
    request = next(i for i in items if i["SK"] == "METADATA")
    events = [i for i in items if i["SK"].startswith("EVENT#")]

    assert request[TTL_ATTRIBUTE] == request["createdAt"] // 1000 + days * DAY
    assert [e["eventType"] for e in events] == ["Created", "SMSSent", "Opened", "Responded"]
    for event in events:
        assert event[TTL_ATTRIBUTE] == event["at"] // 1000 + days * DAY


def test_links_and_rate_counters_expire_with_their_own_short_lifetimes(
    flow: Any, aws: Any, aws_client: Any
) -> None:
    _answered(flow, aws_client)
    items = _items(aws)
    token = next(i for i in items if i["PK"].startswith("TOKEN#"))
    rates = [i for i in items if i["PK"].startswith("RATE#")]

    assert token[TTL_ATTRIBUTE] - token["createdAt"] // 1000 in range(299, 302)  # the link's lifetime
    assert rates
    for rate in rates:
        assert (
            int(rate["SK"].removeprefix("MINUTE#")) * 60
            < rate[TTL_ATTRIBUTE]
            <= (int(rate["SK"].removeprefix("MINUTE#")) + 2) * 60
        )


def test_demo_reservations_never_expire(flow: Any, aws: Any) -> None:
    seeded = [seed_data.item(row) for row in seed_data.reservations()]

    assert seeded
    assert all(TTL_ATTRIBUTE not in item for item in seeded)
    assert all(TTL_ATTRIBUTE not in i for i in _items(aws) if i["PK"].startswith("RES#"))
