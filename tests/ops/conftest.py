"""Operator tool tests: an in-process moto table built from the shared schema, filled by the real store."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import boto3
import pytest
from moto import mock_aws

from handlers.models.domain import Status
from handlers.store.schema import create_table_request
from handlers.store.table import Store

TABLE = "partner-confirm-ops-test"
REGION = "ap-northeast-2"
NOW_MS = 1_795_000_000_000  # 2026-11-18T11:06:40Z


@pytest.fixture
def dynamodb(monkeypatch: pytest.MonkeyPatch) -> Iterator[Any]:
    for name in ("AWS_ENDPOINT_URL", "AWS_PROFILE"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "testing")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "testing")
    monkeypatch.setenv("AWS_DEFAULT_REGION", REGION)
    with mock_aws():
        client = boto3.client("dynamodb", region_name=REGION)
        client.create_table(**create_table_request(TABLE))
        yield client


def add_request(
    client: Any,
    request_id: str,
    *,
    created_ms: int,
    status: Status = Status.CREATED,
    phone: str = "+821012345678",
) -> None:
    store = Store(client, TABLE)
    request = {
        "requestId": request_id,
        "customerPhone": phone,
        "reservationNumber": "R-20261127-001",
        "query": f"예약 변경 문의 {phone}",
        "intent": "ChangeReservation",
        "intentSource": "local",
        "createdAt": created_ms,
        "updatedAt": created_ms,
    }
    # Requests seeded out of order on one reservation: each one's open-question marker lapses at once.
    store.create_request(request, {"intent": "ChangeReservation"}, open_until=0)
    if status in (Status.TIMEOUT, Status.FAILED):
        store.end_request(request_id, status, created_ms + 300_000, {"reason": "파트너 응답 없음"})
