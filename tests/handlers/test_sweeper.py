"""The sweeper: ends what a workflow left open past its wait, and never fights one still running."""

from __future__ import annotations

import json
import time
from typing import Any

import boto3
import pytest

from handlers import clock, notification, sweeper, timeout
from handlers.models.messages import NOT_DELIVERED
from handlers.store.table import Store
from tests.handlers.conftest import REGION, TABLE

WAIT = 300
MARGIN = 120
LATER = WAIT + MARGIN + 1  # seconds after which a request waiting since now counts as stuck


@pytest.fixture
def later(monkeypatch: pytest.MonkeyPatch) -> Any:
    """Call it to move the sweeper's clock past the wait and margin of everything made so far."""

    def move() -> None:
        monkeypatch.setattr(clock, "now", lambda: time.time() + LATER)

    return move


def _store() -> Store:
    return Store(boto3.client("dynamodb", region_name=REGION), TABLE)


def _sweep(context: Any, later: Any = None) -> dict[str, Any]:
    if later is not None:
        later()
    return sweeper.handler({}, context)


def _events(flow: Any, request_id: str) -> list[dict[str, Any]]:
    return json.loads(flow.status(request_id)["body"])["events"]


def test_a_texted_request_past_its_wait_times_out_with_the_template_message(
    flow: Any, context: Any, later: Any, capsys: pytest.CaptureFixture[str]
) -> None:
    request_id, _ = flow.texted()

    result = _sweep(context, later)

    assert result["ended"] == [request_id]
    item = flow.request_item(request_id)
    assert item["status"] == "Timeout"
    assert item["notification"]["source"] == "template"
    assert "정해진 시간 안에 답을 받지 못" in item["notification"]["message"]
    assert "고객센터(1588-0000)" in item["notification"]["message"]
    assert _events(flow, request_id)[-1]["type"] == "Timeout"
    assert '"StuckRequestEnded"' in capsys.readouterr().out


def test_an_opened_link_past_its_wait_also_times_out(flow: Any, context: Any, later: Any) -> None:
    request_id, token = flow.texted()
    flow.confirm(token)

    _sweep(context, later)

    assert flow.request_item(request_id)["status"] == "Timeout"


def test_a_request_that_never_reached_its_partner_fails_with_a_korean_reason(
    flow: Any, context: Any, later: Any
) -> None:
    request_id = flow.created()  # the orchestrator never ran

    _sweep(context, later)

    item = flow.request_item(request_id)
    assert (item["status"], item["failureReason"]) == ("Failed", NOT_DELIVERED)
    assert NOT_DELIVERED in item["notification"]["message"]
    last = _events(flow, request_id)[-1]
    assert (last["type"], last["reason"]) == ("Failed", NOT_DELIVERED)


def test_requests_still_inside_their_wait_are_left_alone(flow: Any, context: Any) -> None:
    request_id, _ = flow.texted()

    assert _sweep(context)["ended"] == []
    assert flow.request_item(request_id)["status"] == "SMSSent"


