"""The operator console's actions over HTTP on the local runtime (issue 13): the demo operator signs in
with Cognito (the emulator's), and the edge, the played JWT authorizer and the admin function do the rest.
What the customer's page and the partner's link see afterwards is read the way they read it."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
import requests
from e2e_client import LINK, LocalClient, emulator_client, wait_for

from local.console import DEMO_OPERATOR
from local.testing import running_system

pytestmark = pytest.mark.e2e

# Long enough for each test's steps before the partner's wait runs out.
WAIT_SECONDS = 120


@pytest.fixture(scope="module")
def client() -> Iterator[LocalClient]:
    with running_system(wait_seconds=WAIT_SECONDS, extra_env={"DEMO_RESERVATIONS": "4"}) as base_url:
        yield LocalClient(base_url)


@pytest.fixture(scope="module")
def load(client: LocalClient) -> list[dict[str, Any]]:
    """The generated reservations: each test takes its own."""
    return [r for r in client.reservations() if r["reservationNumber"].startswith("RSV-LOAD-")]


@pytest.fixture(scope="module")
def bearer(client: LocalClient) -> str:
    """The demo operator's access token, from the program's user pool as the console page gets it."""
    outputs = client.outputs()
    answer = emulator_client(client.base_url, "cognito-idp").initiate_auth(
        ClientId=outputs["consoleClientId"],
        AuthFlow="USER_PASSWORD_AUTH",
        AuthParameters={"USERNAME": DEMO_OPERATOR[0], "PASSWORD": DEMO_OPERATOR[1]},
    )
    return str(answer["AuthenticationResult"]["AccessToken"])


def _admin(
    client: LocalClient, bearer: str | None, method: str, path: str, body: Any = None
) -> requests.Response:
    headers = {"Authorization": f"Bearer {bearer}"} if bearer else {}
    return client.http.request(
        method, f"{client.base_url}/api/admin{path}", json=body, headers=headers, timeout=30
    )


def _texted(client: LocalClient, reservation: dict[str, Any]) -> tuple[str, str]:
    request_id = client.ask(reservation)
    return request_id, client.link_token(request_id, timeout=60)


def test_the_queue_and_the_story_need_a_signed_in_operator(client, load, bearer):
    request_id, _ = _texted(client, load[0])

    assert _admin(client, None, "GET", "/requests").status_code == 401
    queue = _admin(client, bearer, "GET", "/requests")
    assert queue.status_code == 200, queue.text
    row = next(r for r in queue.json()["items"] if r["requestId"] == request_id)
    assert row["status"] in {"SMSSent", "Opened"}
    story = _admin(client, bearer, "GET", f"/requests/{request_id}").json()
    assert story["smsAttempts"][0]["outcome"] == "sent"
    assert story["partnerPhone"].startswith("+8210")
    assert "*" in story["partnerPhone"]
    _admin(client, bearer, "POST", f"/requests/{request_id}/close", {"note": "테스트 정리"})


def test_resend_link_refuses_the_old_link_and_the_new_one_answers(client, load, bearer):
    request_id, old = _texted(client, load[1])
    texts_before = len(client.partner_texts())

    answer = _admin(client, bearer, "POST", f"/requests/{request_id}/resend-link", {"note": "문자 못 받음"})

    assert answer.status_code == 200, answer.text
    assert answer.json()["resent"] is True
    assert client.confirm(old).json()["error"] == "TOKEN_INVALID"
    new_texts = wait_for(
        lambda: texts[texts_before:] if len(texts := client.partner_texts()) > texts_before else None,
        timeout=30,
        what="the resent link",
    )
    match = LINK.search(new_texts[-1]["body"])
    assert match is not None
    new = match["token"]
    assert client.confirm(new).json()["requestId"] == request_id
    assert client.respond(new, "accept").status_code == 200
    final = client.wait_for_notification(request_id, timeout=60)
    assert final["status"] == "Responded"


def test_an_operators_answer_reaches_the_customer(client, load, bearer):
    request_id, token = _texted(client, load[2])

    answer = _admin(
        client,
        bearer,
        "POST",
        f"/requests/{request_id}/answer",
        {"response": "reject", "note": "전화로 거절"},
    )

    assert answer.status_code == 200, answer.text
    final = client.wait_for_notification(request_id, timeout=60)
    assert final["status"] == "Responded"
    assert next(e for e in final["events"] if e["type"] == "Responded")["response"] == "reject"
    assert client.respond(token, "accept").json()["error"] == "TOKEN_USED"
    again = _admin(
        client, bearer, "POST", f"/requests/{request_id}/answer", {"response": "accept", "note": "다시"}
    )
    assert (again.status_code, again.json()["error"]) == (409, "NOT_WAITING")


def test_close_ends_the_request_and_the_customer_reads_the_note(client, load, bearer):
    request_id, token = _texted(client, load[3])
    note = "업체 사정으로 고객센터에서 내일 오전에 직접 연락드립니다"

    answer = _admin(client, bearer, "POST", f"/requests/{request_id}/close", {"note": note})

    assert answer.status_code == 200, answer.text
    status = client.status(request_id)
    assert status["status"] == "Closed"
    assert note in status["notification"]["message"]
    assert status["notification"]["source"] == "operator"
    assert client.respond(token, "accept").json()["error"] == "WAIT_ENDED"
    again = _admin(client, bearer, "POST", f"/requests/{request_id}/close", {"note": "다른 메모"})
    assert (again.status_code, again.json()["error"]) == (409, "ALREADY_ENDED")
