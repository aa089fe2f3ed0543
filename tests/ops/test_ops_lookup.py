"""Requests by status and time (GSI2) and one request's timeline, on the table the store writes."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from handlers.models.domain import Status
from ops import lookup
from tests.ops.conftest import NOW_MS, TABLE, add_request

NOW = datetime.fromtimestamp(NOW_MS / 1000, UTC)
MINUTE = 60_000


def test_lists_only_the_status_asked_for_newest_first(dynamodb: Any) -> None:
    add_request(dynamodb, "r-old", created_ms=NOW_MS - 30 * MINUTE)
    add_request(dynamodb, "r-new", created_ms=NOW_MS - 5 * MINUTE)
    add_request(dynamodb, "r-gone", created_ms=NOW_MS - 10 * MINUTE, status=Status.TIMEOUT)

    rows = lookup.list_requests(
        dynamodb, TABLE, statuses=["Created"], since=NOW - timedelta(hours=1), limit=10
    )

    assert [row["requestId"] for row in rows] == ["r-new", "r-old"]


def test_leaves_out_requests_older_than_the_window(dynamodb: Any) -> None:
    add_request(dynamodb, "r-recent", created_ms=NOW_MS - 20 * MINUTE)
    add_request(dynamodb, "r-yesterday", created_ms=NOW_MS - 25 * 60 * MINUTE)

    rows = lookup.list_requests(
        dynamodb, TABLE, statuses=["Created"], since=NOW - timedelta(hours=1), limit=10
    )

    assert [row["requestId"] for row in rows] == ["r-recent"]


def test_merges_several_statuses_by_time_and_stops_at_the_limit(dynamodb: Any) -> None:
    add_request(dynamodb, "r-1", created_ms=NOW_MS - 1 * MINUTE)
    add_request(dynamodb, "r-2", created_ms=NOW_MS - 2 * MINUTE, status=Status.FAILED)
    add_request(dynamodb, "r-3", created_ms=NOW_MS - 3 * MINUTE)
    add_request(dynamodb, "r-4", created_ms=NOW_MS - 4 * MINUTE, status=Status.TIMEOUT)

    rows = lookup.list_requests(
        dynamodb, TABLE, statuses=lookup.all_statuses(), since=NOW - timedelta(hours=1), limit=3
    )

    assert [(row["requestId"], row["status"]) for row in rows] == [
        ("r-1", "Created"),
        ("r-2", "Failed"),
        ("r-3", "Created"),
    ]


def test_rows_show_times_in_utc_and_mask_phone_numbers(dynamodb: Any) -> None:
    add_request(dynamodb, "r-1", created_ms=NOW_MS, phone="+821012345678")

    [row] = lookup.list_requests(
        dynamodb, TABLE, statuses=["Created"], since=NOW - timedelta(hours=1), limit=1
    )

    assert row["createdAt"] == "2026-11-18T11:06:40Z"
    assert "12345678" not in str(row)
    assert row["customerPhone"].endswith("78")


def test_the_notification_time_is_utc_like_the_other_times() -> None:
    item = {"requestId": "r-1", "notification": {"message": "안내", "source": "template", "at": NOW_MS}}

    view = lookup.request_view(item)

    assert view["notification"] == {"message": "안내", "source": "template", "at": "2026-11-18T11:06:40Z"}


def test_show_returns_the_request_and_its_timeline_in_order(dynamodb: Any) -> None:
    add_request(dynamodb, "r-1", created_ms=NOW_MS, status=Status.TIMEOUT)

    found = lookup.show_request(dynamodb, TABLE, "r-1")

    assert found is not None
    assert found["request"]["status"] == "Timeout"
    assert [event["type"] for event in found["events"]] == ["Created", "Timeout"]
    assert found["events"][1]["at"] == "2026-11-18T11:11:40Z"
    assert found["events"][1]["details"] == {"reason": "파트너 응답 없음"}


def test_show_never_returns_token_material() -> None:
    item = {
        "requestId": "r-1",
        "status": "SMSSent",
        "taskToken": "secret",
        "partnerResponse": {"tokenHash": "x"},
    }

    view = lookup.request_view(item)

    assert "taskToken" not in view
    assert view["partnerResponse"] == {}


def test_show_answers_none_for_an_unknown_request(dynamodb: Any) -> None:
    assert lookup.show_request(dynamodb, TABLE, "nope") is None


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("30m", NOW - timedelta(minutes=30)),
        ("1h", NOW - timedelta(hours=1)),
        ("2d", NOW - timedelta(days=2)),
        ("2026-11-18T00:00:00Z", datetime(2026, 11, 18, tzinfo=UTC)),
        ("2026-11-18T09:00:00", datetime(2026, 11, 18, 9, tzinfo=UTC)),
    ],
)
def test_since_takes_a_duration_or_a_time(value: str, expected: datetime) -> None:
    assert lookup.parse_since(value, NOW) == expected


def test_since_rejects_anything_else() -> None:
    with pytest.raises(ValueError, match="--since"):
        lookup.parse_since("yesterday", NOW)
