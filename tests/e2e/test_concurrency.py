"""The seed's concurrency figure: 100 verified customers at once, each with their own reservation and address,
none lost or doubled."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import pytest
from e2e_client import LINK, LocalClient, wait_for

from local.testing import running_system

# The burst runs in the first test's setup: allow it more than the suite's per-test limit on a slow machine.
pytestmark = [pytest.mark.e2e, pytest.mark.timeout(900)]

CUSTOMERS = 100
WAIT_SECONDS = 300  # the production wait: the burst must not depend on a short one
TIMEOUT = 240.0
ANSWERS = ("accept", "reject", "alternative")


@pytest.fixture(scope="module")
def client() -> Iterator[LocalClient]:
    # One open question per reservation: each customer has their own (DEMO_RESERVATIONS, README).
    with running_system(
        wait_seconds=WAIT_SECONDS, extra_env={"DEMO_RESERVATIONS": str(CUSTOMERS)}
    ) as base_url:
        yield LocalClient(base_url)


@pytest.fixture(scope="module")
def burst(client: LocalClient) -> dict[str, Any]:
    """100 customers verify their phones, then ask at once; then every partner answers the link they were
    texted."""
    reservations = [r for r in client.reservations() if r["reservationNumber"].startswith("RSV-LOAD-")]
    assert len({r["customerPhone"] for r in reservations}) == CUSTOMERS

    def address(index: int) -> str:
        return f"127.0.1.{index + 1}"

    def verify(index: int) -> str:
        return client.verify(reservations[index], address(index))

    with ThreadPoolExecutor(max_workers=16) as pool:
        tokens = list(pool.map(verify, range(CUSTOMERS)))

    def ask(index: int) -> tuple[int, dict[str, Any]]:
        reservation = reservations[index]
        body = {
            "customerPhone": reservation["customerPhone"],
            "reservationNumber": reservation["reservationNumber"],
            "message": "예약 시간을 오후로 옮기고 싶습니다",
        }
        return client.chat_from(address(index), body, tokens[index])

    with ThreadPoolExecutor(max_workers=CUSTOMERS) as pool:
        asked = list(pool.map(ask, range(CUSTOMERS)))
    request_ids = [answer.get("requestId") for _, answer in asked]
    texts = wait_for(
        lambda: texts if len(texts := client.partner_texts()) >= CUSTOMERS else None,
        timeout=TIMEOUT,
        what=f"{CUSTOMERS} partner SMS",
    )

    # Every partner and every customer on a phone of their own: the edge counts requests per address.
    partners = {text["body"]: LocalClient(client.base_url) for text in texts}

    def open_link(text: dict[str, str]) -> tuple[dict[str, str], str, str]:
        match = LINK.search(text["body"])
        assert match is not None, text
        partner = partners[text["body"]]
        return text, match["token"], str(partner.confirm(match["token"]).json()["requestId"])

    with ThreadPoolExecutor(max_workers=16) as pool:
        links = list(pool.map(open_link, texts))

    def answer(numbered: tuple[int, tuple[dict[str, str], str, str]]) -> int:
        index, (text, token, _) = numbered
        kind = ANSWERS[index % len(ANSWERS)]
        return (
            partners[text["body"]]
            .respond(token, kind, "2026-12-24T15:00:00+09:00" if kind == "alternative" else None)
            .status_code
        )

    with ThreadPoolExecutor(max_workers=16) as pool:
        answered = list(pool.map(answer, enumerate(links)))

    def finished(numbered: tuple[int, str]) -> dict[str, Any]:
        index, request_id = numbered
        customer = LocalClient(client.base_url, address=f"127.0.1.{index + 1}")
        return customer.wait_for_notification(request_id, timeout=TIMEOUT)

    with ThreadPoolExecutor(max_workers=8) as pool:
        finals = list(pool.map(finished, [(i, r) for i, r in enumerate(request_ids) if r]))
    return {
        "asked": asked,
        "request_ids": request_ids,
        "texts": texts,
        "links": links,
        "answered": answered,
        "finals": finals,
        "reservations": reservations,
    }


def test_every_customer_gets_a_request_id(burst: dict[str, Any]) -> None:
    assert [status for status, _ in burst["asked"]] == [202] * CUSTOMERS
    assert len(set(burst["request_ids"])) == CUSTOMERS


def test_every_request_texts_its_partner_exactly_once(burst: dict[str, Any]) -> None:
    texted = Counter(request_id for _, _, request_id in burst["links"])
    partner_phone = {r["reservationNumber"]: r["partnerPhone"] for r in burst["reservations"]}

    assert len(burst["texts"]) == CUSTOMERS
    assert texted == Counter(burst["request_ids"])
    for final, (text, _, _) in zip(
        sorted(burst["finals"], key=lambda f: f["requestId"]),
        sorted(burst["links"], key=lambda link: link[2]),
        strict=True,
    ):
        assert text["to"] == partner_phone[final["reservationNumber"]]


def test_every_answered_request_completes_once(burst: dict[str, Any]) -> None:
    assert burst["answered"] == [200] * CUSTOMERS
    for final in burst["finals"]:
        kinds = Counter(event["type"] for event in final["events"])
        assert final["status"] == "Responded", final
        assert kinds["SMSSent"] == 1, final
        assert kinds["Responded"] == 1, final
        assert final["notification"]["message"], final
