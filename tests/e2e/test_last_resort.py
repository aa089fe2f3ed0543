"""The workflow's last resort on the real runtime: with the functions that end a request and write its
message failing for good, the workflow's own DynamoDB steps still end it, record it in the timeline and
tell the customer."""

from __future__ import annotations

import json
from collections.abc import Iterator

import pytest
import requests
from e2e_client import LocalClient

from handlers.models.messages import last_resort_notification
from local.testing import running_system

pytestmark = pytest.mark.e2e

WAIT_SECONDS = 5


@pytest.fixture(scope="module")
def client() -> Iterator[LocalClient]:
    # The sweeper must not be the one that ends it: it runs rarely here and its margin is long.
    with running_system(wait_seconds=WAIT_SECONDS, extra_env={"SWEEP_SECONDS": "3600"}) as base_url:
        yield LocalClient(base_url)


def test_timeout_and_notification_down_for_good_still_end_and_tell(client: LocalClient) -> None:
    faults = f"{client.base_url}/_local/faults"
    for function in ("timeout", "notification"):
        spec = {
            "operation": "dynamodb.*",
            "error": "InternalServerError",
            "seconds": 600,
            "function": function,
        }
        assert requests.post(faults, json=spec, timeout=10).status_code == 201
    try:
        request_id = client.ask(client.reservations()[0], "온수가 나오지 않습니다")
        final = client.wait_for_notification(request_id, timeout=WAIT_SECONDS + 90)
    finally:
        requests.delete(faults, timeout=10)

    assert final["status"] == "Timeout"
    config = requests.get(f"{client.base_url}/config.js", timeout=10).text
    phone = json.loads(config.split("=", 1)[1].rstrip(";\n"))["supportPhone"]
    # Written by the workflow's own step, with the stack's support number.
    assert final["notification"] == {
        "message": last_resort_notification("timeout", phone),
        "source": "template",
    }
    assert f"({phone})" in final["notification"]["message"]
    # The workflow ended it itself, and its timeline says so, after the text went out.
    types = [event["type"] for event in final["events"]]
    assert types[-1] == "Timeout", types
    assert types.index("SMSSent") < types.index("Timeout")
