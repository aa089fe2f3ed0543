"""The whole system, started as the README starts it, used over HTTP by a customer and a partner."""

from __future__ import annotations

import json
import time
import uuid
from collections.abc import Iterator
from typing import Any

import pytest
from e2e_client import HANGUL, LocalClient, emulator_client

from local.testing import running_system
from ops.profile import WaitTooLongError, record

pytestmark = pytest.mark.e2e

# Long enough to answer in time on a loaded machine, short enough to watch a wait run out.
WAIT_SECONDS = 10
FLOW_TIMEOUT = 60.0
SWEEP_SECONDS = 2  # the declared sweep schedule, played this often here


@pytest.fixture(scope="module")
def system() -> Iterator[str]:
    with running_system(
        wait_seconds=WAIT_SECONDS, extra_env={"SWEEP_SECONDS": str(SWEEP_SECONDS)}
    ) as base_url:
        yield base_url


_TOKENS: dict[tuple[str, str], str] = {}


@pytest.fixture
def client(system: str) -> LocalClient:
    """Each test is a visitor of its own (its own address, as the edge's rate per address counts); the
    customers' tokens are shared, as a verified customer stays verified on another network."""
    return LocalClient(system, tokens=_TOKENS)


@pytest.fixture(scope="module")
def reservation(system: str) -> dict[str, Any]:
    return LocalClient(system).reservations()[0]


@pytest.fixture(scope="module")
def timed_out(system: str, reservation: dict[str, Any]) -> tuple[str, str, dict[str, Any]]:
    """A request whose partner never answered: (request id, its link token, its final status)."""
    client = LocalClient(system)
    request_id = client.ask(reservation, "온수가 나오지 않습니다")
    token = client.link_token(request_id, timeout=FLOW_TIMEOUT)
    final = client.wait_for_notification(request_id, timeout=WAIT_SECONDS + FLOW_TIMEOUT)
    return request_id, token, final


def test_the_site_and_its_config_are_served(client: LocalClient) -> None:
    page = client.http.get(f"{client.base_url}/", timeout=30)
    config = client.http.get(f"{client.base_url}/config.js", timeout=30)

    assert page.status_code == 200
    assert page.headers["Content-Type"].startswith("text/html")
    # The API is on the pages' own origin, under /api, as on CloudFront.
    assert '"apiBaseUrl": "/api"' in config.text
    # The dev stack's settings, as the pages show them.
    assert '"brandName": "예약확인센터(개발)", "supportPhone": "1588-0000"' in config.text
    assert "connect-src 'self';" in page.headers["Content-Security-Policy"]


def test_an_unknown_request_stays_the_apis_json_404_not_the_site_page(client: LocalClient) -> None:
    answer = client.http.get(f"{client.base_url}/api/requests/01JD0000000000000000000000", timeout=30)

    assert answer.status_code == 404
    assert answer.json()["error"] == "NOT_FOUND"
    assert not any(name.lower().startswith("access-control-") for name in answer.headers)


def test_a_request_straight_to_the_execute_api_url_is_refused(client: LocalClient) -> None:
    body = {"customerPhone": "010-1234-5678", "reservationNumber": "RSV-1", "message": "안녕하세요"}
    stored = client.stored_request_count()
    direct = client.http.post(f"{client.base_url}/_local/execute-api/api/chat", json=body, timeout=30)
    guessed = client.http.post(
        f"{client.base_url}/_local/execute-api/api/chat",
        json=body,
        headers={"X-Origin-Verify": "guessed"},
        timeout=30,
    )

    assert (direct.status_code, direct.json()["error"]) == (403, "EDGE_REQUIRED")
    assert (guessed.status_code, guessed.json()["error"]) == (403, "EDGE_REQUIRED")
    assert client.stored_request_count() == stored


def test_one_address_over_the_edge_rate_gets_a_korean_429_and_others_go_on(client: LocalClient) -> None:
    rate = 100  # Pulumi.dev.yaml: wafRateLimit
    answers = [client.http.get(f"{client.base_url}/config.js", timeout=30) for _ in range(rate + 1)]
    neighbour = LocalClient(client.base_url)

    assert [a.status_code for a in answers[:rate]] == [200] * rate
    assert answers[rate].status_code == 429
    assert answers[rate].headers["Retry-After"] == "60"
    assert answers[rate].json()["error"] == "RATE_LIMITED"
    assert HANGUL.search(answers[rate].json()["message"])
    assert client.chat({"customerPhone": "010-1234-5678"}).status_code == 429
    assert neighbour.http.get(f"{client.base_url}/config.js", timeout=30).status_code == 200


