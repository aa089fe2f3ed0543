"""The operator console's API (issue 13) on moto: the queue, a request's story, partners, and the four
actions with their events, repeats and refusals."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from botocore.stub import ANY, Stubber

from handlers import admin, failure, timeout, wiring
from handlers.models.domain import Status
from handlers.settings import get_settings
from handlers.usecases import console as console_usecases
from tests.handlers.conftest import CUSTOMER_PHONE, PARTNER_PHONE, STATE_MACHINE_NAME, TABLE

OPERATOR = "operator@example.com"
NOTE = "업체가 전화로 수락했습니다"


class Console:
    """Calls the admin function the way API Gateway does, as a signed-in operator."""

    def __init__(self, flow: Any, load_event: Any, context: Any) -> None:
        self.flow = flow
        self.load_event = load_event
        self.context = context

    def event(
        self,
        method: str,
        path: str,
        *,
        route: str | None = None,
        query: dict[str, str] | None = None,
        body: Any = None,
        claims: dict[str, Any] | None = None,
    ) -> dict[str, Any]:
        event = self.load_event("admin.json")
        template = route or path
        event["routeKey"] = event["requestContext"]["routeKey"] = f"{method} {template}"
        event["rawPath"] = event["requestContext"]["http"]["path"] = f"/api{path}"
        event["requestContext"]["http"]["method"] = method
        parameters = {
            name[1:-1]: value
            for name, value in zip(template.split("/"), path.split("/"), strict=True)
            if name.startswith("{")
        }
        if parameters:
            event["pathParameters"] = parameters
        if query:
            event["queryStringParameters"] = query
            event["rawQueryString"] = "&".join(f"{k}={v}" for k, v in query.items())
        if body is not None:
            event["body"] = json.dumps(body, ensure_ascii=False)
        if claims is not None:
            event["requestContext"]["authorizer"]["jwt"]["claims"] = claims
        return event

    def call(self, method: str, path: str, **kwargs: Any) -> tuple[int, dict[str, Any]]:
        answer = admin.handler(self.event(method, path, **kwargs), self.context)
        assert answer["headers"]["Cache-Control"] == "no-store"
        return answer["statusCode"], json.loads(answer["body"])

    def queue(self, **query: str) -> tuple[int, dict[str, Any]]:
        return self.call("GET", "/admin/requests", query=query or None)

    def detail(self, request_id: str) -> tuple[int, dict[str, Any]]:
        return self.call("GET", f"/admin/requests/{request_id}", route="/admin/requests/{requestId}")

    def act(self, request_id: str, action: str, body: Any) -> tuple[int, dict[str, Any]]:
        return self.call(
            "POST",
            f"/admin/requests/{request_id}/{action}",
            route=f"/admin/requests/{{requestId}}/{action}",
            body=body,
        )


@pytest.fixture
def console(flow, load_event, context) -> Console:
    return Console(flow, load_event, context)


@pytest.fixture
def task_success(aws_client):
    """What the handlers send with SendTaskSuccess (moto then refuses the made-up task token, which the
    callback path takes for a wait that already closed, as it would on AWS)."""
    calls = []
    client = aws_client("stepfunctions")

    def keep(params, **_):
        calls.append(dict(params))

    client.meta.events.register("provide-client-params.stepfunctions.SendTaskSuccess", keep)
    yield calls
    client.meta.events.unregister("provide-client-params.stepfunctions.SendTaskSuccess", keep)


@pytest.fixture
def texts(aws_client):
    """Every SMS the handlers publish (tests clear it after the partner's first text)."""
    published: list[dict[str, Any]] = []
    sns = aws_client("sns", "ap-northeast-1")

    def keep(params, **_):
        published.append(dict(params))

    sns.meta.events.register("provide-client-params.sns.Publish", keep)
    yield published
    sns.meta.events.unregister("provide-client-params.sns.Publish", keep)


def _link(text: dict[str, Any]) -> str:
    return str(text["Message"]).rsplit("/", 1)[1]


def _body(answer: dict[str, Any]) -> dict[str, Any]:
    return json.loads(answer["body"])


# -- who may call ----------------------------------------------------------------------------------------


def test_a_request_without_verified_claims_is_unauthorized(console, aws):
    event = console.event("GET", "/admin/requests")
    del event["requestContext"]["authorizer"]

    answer = admin.handler(event, console.context)

    assert (answer["statusCode"], _body(answer)["error"]) == (401, "UNAUTHORIZED")


def test_an_id_token_is_not_accepted_for_the_console(console, aws):
    claims = {"cognito:username": OPERATOR, "cognito:groups": "[operators]", "token_use": "id"}

    status, body = console.call("GET", "/admin/requests", claims=claims)

    assert (status, body["error"]) == (401, "UNAUTHORIZED")


@pytest.mark.parametrize("groups", [None, "[]", "[readers]", '["readers"]'])
def test_a_signed_in_user_outside_operators_is_forbidden(console, aws, groups):
    claims = {"username": "someone@example.com", "token_use": "access"}
    if groups is not None:
        claims["cognito:groups"] = groups

    status, body = console.call("GET", "/admin/requests", claims=claims)

    assert (status, body["error"]) == (403, "FORBIDDEN")


@pytest.mark.parametrize(
    "groups", ["[operators]", "[readers operators]", '["operators"]', ["operators", "readers"], "operators"]
)
def test_the_operators_group_is_read_in_every_form_api_gateway_passes_it(console, aws, groups):
    claims = {"username": "op-1", "cognito:groups": groups, "token_use": "access"}

    status, _ = console.call("GET", "/admin/requests", claims=claims)

    assert status == 200


def test_an_admin_request_that_skipped_the_edge_is_refused(console, aws):
    event = console.event("GET", "/admin/requests")
    del event["headers"]["x-origin-verify"]

    answer = admin.handler(event, console.context)

    assert (answer["statusCode"], _body(answer)["error"]) == (403, "EDGE_REQUIRED")


# -- the queue -------------------------------------------------------------------------------------------


def test_the_queue_lists_waiting_requests_newest_first_with_their_deadline(console, flow):
    first, token = flow.texted()
    second = flow.created(reservationNumber="R-UNKNOWN-1")  # not found yet: still Created

    status, page = console.queue()

    assert status == 200
    assert [row["requestId"] for row in page["items"]] == [second, first]
    assert page["cursor"] is None
    row = page["items"][1]
    assert row["status"] == "SMSSent"
    assert row["partnerName"] == "한강 게스트하우스"
    assert row["partnerId"] == "P-77"
    assert row["intent"]
    assert row["reservationNumber"] == "R-20261127-001"
    assert row["partnerDeadline"] == _body(flow.confirm(token))["expiresAt"]
    assert row["lastEvent"]["type"] == "SMSSent"
    assert row["ageSeconds"] >= 0
    assert page["items"][0]["partnerDeadline"] is None


def test_the_queue_pages_through_every_row_once(console, flow):
    ids = [flow.created(reservationNumber=f"R-PAGE-{n}") for n in range(5)]

    seen: list[str] = []
    cursor, pages = None, 0
    while True:
        query = {"limit": "2", **({"cursor": cursor} if cursor else {})}
        status, page = console.queue(**query)
        assert status == 200
        seen.extend(row["requestId"] for row in page["items"])
        pages += 1
        cursor = page["cursor"]
        if cursor is None:
            break

    assert seen == list(reversed(ids))
    assert pages == 3


def test_a_request_that_moves_on_between_the_queries_is_one_row_in_its_later_status(console, flow):
    request_id = flow.created()
    store = wiring.console_store(get_settings())
    newest = store.newest

    def newest_then_texted(status, count, before=None):
        found = newest(status, count, before)
        if status is Status.CREATED:  # the SMS goes out while the console reads the next status
            flow.aws_client("dynamodb").update_item(
                TableName=TABLE,
                Key={"PK": {"S": f"REQ#{request_id}"}, "SK": {"S": "METADATA"}},
                UpdateExpression="SET #s = :s",
                ExpressionAttributeNames={"#s": "status"},
                ExpressionAttributeValues={":s": {"S": "SMSSent"}},
            )
        return found

    store.newest = newest_then_texted  # type: ignore[method-assign]
    page = console_usecases.queue(console_usecases.parse_statuses(None), 25, None, store=store)

    assert [(row["requestId"], row["status"]) for row in page["items"]] == [(request_id, "SMSSent")]


def test_the_queue_filters_by_status_and_lists_of_statuses(console, flow, context):
    answered, token = flow.texted()
    stub = Stubber(flow.aws_client("stepfunctions"))
    stub.add_response("send_task_success", {}, {"taskToken": ANY, "output": ANY})
    with stub:
        flow.respond({"token": token, "response": "accept"})
    timed_out, _ = flow.texted(reservationNumber="R-20261127-001")
    timeout.handler({"requestId": timed_out}, context)

    assert [r["requestId"] for r in console.queue(status="Responded")[1]["items"]] == [answered]
    assert [r["requestId"] for r in console.queue(status="Timeout,Responded")[1]["items"]] == [
        timed_out,
        answered,
    ]
    assert console.queue()[1]["items"] == []


def test_a_status_the_workflow_set_itself_is_the_rows_last_event(console, flow, aws):
    # The workflow's last-resort steps write their event with an ISO 8601 `at` (components/state_machine.py).
    request_id, _ = flow.texted()
    # After the SMS (a fixed time would fall before it once the wall clock passed it).
    entered = (
        (datetime.now(UTC) + timedelta(seconds=5)).isoformat(timespec="milliseconds").replace("+00:00", "Z")
    )
    aws.update_item(
        TableName=TABLE,
        Key={"PK": {"S": f"REQ#{request_id}"}, "SK": {"S": "METADATA"}},
        UpdateExpression="SET #status = :t, endedBy = :w",
        ExpressionAttributeNames={"#status": "status"},
        ExpressionAttributeValues={":t": {"S": "Timeout"}, ":w": {"S": "workflow"}},
    )
    aws.put_item(
        TableName=TABLE,
        Item={
            "PK": {"S": f"REQ#{request_id}"},
            "SK": {"S": f"EVENT#{entered}#workflow"},
            "eventType": {"S": "Timeout"},
            "at": {"S": entered},
            "details": {"M": {"by": {"S": "workflow"}}},
        },
    )

    status, page = console.queue(status="Timeout")
    detail_status, detail = console.detail(request_id)

    assert (status, detail_status) == (200, 200)
    assert page["items"][0]["lastEvent"] == {"type": "Timeout", "at": entered}
    assert detail["events"][-1]["type"] == "Timeout"
    assert detail["events"][-1]["at"] == entered


@pytest.mark.parametrize(
    ("query", "field"),
    [
        ({"status": "Lost"}, "status"),
        ({"limit": "0"}, "limit"),
        ({"limit": "101"}, "limit"),
        ({"limit": "ten"}, "limit"),
        ({"cursor": "not-a-cursor"}, "cursor"),
    ],
)
def test_a_bad_query_is_a_400_naming_its_field(console, aws, query, field):
    status, body = console.queue(**query)

    assert (status, body["error"], body["field"]) == (400, "BAD_REQUEST", field)


# -- one request ------------------------------------------------------------------------------------------


def test_the_detail_tells_the_whole_story_with_masked_phones(console, flow):
    request_id, token = flow.texted()
    flow.confirm(token)

    status, body = console.detail(request_id)

    assert status == 200
    assert body["customerQuery"] == "예약 날짜를 다음 주 토요일로 바꿀 수 있을까요?"
    assert body["customerPhone"] == "+8210******78"
    assert CUSTOMER_PHONE not in json.dumps(body)
    assert body["partnerPhone"] == "+8210******32"
    assert PARTNER_PHONE not in json.dumps(body)
    assert [e["type"] for e in body["events"]] == ["Created", "SMSSent", "Opened"]
    assert body["events"][1]["linkDeadlineMs"] > 0  # operators see every detail
    assert body["smsAttempts"] == [
        {"at": body["events"][1]["at"], "to": "+8210******32", "kind": "link", "outcome": "sent"}
    ]
    assert (body["notification"], body["failure"], body["actions"]) == (None, None, [])
    assert body["lastEvent"]["type"] == "Opened"
    assert body["allowedActions"] == ["resend-link", "answer", "close", "reveal"]


def test_the_detail_keeps_the_workflows_error_and_cause_of_a_failure(console, flow, context):
    request_id = flow.orchestrated()
    cause = json.dumps({"errorMessage": "SNS refused the SMS 3 times", "errorType": "SmsDeliveryError"})

    failure.handler(
        {"requestId": request_id, "error": {"Error": "SmsDeliveryError", "Cause": cause}}, context
    )
    status, body = console.detail(request_id)

    assert status == 200
    assert body["status"] == "Failed"
    assert body["failure"] == {
        "error": "SmsDeliveryError",
        "cause": cause,
        "reason": "업체에 확인 문자를 보내지 못했습니다.",
    }
    assert body["smsAttempts"][-1]["outcome"] == "failed"


def test_the_detail_of_an_unknown_request_is_404(console, aws):
    assert console.detail("00000000-0000-4000-8000-000000000000")[0] == 404
    assert console.detail("not-an-id")[0] == 404


def test_an_action_the_console_does_not_have_is_404(console, flow):
    request_id, _ = flow.texted()

    status, body = console.act(request_id, "delete", {"note": NOTE})

    assert (status, body["error"]) == (404, "NOT_FOUND")


# -- partners ---------------------------------------------------------------------------------------------


def test_the_partners_record_counts_answers_timeouts_and_time_to_answer(console, flow, context):
    _answered, token = flow.texted()
    stub = Stubber(flow.aws_client("stepfunctions"))
    stub.add_response("send_task_success", {}, {"taskToken": ANY, "output": ANY})
    with stub:
        flow.respond({"token": token, "response": "accept"})
    late, _ = flow.texted()
    timeout.handler({"requestId": late}, context)

    status, body = console.call("GET", "/admin/partners", query={"days": "30"})

    assert status == 200
    assert body["days"] == 30
    (partner,) = body["items"]
    assert partner["partnerId"] == "P-77"
    assert partner["partnerName"] == "한강 게스트하우스"
    assert (partner["requests"], partner["answered"], partner["timedOut"], partner["open"]) == (2, 1, 1, 0)
    assert partner["answerRate"] == 0.5
    assert partner["medianAnswerSeconds"] is not None
    assert partner["medianAnswerSeconds"] >= 0
    assert partner["lastAnswerAt"].endswith("Z")


def test_the_partners_record_takes_only_7_or_30_days(console, aws):
    status, body = console.call("GET", "/admin/partners", query={"days": "90"})

    assert (status, body["field"]) == (400, "days")


# -- resend-link ------------------------------------------------------------------------------------------


def test_resend_link_texts_a_new_link_and_the_old_one_stops_working(console, flow, texts):
    request_id, old = flow.texted()
    texts.clear()
    old_deadline = _body(flow.confirm(old))["expiresAt"]

    status, body = console.act(request_id, "resend-link", {"note": "파트너가 문자를 못 받았다고 함"})

    assert status == 200
    assert body["resent"] is True
    (text,) = texts
    assert text["PhoneNumber"] == PARTNER_PHONE
    new = _link(text)
    assert new != old
    assert _body(flow.confirm(old))["error"] == "TOKEN_INVALID"
    opened = flow.confirm(new)
    assert opened["statusCode"] == 200
    assert _body(opened)["expiresAt"] == old_deadline == body["partnerDeadline"]
    events = console.detail(request_id)[1]
    (action,) = events["actions"]
    assert action == {
        "type": "LinkResent",
        "at": action["at"],
        "by": OPERATOR,
        "note": "파트너가 문자를 못 받았다고 함",
        "channel": "sns",
        "linkDeadlineMs": action["linkDeadlineMs"],
        "outcome": "sent",
    }
    assert [a["kind"] for a in events["smsAttempts"]] == ["link", "resend"]


def test_the_new_link_answers_the_partners_wait(console, flow, texts, task_success):
    request_id, _ = flow.texted()
    texts.clear()
    console.act(request_id, "resend-link", {})

    answer = flow.respond({"token": _link(texts[0]), "response": "accept"})

    assert answer["statusCode"] == 200
    assert task_success[0]["taskToken"] == "task-token-1"
    assert flow.request_item(request_id)["status"] == "Responded"


def test_resend_link_repeated_at_once_texts_nothing_more(console, flow, texts):
    request_id, _ = flow.texted()
    texts.clear()
    first = console.act(request_id, "resend-link", {})[1]

    status, again = console.act(request_id, "resend-link", {})

    assert status == 200
    assert (again["resent"], again["sentAt"]) == (False, first["sentAt"])
    assert len(texts) == 1
    assert len(console.detail(request_id)[1]["actions"]) == 1


def test_resend_link_is_refused_before_the_partner_was_texted(console, flow):
    request_id = flow.orchestrated()

    status, body = console.act(request_id, "resend-link", {})

    assert (status, body["error"], body["status"]) == (409, "NOT_WAITING", "Created")
    assert console.detail(request_id)[1]["allowedActions"] == ["close", "reveal"]


def test_resend_link_is_refused_once_the_wait_ended(console, flow, context, texts):
    request_id, _ = flow.texted()
    texts.clear()
    timeout.handler({"requestId": request_id}, context)

    status, body = console.act(request_id, "resend-link", {})

    assert (status, body["error"], body["status"]) == (409, "NOT_WAITING", "Timeout")
    assert texts == []


# -- answer -----------------------------------------------------------------------------------------------


def test_an_operator_answers_through_the_partners_callback_path(console, flow, task_success):
    request_id, token = flow.texted()

    status, body = console.act(request_id, "answer", {"response": "accept", "note": NOTE})

    assert (status, body) == (200, {"requestId": request_id, "status": "Responded", "repeated": False})
    assert task_success[0]["taskToken"] == "task-token-1"
    assert json.loads(task_success[0]["output"]) == {
        "response": "accept",
        "alternativeTime": None,
        "by": OPERATOR,
    }
    # The partner's link was claimed by the answer.
    assert _body(flow.respond({"token": token, "response": "reject"}))["error"] == "TOKEN_USED"
    customer = _body(flow.status(request_id))
    assert customer["status"] == "Responded"
    assert [e["type"] for e in customer["events"]] == ["Created", "SMSSent", "Responded"]
    assert customer["partnerNote"] is None  # the operator's note is for the timeline, not the customer
    story = console.detail(request_id)[1]
    assert story["answer"]["by"] == OPERATOR
    assert story["actions"][0] | {"at": None} == {
        "type": "AnsweredByOperator",
        "at": None,
        "by": OPERATOR,
        "note": NOTE,
        "response": "accept",
    }


def test_an_operator_can_propose_another_time_in_korea_time(console, flow, task_success):
    request_id, _ = flow.texted()
    when = (datetime.now(UTC) + timedelta(days=2)).astimezone().strftime("%Y-%m-%dT%H:%M")

    status, _ = console.act(
        request_id, "answer", {"response": "alternative", "alternativeTime": when, "note": NOTE}
    )

    assert status == 200
    assert json.loads(task_success[0]["output"])["alternativeTime"].endswith("+09:00")


def test_the_same_answer_again_is_a_no_op_and_another_is_refused(console, flow, task_success):
    request_id, _ = flow.texted()
    console.act(request_id, "answer", {"response": "reject", "note": NOTE})

    assert console.act(request_id, "answer", {"response": "reject", "note": NOTE})[1]["repeated"] is True
    status, body = console.act(request_id, "answer", {"response": "accept", "note": NOTE})
    assert (status, body["error"], body["status"]) == (409, "NOT_WAITING", "Responded")
    assert len(task_success) == 1
    assert len(console.detail(request_id)[1]["actions"]) == 1


def test_an_answer_after_the_wait_ended_is_refused(console, flow, context):
    request_id, _ = flow.texted()
    timeout.handler({"requestId": request_id}, context)

    status, body = console.act(request_id, "answer", {"response": "accept", "note": NOTE})

    assert (status, body["error"], body["status"]) == (409, "NOT_WAITING", "Timeout")


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"response": "accept"}, "note"),
        ({"response": "accept", "note": "   "}, "note"),
        ({"response": "accept", "note": "가" * 301}, "note"),
        ({"response": "maybe", "note": NOTE}, "response"),
        ({"response": "alternative", "note": NOTE}, "alternativeTime"),
        ({"response": "accept", "note": NOTE, "extra": 1}, "extra"),
    ],
)
def test_a_bad_answer_body_is_a_400_naming_its_field(console, flow, body, field):
    request_id, _ = flow.texted()

    status, answer = console.act(request_id, "answer", body)

    assert (status, answer["field"]) == (400, field)


