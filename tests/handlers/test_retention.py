"""Retention: items holding customer data carry the TTL attribute; demo reservations never expire."""

from __future__ import annotations

from datetime import UTC, datetime
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


def test_links_limits_budgets_and_open_markers_expire_with_their_own_short_lifetimes(
    flow: Any, aws: Any, aws_client: Any
) -> None:
    _answered(flow, aws_client)
    items = _items(aws)
    token = next(i for i in items if i["PK"].startswith("TOKEN#"))
    limits = [i for i in items if i["PK"].startswith("LIMIT#")]
    budget = next(i for i in items if i["PK"] == "BUDGET#SMS")
    marker = next(i for i in items if i["PK"].startswith("RES#") and i["SK"] == "OPEN")

    assert token[TTL_ATTRIBUTE] - token["createdAt"] // 1000 in range(299, 302)  # the link's lifetime
    assert {i["PK"].split("#")[1] for i in limits} == {"address", "partner-texts"}
    for limit in limits:  # a sliding window outlives its newest hit by the window and a minute
        window = 60 if limit["PK"].startswith("LIMIT#address#") else 3600
        assert limit[TTL_ATTRIBUTE] - max(limit["hits"]) // 1000 in range(window + 59, window + 61)
    day = datetime.fromisoformat(budget["SK"].removeprefix("DAY#")).replace(tzinfo=UTC).timestamp()
    assert 3 * DAY <= budget[TTL_ATTRIBUTE] - day < 4 * DAY  # a day's counter, kept three days
    assert marker[TTL_ATTRIBUTE] == marker["openUntil"]


def test_demo_reservations_never_expire(flow: Any, aws: Any) -> None:
    seeded = [seed_data.item(row) for row in seed_data.reservations()]

    assert seeded
    assert all(TTL_ATTRIBUTE not in item for item in seeded)
    assert all(
        TTL_ATTRIBUTE not in i for i in _items(aws) if i["PK"].startswith("RES#") and i["SK"] == "METADATA"
    )