def test_a_partner_link_serves_the_partner_page_without_referrer(client: LocalClient) -> None:
    page = client.http.get(f"{client.base_url}/r/some-token", timeout=30)

    assert page.status_code == 200
    assert page.headers["Referrer-Policy"] == "no-referrer"
    assert "partner.js" in page.text


def test_the_console_address_serves_its_page_and_its_files_stay_themselves(client: LocalClient) -> None:
    page = client.http.get(f"{client.base_url}/admin/", timeout=30)
    script = client.http.get(f"{client.base_url}/admin/admin.js", timeout=30)

    assert page.status_code == 200
    assert '<script src="/admin/admin.js" defer></script>' in page.text
    assert page.headers["Cache-Control"] == "no-store"
    assert script.status_code == 200
    assert script.headers["Content-Type"].startswith("text/javascript")
    assert "PartnerConfirmAuth" in script.text


def test_a_mistyped_site_address_gets_the_korean_404_page(client: LocalClient) -> None:
    page = client.http.get(f"{client.base_url}/no/such-page.html", timeout=30)

    assert page.status_code == 404
    assert page.headers["Content-Type"].startswith("text/html")
    assert "페이지를 찾을 수 없습니다" in page.text
    assert 'href="/"' in page.text
    assert "AccessDenied" not in page.text
    assert page.headers["Content-Security-Policy"].startswith("default-src 'self'")
    # A page without script: the deployment wrote in the brand and support phone `config.js` gives the others.
    config = client.http.get(f"{client.base_url}/config.js", timeout=30).text
    brand, phone = (
        json.loads(config.split("=", 1)[1].rstrip(";\n"))[key] for key in ("brandName", "supportPhone")
    )
    assert f">{phone}</a>" in page.text
    assert page.text.count(brand) >= 3  # title, header, footer
    assert "{{" not in page.text


@pytest.mark.parametrize(
    ("response", "alternative_time"),
    [("accept", None), ("reject", None), ("alternative", "2026-12-24T15:00:00+09:00")],
)
def test_a_partner_answer_reaches_the_customer_as_a_notification(
    client: LocalClient, reservation: dict[str, Any], response: str, alternative_time: str | None
) -> None:
    request_id = client.ask(reservation)
    token = client.link_token(request_id, timeout=FLOW_TIMEOUT)

    answer = client.respond(token, response, alternative_time)
    final = client.wait_for_notification(request_id, timeout=FLOW_TIMEOUT)

    assert answer.status_code == 200, answer.text
    assert final["status"] == "Responded"
    assert [e.get("response") for e in final["events"] if e["type"] == "Responded"] == [response]
    assert final["notification"]["source"] == "template"
    assert HANGUL.search(final["notification"]["message"])


def test_no_answer_ends_in_timeout_and_still_notifies_the_customer(
    timed_out: tuple[str, str, dict[str, Any]],
) -> None:
    _, _, final = timed_out

    assert final["status"] == "Timeout"
    assert HANGUL.search(final["notification"]["message"])


def test_the_played_sweep_schedule_ends_a_request_left_open_long_past_its_wait(client: LocalClient) -> None:
    # As if its workflow had died an hour ago with the partner texted.
    request_id = str(uuid.uuid4())
    an_hour_ago = int((time.time() - 3600) * 1000)
    emulator_client(client.base_url, "dynamodb").put_item(
        TableName=client.outputs()["tableName"],
        Item={
            "PK": {"S": f"REQ#{request_id}"},
            "SK": {"S": "METADATA"},
            "requestId": {"S": request_id},
            "status": {"S": "SMSSent"},
            "createdAt": {"N": str(an_hour_ago)},
            "smsSentAt": {"N": str(an_hour_ago)},
            "reservationNumber": {"S": "RSV-20261205-001"},
        },
    )

    final = client.wait_for_notification(request_id, timeout=SWEEP_SECONDS * 5 + 30)

    assert final["status"] == "Timeout"
    assert final["notification"]["source"] == "template"
    assert HANGUL.search(final["notification"]["message"])
    assert [e["type"] for e in final["events"]] == ["Timeout"]


def test_an_answer_after_the_wait_gets_410(
    client: LocalClient, timed_out: tuple[str, str, dict[str, Any]]
) -> None:
    _, token, _ = timed_out

    answer = client.respond(token, "accept")

    assert answer.status_code == 410, answer.text
    assert answer.json()["error"] == "WAIT_ENDED"


def test_the_outbox_shows_the_partner_texts_with_clickable_links(
    client: LocalClient, timed_out: tuple[str, str, dict[str, Any]]
) -> None:
    _, token, _ = timed_out

    page = client.http.get(f"{client.base_url}/_local/outbox", timeout=30)

    assert page.status_code == 200
    assert "문자 보관함" in page.text
    assert f'<a href="{client.base_url}/r/{token}"' in page.text