# -- close ------------------------------------------------------------------------------------------------


def test_close_ends_the_request_and_the_customer_reads_the_note(console, flow, recorded_calls):
    stops = recorded_calls("stepfunctions", "StopExecution")
    request_id, token = flow.texted()

    status, body = console.act(
        request_id, "close", {"note": "  업체 휴무로 내일 오전에 다시 연락드리겠습니다  "}
    )

    assert (status, body) == (200, {"requestId": request_id, "status": "Closed", "repeated": False})
    customer = _body(flow.status(request_id))
    assert customer["status"] == "Closed"
    assert customer["events"][-1]["type"] == "Closed"
    assert customer["notification"]["source"] == "operator"
    assert "업체 휴무로 내일 오전에 다시 연락드리겠습니다" in customer["notification"]["message"]
    assert not any(e["type"] == "ClosedByOperator" for e in customer["events"])
    # The partner's link no longer answers, and the workflow's execution was stopped.
    assert _body(flow.respond({"token": token, "response": "accept"}))["error"] == "WAIT_ENDED"
    assert stops
    assert stops[0]["executionArn"].endswith(f":execution:{STATE_MACHINE_NAME}:{request_id}")
    story = console.detail(request_id)[1]
    assert story["closedBy"] == OPERATOR
    assert story["actions"][0]["note"] == "업체 휴무로 내일 오전에 다시 연락드리겠습니다"
    assert story["notification"]["by"] == OPERATOR


