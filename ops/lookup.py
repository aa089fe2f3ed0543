"""Read-only queries on the single table: requests by status and time (GSI2), one request's timeline.

Only fields an operator needs leave this module, phone numbers masked and no token material (task tokens,
token digests) at all.
"""

from __future__ import annotations

import heapq
import re
from collections.abc import Iterable, Iterator, Mapping
from datetime import UTC, datetime, timedelta
from typing import Any

from handlers.models.domain import Status
from handlers.observability import scrub
from handlers.store.schema import GSI2, GSI2_PARTITION, GSI2_SORT
from handlers.store.table import Store, from_dynamo

REQUEST_FIELDS = (
    "requestId",
    "status",
    "createdAt",
    "updatedAt",
    "intent",
    "intentSource",
    "reservationNumber",
    "customerId",
    "customerPhone",
    "query",
    "partnerId",
    "partnerName",
    "partnerPhone",
    "serviceType",
    "reservationDate",
    "partnerResponse",
    "failureReason",
    "notification",
)
TIME_FIELDS = ("createdAt", "updatedAt")
_DURATION = re.compile(r"^(\d+)([smhd])$")
_UNITS = {"s": "seconds", "m": "minutes", "h": "hours", "d": "days"}


def parse_since(value: str, now: datetime) -> datetime:
    """`30m`, `1h`, `2d` back from now, or an ISO 8601 time (UTC unless it says otherwise)."""
    found = _DURATION.match(value.strip())
    if found:
        return now - timedelta(**{_UNITS[found.group(2)]: int(found.group(1))})
    try:
        moment = datetime.fromisoformat(value.strip().replace("Z", "+00:00"))
    except ValueError:
        raise ValueError(f"--since takes 30m, 1h, 2d or an ISO 8601 time, not {value!r}") from None
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


def iso(epoch_ms: int) -> str:
    return datetime.fromtimestamp(epoch_ms / 1000, UTC).isoformat(timespec="seconds").replace("+00:00", "Z")


def _masked(value: Any) -> Any:
    if isinstance(value, str):
        return scrub(value)
    if isinstance(value, Mapping):
        return {key: _masked(item) for key, item in value.items() if "token" not in key.lower()}
    if isinstance(value, list):
        return [_masked(item) for item in value]
    return value


def request_view(item: Mapping[str, Any]) -> dict[str, Any]:
    view = {name: _masked(item[name]) for name in REQUEST_FIELDS if item.get(name) is not None}
    for name in TIME_FIELDS:
        if isinstance(view.get(name), int):
            view[name] = iso(view[name])
    notification = view.get("notification")
    if isinstance(notification, Mapping) and isinstance(notification.get("at"), int):
        view["notification"] = {**notification, "at": iso(notification["at"])}
    return view


def event_view(item: Mapping[str, Any]) -> dict[str, Any]:
    return {
        "at": iso(int(item["at"])),
        "type": str(item.get("eventType", "")),
        "details": _masked(dict(item.get("details") or {})),
    }


def _by_status(client: Any, table: str, status: str, since_ms: int) -> Iterator[dict[str, Any]]:
    """Newest first; pages are fetched only as far as the caller reads."""
    kwargs: dict[str, Any] = {
        "TableName": table,
        "IndexName": GSI2,
        # `status` is a reserved word in DynamoDB expressions.
        "KeyConditionExpression": "#status = :status AND #created >= :since",
        "ExpressionAttributeNames": {"#status": GSI2_PARTITION, "#created": GSI2_SORT},
        "ExpressionAttributeValues": {":status": {"S": status}, ":since": {"N": str(since_ms)}},
        "ScanIndexForward": False,
    }
    while True:
        page = client.query(**kwargs)
        for raw in page.get("Items", []):
            yield from_dynamo(raw)
        if "LastEvaluatedKey" not in page:
            return
        kwargs["ExclusiveStartKey"] = page["LastEvaluatedKey"]


def list_requests(
    client: Any, table: str, *, statuses: Iterable[str], since: datetime, limit: int
) -> list[dict[str, Any]]:
    """Requests in the given statuses created since `since`, newest first, at most `limit`."""
    since_ms = int(since.timestamp() * 1000)
    streams = [_by_status(client, table, status, since_ms) for status in statuses]
    merged = heapq.merge(*streams, key=lambda item: -int(item.get(GSI2_SORT, 0)))
    rows = []
    for item in merged:
        rows.append(request_view(item))
        if len(rows) >= limit:
            break
    return rows


def all_statuses() -> list[str]:
    return [status.value for status in Status]


def show_request(client: Any, table: str, request_id: str) -> dict[str, Any] | None:
    request, events = Store(client, table).request_with_events(request_id)
    if request is None:
        return None
    return {"request": request_view(request), "events": [event_view(event) for event in events]}