def test_the_outbox_names_the_partner_a_text_went_to(
    client: LocalClient, reservation: dict[str, Any], timed_out: tuple[str, str, dict[str, Any]]
) -> None:
    page = client.http.get(f"{client.base_url}/_local/outbox", timeout=30)

    assert f"{reservation['partnerName']} · 010-" in page.text


def test_the_sms_list_leaves_out_the_texts_a_poller_already_read(
    client: LocalClient, timed_out: tuple[str, str, dict[str, Any]]
) -> None:
    every = client.sms()

    newer = client.http.get(f"{client.base_url}/_local/sms?since={len(every) - 1}", timeout=30)
    refused = client.http.get(f"{client.base_url}/_local/sms?since=-1", timeout=30)

    assert newer.json()[:1] == every[-1:]  # and then any text sent in between, none read before
    assert refused.status_code == 400


def test_a_browser_on_localhost_is_sent_to_the_origin_the_pages_name(client: LocalClient) -> None:
    port = client.base_url.rsplit(":", 1)[1]

    answer = client.http.get(f"http://localhost:{port}/?request=r-1", allow_redirects=False, timeout=30)

    assert answer.status_code == 307
    assert answer.headers["Location"] == f"{client.base_url}/?request=r-1"


def test_a_second_answer_with_a_used_link_gets_409(client: LocalClient, reservation: dict[str, Any]) -> None:
    request_id = client.ask(reservation)
    token = client.link_token(request_id, timeout=FLOW_TIMEOUT)
    assert client.respond(token, "accept").status_code == 200

    second = client.respond(token, "reject")

    assert second.status_code == 409, second.text
    assert second.json()["error"] == "TOKEN_USED"
    assert HANGUL.search(second.json()["message"])


def test_a_tampered_link_gets_401(client: LocalClient, reservation: dict[str, Any]) -> None:
    request_id = client.ask(reservation)
    token = client.link_token(request_id, timeout=FLOW_TIMEOUT)
    # A middle character: the last one of 43 base64url characters also holds two unused bits.
    tampered = token[:5] + ("A" if token[5] != "A" else "B") + token[6:]

    opened = client.confirm(tampered)
    answered = client.respond(tampered, "accept")

    assert opened.status_code == 401, opened.text
    assert answered.status_code == 401, answered.text
    assert client.status(request_id)["status"] != "Responded"
    # Only the token exactly as issued opens the link: not with a newline or a space after it (issue 11).
    for suffix in ("%0A", "%0D%0A", "%20"):
        assert client.confirm(token + suffix).status_code in (401, 404), suffix
    assert client.respond(token + "\n", "accept").status_code in (400, 401)
    assert client.confirm(token).status_code == 200


def test_a_question_without_a_customer_token_is_refused_and_stores_nothing(
    client: LocalClient, reservation: dict[str, Any]
) -> None:
    stored_before = client.stored_request_count()
    body = {**VALID_CHAT, "reservationNumber": reservation["reservationNumber"]}

    answer = client.chat(body)

    assert answer.status_code == 401, answer.text
    assert answer.json()["error"] == "VERIFICATION_REQUIRED"
    assert HANGUL.search(answer.json()["message"])
    assert client.stored_request_count() == stored_before


VALID_CHAT = {"customerPhone": "010-1234-5678", "reservationNumber": "RSV-20261205-001", "message": "문의"}


@pytest.mark.parametrize(
    "body",
    [
        pytest.param('{"customerPhone": "010-1234-5678", "reservationNumber":', id="malformed-json"),
        pytest.param({"customerPhone": "010-1234-5678", "message": "문의"}, id="missing-field"),
        pytest.param({**VALID_CHAT, "message": "가" * 5000}, id="oversized-message"),
        pytest.param({**VALID_CHAT, "customerPhone": "+14155550100"}, id="non-korean-phone"),
    ],
)
def test_bad_input_gets_a_korean_400_and_stores_nothing(
    client: LocalClient, body: dict[str, Any] | str
) -> None:
    stored_before = client.stored_request_count()

    answer = client.chat(body)

    assert answer.status_code == 400, answer.text
    assert answer.json()["error"] == "BAD_REQUEST"
    assert HANGUL.search(answer.json()["message"])
    assert client.stored_request_count() == stored_before


def test_recording_a_profile_against_a_long_partner_wait_says_what_to_do(client: LocalClient) -> None:
    # The recorder may wait 15 s here; this runtime's partners get 10 s, and a recording needs a margin.
    with pytest.raises(WaitTooLongError, match=r"PARTNER_WAIT_SECONDS=5 make local"):
        record(client.base_url, timeout=15)
