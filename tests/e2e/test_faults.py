"""`/_local/faults` over HTTP: faults reach the functions' AWS calls; the API answers as the issue says."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
import requests
from e2e_client import LocalClient

from local.testing import running_system

pytestmark = pytest.mark.e2e


@pytest.fixture(scope="module")
def client() -> Iterator[LocalClient]:
    with running_system(wait_seconds=30) as base_url:
        yield LocalClient(base_url)


@pytest.fixture
def faults(client: LocalClient) -> Iterator[str]:
    url = f"{client.base_url}/_local/faults"
    yield url
    assert requests.delete(url, timeout=10).status_code == 204


def _inject(url: str, spec: dict[str, Any]) -> dict[str, Any]:
    answer = requests.post(url, json=spec, timeout=10)
    assert answer.status_code == 201, answer.text
    return dict(answer.json())


@pytest.fixture(scope="module")
def request_id(client: LocalClient) -> str:
    return client.ask(client.reservations()[0])


def test_a_fault_that_cannot_apply_is_a_400_naming_its_field(faults: str) -> None:
    answer = requests.post(faults, json={"operation": "dynamodb.*", "error": "Boom", "times": 1}, timeout=10)

    assert answer.status_code == 400
    assert answer.json()["error"] == "BAD_REQUEST"
    assert answer.json()["field"] == "error"
    assert requests.get(faults, timeout=10).json() == []


def test_a_transient_fault_is_absorbed_by_the_store_retries(
    client: LocalClient, faults: str, request_id: str
) -> None:
    fault = _inject(
        faults, {"operation": "dynamodb.*", "error": "ThrottlingException", "times": 2, "function": "status"}
    )

    answer = client.http.get(f"{client.base_url}/api/requests/{request_id}", timeout=30)

    assert answer.status_code == 200, answer.text
    assert fault["times"] == 2
    assert requests.get(faults, timeout=10).json() == []  # both attempts were failed, then it went


def test_a_persistent_fault_is_a_503_unavailable_until_it_is_cleared(
    client: LocalClient, faults: str, request_id: str
) -> None:
    _inject(
        faults,
        {"operation": "dynamodb.*", "error": "InternalServerError", "seconds": 60, "function": "status"},
    )

    during = client.http.get(f"{client.base_url}/api/requests/{request_id}", timeout=30)
    listed = requests.get(faults, timeout=10).json()
    requests.delete(faults, timeout=10)
    after = client.http.get(f"{client.base_url}/api/requests/{request_id}", timeout=30)

    assert during.status_code == 503, during.text
    assert during.json()["error"] == "UNAVAILABLE"
    assert listed[0]["hits"] >= 1
    assert after.status_code == 200


def test_a_fault_on_one_function_leaves_the_others_working(client: LocalClient, faults: str) -> None:
    _inject(
        faults,
        {"operation": "dynamodb.*", "error": "InternalServerError", "seconds": 60, "function": "status"},
    )

    reservation = client.reservations()[1]
    asked = client.chat(
        {
            "customerPhone": reservation["customerPhone"],
            "reservationNumber": reservation["reservationNumber"],
            "message": "주차가 가능한지 알고 싶어요",
        },
        token=client.verify(reservation),
    )

    assert asked.status_code == 202, asked.text


def _partner_texts_to(client: LocalClient, phone: str) -> list[dict[str, str]]:
    return [text for text in client.partner_texts() if text["to"] == phone]


@pytest.mark.parametrize(
    ("operation", "function", "index"),
    [("states.StartExecution", "orchestrator", 2), ("sns.Publish", "sms_sender", 3)],
    ids=["StartExecution", "Publish"],
)
def test_a_throttled_start_or_text_recovers_and_the_partner_answers(
    client: LocalClient, faults: str, operation: str, function: str, index: int
) -> None:
    # Four throttled attempts in a row: more than one retry is needed (the start's client retries, the
    # text's backoff), and the request goes on as if nothing had happened.
    fault = _inject(
        faults, {"operation": operation, "error": "ThrottlingException", "times": 4, "function": function}
    )
    reservation = client.reservations()[index]

    request_id = client.ask(reservation, "체크인 시간을 바꿀 수 있을까요")
    token = client.link_token(request_id, timeout=60)
    answered = client.respond(token, "accept")
    final = client.wait_for_notification(request_id, timeout=60)

    assert fault["times"] == 4
    assert requests.get(faults, timeout=10).json() == []  # every throttled attempt was made, then it went
    assert answered.status_code == 200, answered.text
    assert final["status"] == "Responded"
    assert len(_partner_texts_to(client, str(reservation["partnerPhone"]))) == 1
