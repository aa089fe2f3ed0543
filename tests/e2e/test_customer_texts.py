"""Issue 12 over HTTP on the local runtime (`customerSms: on`, as both stacks): every ending of a verified
customer's request puts exactly one text to the customer in the outbox, and an alternative the customer
confirms reaches the partner's outbox; a second reply is refused."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
import requests
from e2e_client import LocalClient, wait_for

from local.testing import running_system

pytestmark = pytest.mark.e2e

WAIT_SECONDS = 20


@pytest.fixture(scope="module")
def client() -> Iterator[LocalClient]:
    with running_system(wait_seconds=WAIT_SECONDS, extra_env={"DEMO_RESERVATIONS": "7"}) as base_url:
        yield LocalClient(base_url)


@pytest.fixture(scope="module")
def load(client: LocalClient) -> Iterator[dict[str, Any]]:
    """The generated reservations, one per test (each its own customer and partner phone)."""
    return iter([r for r in client.reservations() if r["reservationNumber"].startswith("RSV-LOAD-")])


def _texts_to(client: LocalClient, phone: str, *, but_codes: bool = True) -> list[str]:
    return [
        t["body"] for t in client.sms() if t["to"] == phone and not (but_codes and "인증번호" in t["body"])
    ]


def _the_customer_text(client: LocalClient, reservation: dict[str, Any], request_id: str) -> str:
    """The one text the customer got for the request (waits for it, then checks there is only one)."""
    phone = str(reservation["customerPhone"])
    texts = wait_for(
        lambda: found if (found := _texts_to(client, phone)) else None,
        timeout=30,
        what=f"the customer's text for {request_id}",
    )
    assert len(texts) == 1, texts
    assert texts[0].startswith(f"[예약확인센터(개발)] 예약 {reservation['reservationNumber']} ")
    assert texts[0].endswith(f"/?request={request_id}")
    return texts[0]


def _answered(
    client: LocalClient, reservation: dict[str, Any], response: str, when: str | None = None
) -> str:
    request_id = client.ask(reservation)
    token = client.link_token(request_id, timeout=60)
    assert client.respond(token, response, when).status_code == 200
    client.wait_for_notification(request_id, timeout=60)
    return request_id


def _proposal() -> str:
    return (datetime.now(UTC) + timedelta(days=2)).replace(microsecond=0).isoformat()


def _reply(client: LocalClient, reservation: dict[str, Any], request_id: str, choice: str) -> tuple[int, Any]:
    status, body, _ = client.post_from(
        None, f"/requests/{request_id}/reply", {"choice": choice}, client.verify(reservation)
    )
    return status, body


@pytest.mark.parametrize(("response", "says"), [("accept", "변경 수락"), ("reject", "변경 불가")])
def test_an_answer_texts_the_customer_once(
    client: LocalClient, load: Iterator[dict[str, Any]], response: str, says: str
) -> None:
    reservation = next(load)
    request_id = _answered(client, reservation, response)

    text = _the_customer_text(client, reservation, request_id)

    assert says in text
    assert client.status(request_id)["customerSms"] is True


def test_a_timeout_texts_the_customer_once_with_whom_to_call(
    client: LocalClient, load: Iterator[dict[str, Any]]
) -> None:
    reservation = next(load)
    request_id = client.ask(reservation)
    client.link_token(request_id, timeout=60)
    assert client.status(request_id)["customerSms"] is True  # the page says it will text

    final = client.wait_for_notification(request_id, timeout=WAIT_SECONDS + 60)

    assert final["status"] == "Timeout"
    assert "제시간에 답하지 않았습니다" in _the_customer_text(client, reservation, request_id)


def test_a_failed_request_texts_the_customer_once(
    client: LocalClient, load: Iterator[dict[str, Any]]
) -> None:
    reservation = next(load)
    faults = f"{client.base_url}/_local/faults"
    # The partner's text cannot even be claimed (the table refuses the SMS task for a while): the workflow
    # ends the request Failed.
    fault = {"operation": "dynamodb.*", "error": "InternalServerError", "seconds": 30}
    fault["function"] = "sms_sender"
    assert requests.post(faults, json=fault, timeout=10).status_code == 201
    try:
        request_id = client.ask(reservation)
        final = client.wait_for_notification(request_id, timeout=60)
    finally:
        requests.delete(faults, timeout=10)

    assert final["status"] == "Failed"
    assert "처리하지 못했습니다" in _the_customer_text(client, reservation, request_id)


def test_an_alternative_confirmed_by_the_customer_reaches_the_partner_and_only_once(
    client: LocalClient, load: Iterator[dict[str, Any]]
) -> None:
    reservation = next(load)
    request_id = _answered(client, reservation, "alternative", _proposal())
    assert "다른 시간을 제안" in _the_customer_text(client, reservation, request_id)
    partner = str(reservation["partnerPhone"])
    before = len(_texts_to(client, partner))

    status, body = _reply(client, reservation, request_id, "confirm")
    again, refusal = _reply(client, reservation, request_id, "decline")

    assert status == 200, body
    assert (again, refusal["error"], refusal["choice"]) == (409, "ALREADY_REPLIED", "confirm")
    told = _texts_to(client, partner)[before:]
    assert len(told) == 1
    assert "고객이 제안하신 시간으로 확정했습니다" in told[0]
    final = client.status(request_id)
    assert final["reply"]["choice"] == "confirm"
    assert final["events"][-1]["type"] == "CustomerConfirmed"
    assert len(_texts_to(client, str(reservation["customerPhone"]))) == 1  # the reply texts no customer


def test_a_reply_without_a_proposal_or_a_token_is_refused(
    client: LocalClient, load: Iterator[dict[str, Any]]
) -> None:
    reservation = next(load)
    request_id = _answered(client, reservation, "accept")

    no_proposal, body = _reply(client, reservation, request_id, "confirm")
    anonymous, refusal, _ = client.post_from(None, f"/requests/{request_id}/reply", {"choice": "confirm"})

    assert (no_proposal, body["error"]) == (409, "NO_PROPOSAL")
    assert (anonymous, refusal["error"]) == (401, "VERIFICATION_REQUIRED")
