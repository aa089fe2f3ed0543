"""Only a verified customer can make a partner's phone ring (issue 10), proven over HTTP on the local
runtime with its default limits: code, token, one open question per reservation, the address window."""

from __future__ import annotations

import statistics
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import pytest
from e2e_client import HANGUL, LocalClient

from local.testing import running_system

pytestmark = pytest.mark.e2e

TRIES = 30


@pytest.fixture(scope="module")
def client() -> Iterator[LocalClient]:
    with running_system(wait_seconds=60, extra_env={"DEMO_RESERVATIONS": "8"}) as base_url:
        yield LocalClient(base_url)


@pytest.fixture(scope="module")
def load(client: LocalClient) -> list[dict[str, Any]]:
    """The generated reservations: each test takes its own."""
    return [r for r in client.reservations() if r["reservationNumber"].startswith("RSV-LOAD-")]


def _pair(reservation: dict[str, Any]) -> dict[str, str]:
    return {
        "reservationNumber": reservation["reservationNumber"],
        "customerPhone": reservation["customerPhone"],
    }


def _question(reservation: dict[str, Any]) -> dict[str, str]:
    return {**_pair(reservation), "message": "예약 날짜를 바꿀 수 있을까요"}


def test_verify_answers_a_real_and_an_unknown_pair_alike_in_body_and_time(
    client: LocalClient, load: list[dict[str, Any]]
) -> None:
    real = _pair(load[0])
    unknown = {**real, "reservationNumber": "RSV-LOAD-9999"}
    timings: dict[str, list[float]] = {"real": [], "unknown": []}
    answers: dict[str, set[tuple[int, str]]] = {"real": set(), "unknown": set()}
    texts_before = len(client.codes_to(real["customerPhone"]))

    for attempt in range(TRIES):
        for name, body in (("real", real), ("unknown", unknown)):
            # Each try from its own address: the per-address code limit is not what this test is about.
            address = f"127.0.2.{attempt * 2 + (name == 'real') + 1}"
            started = time.perf_counter()
            status, data, _ = client.post_from(address, "/verify", body)
            timings[name].append(time.perf_counter() - started)
            answers[name].add((status, data["message"]))

    assert answers["real"] == answers["unknown"]
    assert {status for status, _ in answers["real"]} == {202}
    real_median, unknown_median = statistics.median(timings["real"]), statistics.median(timings["unknown"])
    assert abs(real_median - unknown_median) <= 0.2 * min(real_median, unknown_median), timings
    # Texted, but only as often as the per-reservation limit allows (3 in 10 minutes).
    assert len(client.codes_to(real["customerPhone"])) - texts_before == 3


def test_six_wrong_codes_lock_the_code(client: LocalClient, load: list[dict[str, Any]]) -> None:
    pair = _pair(load[1])
    right = client.request_code(load[1])
    wrong = "000000" if right != "000000" else "111111"

    answers = [client.post_from(None, "/verify/confirm", {**pair, "code": wrong}) for _ in range(6)]
    after = client.post_from(None, "/verify/confirm", {**pair, "code": right})

    assert [(status, data["error"]) for status, data, _ in answers] == [(401, "CODE_INVALID")] * 5 + [
        (429, "CODE_LOCKED")
    ]
    assert int(answers[5][2]["Retry-After"]) >= 1
    assert all(HANGUL.search(data["message"]) for _, data, _ in answers)
    assert (after[0], after[1]["error"]) == (429, "CODE_LOCKED")


def test_a_token_for_another_reservation_is_refused(client: LocalClient, load: list[dict[str, Any]]) -> None:
    token = client.verify(load[2])
    stored_before = client.stored_request_count()

    other = client.chat(_question(load[3]), token=token)
    missing = client.chat(_question(load[2]))

    assert (other.status_code, other.json()["error"]) == (401, "VERIFICATION_REQUIRED")
    assert (missing.status_code, missing.json()["error"]) == (401, "VERIFICATION_REQUIRED")
    assert client.stored_request_count() == stored_before


def test_a_double_submit_makes_one_request_and_one_sms(
    client: LocalClient, load: list[dict[str, Any]]
) -> None:
    reservation = load[4]
    token = client.verify(reservation)
    texts_before = len(client.partner_texts())

    with ThreadPoolExecutor(max_workers=2) as pool:
        answers = list(pool.map(lambda _: client.chat(_question(reservation), token=token), range(2)))

    statuses = sorted(answer.status_code for answer in answers)
    ids = {answer.json()["requestId"] for answer in answers}
    assert statuses == [202, 409]
    assert len(ids) == 1
    client.link_token(ids.pop(), timeout=60)
    time.sleep(2)  # a second text would be out by now
    assert len(client.partner_texts()) - texts_before == 1


def test_thirty_questions_on_one_reservation_within_a_minute_make_one_sms(
    client: LocalClient, load: list[dict[str, Any]]
) -> None:
    reservation = load[5]
    token = client.verify(reservation)
    texts_before = len(client.partner_texts())
    started = time.monotonic()

    answers = [client.chat(_question(reservation), token=token) for _ in range(30)]

    assert time.monotonic() - started < 60
    first = answers[0].json()["requestId"]
    assert [a.status_code for a in answers] == [202] + [409] * 29
    assert {a.json()["requestId"] for a in answers} == {first}
    assert all(a.json()["error"] == "REQUEST_OPEN" for a in answers[1:])
    client.link_token(first, timeout=60)
    time.sleep(2)
    assert len(client.partner_texts()) - texts_before == 1


def test_the_per_address_window_slides_and_every_429_says_when_to_retry(client: LocalClient) -> None:
    # 100 requests in any 60 s (rateLimitPerMinute): bodies that fail validation still count, cost nothing.
    body = {"customerPhone": "010-0000-0000", "reservationNumber": "X", "message": "m"}
    statuses = [client.post_from("127.0.3.1", "/chat", body)[0] for _ in range(100)]
    refused = client.post_from("127.0.3.1", "/chat", body)

    assert set(statuses) == {400}
    assert refused[0] == 429
    assert refused[1]["error"] == "RATE_LIMITED"
    assert 1 <= int(refused[2]["Retry-After"]) <= 60
    assert client.post_from("127.0.3.2", "/chat", body)[0] == 400  # another address is not held back


def test_a_body_not_declared_json_is_415_with_the_error_shape(client: LocalClient) -> None:
    answer = client.http.post(
        f"{client.base_url}/api/chat",
        data=b'{"customerPhone": "010-1234-5678"}',
        headers={"Content-Type": "text/plain"},
        timeout=30,
    )

    assert answer.status_code == 415
    assert answer.json()["error"] == "UNSUPPORTED_MEDIA_TYPE"
    assert HANGUL.search(answer.json()["message"])
