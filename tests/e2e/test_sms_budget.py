"""The stack's daily SMS budget, counted in parts over every kind of text, on a local runtime set to 5."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from e2e_client import HANGUL, LocalClient, wait_for

from local.testing import RunningSystem, running_process

pytestmark = pytest.mark.e2e

BUDGET = 5


@pytest.fixture(scope="module")
def system() -> Iterator[RunningSystem]:
    with running_process(
        wait_seconds=60,
        extra_env={"DEMO_RESERVATIONS": "3"},
        args=("--config", f"smsDailyBudgetParts={BUDGET}"),
    ) as running:
        yield running


@pytest.fixture(scope="module")
def spent(system: RunningSystem) -> dict[str, Any]:
    """Code (1 part) + link (2 parts) for the first customer, a code (1) for the second: 4 of 5 parts. The
    second customer's link (2 parts) would exceed the budget; a third customer's code request comes after."""
    client = LocalClient(system.base_url)
    first, second, third = [
        r for r in client.reservations() if r["reservationNumber"].startswith("RSV-LOAD-")
    ]
    answered = client.ask(first)
    client.link_token(answered, timeout=60)
    refused = client.ask(second)
    final = client.wait_for_notification(refused, timeout=60)
    return {"client": client, "final": final, "third": third, "second": second}


def test_the_send_that_would_exceed_the_budget_is_refused_and_the_request_fails_in_korean(
    spent: dict[str, Any],
) -> None:
    client: LocalClient = spent["client"]
    final = spent["final"]

    assert final["status"] == "Failed"
    assert "문자" in final["failureReason"]
    assert HANGUL.search(final["notification"]["message"])
    assert [e["type"] for e in final["events"]].count("SMSSent") == 0
    assert len(client.partner_texts()) == 1
    assert len(client.sms()) == 3  # two codes and one link: 1 + 1 + 2 parts, never more than 5


def test_once_spent_new_codes_and_questions_get_503_sms_budget(spent: dict[str, Any]) -> None:
    client: LocalClient = spent["client"]
    # One part is left: a code fits, and then nothing does.
    token = client.verify(spent["third"])
    status, data, _ = client.post_from(
        None,
        "/verify",
        {
            "reservationNumber": spent["third"]["reservationNumber"],
            "customerPhone": spent["third"]["customerPhone"],
        },
    )
    question = client.chat(
        {
            "reservationNumber": spent["third"]["reservationNumber"],
            "customerPhone": spent["third"]["customerPhone"],
            "message": "예약 날짜를 바꿀 수 있을까요",
        },
        token=token,
    )

    assert (status, data["error"]) == (503, "SMS_BUDGET")
    assert HANGUL.search(data["message"])
    assert (question.status_code, question.json()["error"]) == (503, "SMS_BUDGET")
    assert len(client.sms()) == 4


def test_the_budget_metric_is_emitted(system: RunningSystem, spent: dict[str, Any]) -> None:
    line = wait_for(
        lambda: next(
            (entry for entry in system.printed().splitlines() if '"SmsBudgetExhausted"' in entry), None
        ),
        timeout=10,
        what="the SmsBudgetExhausted metric in the runtime's output",
    )

    assert '"Namespace":"PartnerConfirm"' in line
