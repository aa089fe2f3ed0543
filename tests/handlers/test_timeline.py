"""The timeline in the order things happened, and one deadline for the link and the wait."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from typing import Any

import boto3
import pytest
from botocore.stub import ANY, Stubber

from handlers import clock, sms_sender
from handlers.models import link_token
from handlers.store.table import Store, event_put
from tests.handlers.conftest import REGION, TABLE

WAIT = 300


def _status(flow: Any, request_id: str) -> dict[str, Any]:
    return json.loads(flow.status(request_id)["body"])


def _types(flow: Any, request_id: str) -> list[str]:
    return [e["type"] for e in _status(flow, request_id)["events"]]


def test_events_of_one_millisecond_follow_the_requests_life(flow: Any, aws: Any) -> None:
    request_id = flow.created()
    at = int(clock.now() * 1000) + 5
    # Written in the wrong order, with sort keys that would put `Responded` first.
    for event_type, suffix in (("Responded", "0"), ("Opened", "a"), ("SMSSent", "f")):
        put = event_put(TABLE, request_id, event_type, at, {})["Put"]
        put["Item"]["SK"] = {"S": f"EVENT#{at:013d}#{suffix}"}
        aws.put_item(TableName=TABLE, Item=put["Item"])

    assert _types(flow, request_id) == ["Created", "SMSSent", "Opened", "Responded"]


def test_a_partner_answering_the_instant_the_text_arrives_answers_after_it_was_sent(
    flow: Any, context: Any, aws_client: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    request_id = flow.orchestrated()
    ticks = iter(range(10_000))
    start = clock.now()
    monkeypatch.setattr(clock, "now", lambda: start + next(ticks) / 1000)  # every reading 1 ms later
    answers = []

    def partner_answers_at_once(params: dict[str, Any], **_: Any) -> None:
        token = params["Message"].rsplit("/", 1)[1]
        with Stubber(aws_client("stepfunctions")) as stub:
            stub.add_response("send_task_success", {}, {"taskToken": ANY, "output": ANY})
            answers.append(flow.respond({"token": token, "response": "accept"})["statusCode"])

    aws_client("sns", "ap-northeast-1").meta.events.register(
        "provide-client-params.sns.Publish", partner_answers_at_once
    )
    sms_sender.handler({"requestId": request_id, "taskToken": "tt"}, context)

    assert answers == [200]
    events = _status(flow, request_id)["events"]
    assert [e["type"] for e in events] == ["Created", "SMSSent", "Responded"]
    assert events[1]["at"] < events[2]["at"]


def _texted_with_wait_started(flow: Any, context: Any, aws_client: Any, started: datetime) -> tuple[str, str]:
    request_id = flow.orchestrated()
    sent: list[dict[str, Any]] = []
    aws_client("sns", "ap-northeast-1").meta.events.register(
        "provide-client-params.sns.Publish", lambda params, **_: sent.append(params)
    )
    event = {"requestId": request_id, "taskToken": "tt", "waitStartedAt": started.isoformat()}
    sms_sender.handler(event, context)
    return request_id, sent[0]["Message"].rsplit("/", 1)[1]


def test_the_link_lives_exactly_as_long_as_the_wait(flow: Any, context: Any, aws_client: Any) -> None:
    started = datetime.fromtimestamp(int(clock.now()) - 10 + 0.789, UTC)  # the task began 10 s ago
    request_id, token = _texted_with_wait_started(flow, context, aws_client, started)
    deadline_ms = int((started.timestamp() + WAIT) * 1000)

    item = Store(boto3.client("dynamodb", region_name=REGION), TABLE).get_token(link_token.digest(token))
    assert item is not None
    assert item["deadlineMs"] == deadline_ms
    assert item["expiresAt"] == -(-deadline_ms // 1000)  # the token's whole seconds never end it early
    view = json.loads(flow.confirm(token)["body"])
    assert view["expiresAt"] == _status(flow, request_id)["partnerDeadline"]
    assert datetime.fromisoformat(view["expiresAt"]).timestamp() == deadline_ms / 1000


@pytest.mark.parametrize(("after_ms", "status"), [(-1, 200), (0, 410)])
def test_an_answer_is_taken_up_to_the_last_millisecond_of_the_wait(
    flow: Any, context: Any, aws_client: Any, monkeypatch: pytest.MonkeyPatch, after_ms: int, status: int
) -> None:
    started = datetime.fromtimestamp(int(clock.now()) + 0.5, UTC)
    _, token = _texted_with_wait_started(flow, context, aws_client, started)
    deadline_ms = int((started.timestamp() + WAIT) * 1000)
    monkeypatch.setattr(clock, "now", lambda: (deadline_ms + after_ms) / 1000)

    with Stubber(aws_client("stepfunctions")) as stub:
        stub.add_response("send_task_success", {}, {"taskToken": ANY, "output": ANY})
        answer = flow.respond({"token": token, "response": "accept"})

    assert answer["statusCode"] == status, answer


def test_an_event_the_workflow_wrote_takes_its_place_by_its_iso_time(flow: Any, aws: Any) -> None:
    # The workflow's last-resort steps write `at` as Step Functions' ISO 8601 entry time
    # (components/state_machine.py): the timeline reads it as the same instant.
    request_id = flow.created()
    at_ms = int(clock.now() * 1000) + 2_000
    entered = (
        datetime.fromtimestamp(at_ms / 1000, UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")
    )
    aws.put_item(
        TableName=TABLE,
        Item={
            "PK": {"S": f"REQ#{request_id}"},
            "SK": {"S": f"EVENT#{entered}#workflow"},
            "eventType": {"S": "Timeout"},
            "at": {"S": entered},
            "details": {"M": {"by": {"S": "workflow"}}},
            "expiresAt": {"N": "1900000000"},
        },
    )
    later = event_put(TABLE, request_id, "Failed", at_ms + 1, {})["Put"]
    aws.put_item(TableName=TABLE, Item=later["Item"])  # sorts before it by key, after it by time

    events = _status(flow, request_id)["events"]

    assert [e["type"] for e in events] == ["Created", "Timeout", "Failed"]
    assert events[1]["at"] == entered