def test_close_again_with_the_same_note_is_a_no_op_and_with_another_is_refused(console, flow):
    request_id = flow.orchestrated()
    console.act(request_id, "close", {"note": "고객과 통화 완료"})

    assert console.act(request_id, "close", {"note": "고객과 통화 완료"})[1]["repeated"] is True
    status, body = console.act(request_id, "close", {"note": "다른 메모"})
    assert (status, body["error"], body["status"]) == (409, "ALREADY_ENDED", "Closed")
    assert len(console.detail(request_id)[1]["actions"]) == 1


def test_close_is_refused_once_the_request_ended(console, flow, context):
    request_id, _ = flow.texted()
    timeout.handler({"requestId": request_id}, context)

    status, body = console.act(request_id, "close", {"note": "고객과 통화 완료"})

    assert (status, body["error"], body["status"]) == (409, "ALREADY_ENDED", "Timeout")
    assert console.detail(request_id)[1]["allowedActions"] == ["reveal"]


def test_a_closed_request_no_longer_holds_its_reservation(console, flow):
    request_id = flow.orchestrated()
    console.act(request_id, "close", {"note": "고객과 통화 완료"})

    assert flow.chat()["statusCode"] == 202


# -- reveal -----------------------------------------------------------------------------------------------


@pytest.mark.parametrize(("who", "phone"), [("customer", CUSTOMER_PHONE), ("partner", PARTNER_PHONE)])
def test_reveal_gives_the_full_number_and_records_each_reveal(console, flow, who, phone):
    request_id = flow.orchestrated()

    first = console.act(request_id, "reveal", {"who": who})
    second = console.act(request_id, "reveal", {"who": who, "note": "약속한 전화"})

    assert first == second == (200, {"requestId": request_id, "who": who, "phone": phone})
    actions = console.detail(request_id)[1]["actions"]
    assert [(a["type"], a["who"], a["by"]) for a in actions] == [("PhoneRevealed", who, OPERATOR)] * 2
    assert actions[1]["note"] == "약속한 전화"
    assert all(e["type"] != "PhoneRevealed" for e in _body(flow.status(request_id))["events"])