def test_a_late_sms_claim_restarts_the_count(
    flow: Any, context: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    request_id, _ = flow.texted()
    claimed = int(flow.request_item(request_id)["smsClaimedAt"])
    _store()._client.update_item(
        TableName=TABLE,
        Key={"PK": {"S": f"REQ#{request_id}"}, "SK": {"S": "METADATA"}},
        UpdateExpression="SET createdAt = :old",
        ExpressionAttributeValues={":old": {"N": str(claimed - 3_600_000)}},
    )
    monkeypatch.setattr(clock, "now", lambda: claimed / 1000 + WAIT)  # the wait itself just ended

    assert _sweep(context)["ended"] == []
    assert flow.request_item(request_id)["status"] == "SMSSent"


def test_answered_requests_are_never_ended_again(flow: Any, context: Any, later: Any) -> None:
    answered, token = flow.texted()
    flow.respond({"token": token, "response": "accept"})

    assert _sweep(context, later)["ended"] == []
    assert flow.request_item(answered)["status"] == "Responded"


def test_a_workflow_ending_the_request_first_wins(
    flow: Any, context: Any, later: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    # The sweeper read the request open; the partner's answer lands before its write.
    request_id, token = flow.texted()
    original = Store.requests_created_before

    def then_answered(self: Store, status: Any, before_ms: int) -> Any:
        found = list(original(self, status, before_ms))
        if found:
            with monkeypatch.context() as now:
                now.setattr(clock, "now", time.time)
                assert flow.respond({"token": token, "response": "accept"})["statusCode"] == 200
        return iter(found)

    monkeypatch.setattr(Store, "requests_created_before", then_answered)

    result = _sweep(context, later)

    assert (result["ended"], result["leftAlone"]) == ([], 1)
    item = flow.request_item(request_id)
    assert item["status"] == "Responded"
    assert "변경이 확정되었습니다" in item["notification"]["message"]  # told the answer, not a timeout


def test_the_workflow_after_a_sweep_hands_on_the_outcome_and_keeps_the_one_message(
    flow: Any, context: Any, load_event: Any, later: Any
) -> None:
    request_id, _ = flow.texted()
    _sweep(context, later)
    swept = flow.request_item(request_id)["notification"]

    outcome = timeout.handler(load_event("timeout.json", REQUEST_ID=request_id), context)
    message = notification.handler({"requestId": request_id, "outcome": outcome}, context)

    assert outcome["response"] == "timeout"
    assert message["message"] == swept["message"]
    assert flow.request_item(request_id)["notification"] == swept
    assert [e["type"] for e in _events(flow, request_id)].count("Timeout") == 1


def test_a_sweep_short_of_time_stops_and_leaves_the_rest_for_the_next(
    flow: Any, context: Any, later: Any
) -> None:
    request_id, _ = flow.texted()

    class Hurried(type(context)):  # type: ignore[misc]
        def get_remaining_time_in_millis(self) -> int:
            return 1_000

    later()
    result = sweeper.handler({}, Hurried())

    assert (result["ended"], result["complete"]) == ([], False)
    assert flow.request_item(request_id)["status"] == "SMSSent"


@pytest.mark.parametrize(
    ("ending", "words"),
    # The flow's question is a change of reservation.
    [
        ("answered", "변경이 확정되었습니다"),
        ("timed_out", "고객센터(1588-0000)로 연락해"),
        ("failed", "처리하지 못했습니다"),
    ],
)
def test_an_ended_request_nobody_told_gets_the_built_in_message(
    flow: Any, context: Any, load_event: Any, later: Any, aws_client: Any, ending: str, words: str
) -> None:
    # Every notification step of its workflow failed: the request ended, the customer was never told.
    from botocore.stub import ANY, Stubber

    from handlers import failure

    request_id, token = flow.texted()
    if ending == "answered":
        with Stubber(aws_client("stepfunctions")) as stub:
            stub.add_response("send_task_success", {}, {"taskToken": ANY, "output": ANY})
            flow.respond({"token": token, "response": "accept"})
    elif ending == "timed_out":
        timeout.handler(load_event("timeout.json", REQUEST_ID=request_id), context)
    else:
        failure.handler({"requestId": request_id, "error": {"Error": "Boom"}}, context)

    result = _sweep(context, later)

    assert result["told"] == [request_id]
    assert words in flow.request_item(request_id)["notification"]["message"]
    assert _sweep(context)["told"] == []  # told once


def test_a_request_that_ended_late_keeps_a_margin_for_its_own_message(
    flow: Any, context: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Its workflow started late (retries): it ended after wait + margin from its creation, and its
    # notification step is still to come. The sweeper waits a margin from the end before telling.
    from handlers import failure

    request_id, _ = flow.texted()
    monkeypatch.setattr(clock, "now", lambda: time.time() + LATER)
    failure.handler({"requestId": request_id, "error": {"Error": "Boom"}}, context)

    assert _sweep(context)["told"] == []
    monkeypatch.setattr(clock, "now", lambda: time.time() + LATER + MARGIN + 1)
    assert _sweep(context)["told"] == [request_id]


def test_an_ended_request_with_its_message_is_left_alone(
    flow: Any, context: Any, load_event: Any, later: Any
) -> None:
    request_id, _ = flow.texted()
    outcome = timeout.handler(load_event("timeout.json", REQUEST_ID=request_id), context)
    stored = notification.handler({"requestId": request_id, "outcome": outcome}, context)

    assert _sweep(context, later)["told"] == []
    assert flow.request_item(request_id)["notification"]["message"] == stored["message"]