def test_reveal_of_a_partner_not_found_yet_is_refused(console, flow):
    request_id = flow.created()

    status, body = console.act(request_id, "reveal", {"who": "partner"})

    assert (status, body["error"], body["status"]) == (409, "NO_PHONE", "Created")
    assert console.act(request_id, "reveal", {"who": "someone"})[0] == 400


def test_resend_link_past_the_days_sms_budget_keeps_the_old_link(console, flow, monkeypatch, texts):
    request_id, old = flow.texted()
    texts.clear()
    monkeypatch.setenv("SMS_DAILY_BUDGET_PARTS", "2")  # what the first text spent

    status, body = console.act(request_id, "resend-link", {})

    assert (status, body["error"]) == (503, "SMS_BUDGET")
    assert texts == []
    assert flow.confirm(old)["statusCode"] == 200


def test_resend_link_that_sns_refuses_is_a_503_and_may_be_tried_again(console, flow, aws_client, texts):
    request_id, _ = flow.texted()
    texts.clear()
    stub = Stubber(aws_client("sns", "ap-northeast-1"))
    stub.add_client_error("publish", service_error_code="InvalidParameter", http_status_code=400)

    with stub:
        status, body = console.act(request_id, "resend-link", {})

    assert (status, body["error"]) == (503, "SMS_NOT_SENT")
    assert console.detail(request_id)[1]["smsAttempts"][-1] | {"at": None} == {
        "at": None,
        "to": "+8210******32",
        "kind": "resend",
        "outcome": "failed",
    }
    again, answer = console.act(request_id, "resend-link", {})
    assert (again, answer["resent"]) == (200, True)
    assert len(texts) == 2  # the refused publish, then the one that went out
    assert flow.confirm(_link(texts[-1]))["statusCode"] == 200
