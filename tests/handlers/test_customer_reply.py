"""Issue 12 on moto: one text to the verified customer per request, and the customer's reply to a proposed
time (`POST /requests/{id}/reply`) with its event and the partner's one text."""

from __future__ import annotations

import json
import time
from datetime import UTC, datetime, timedelta
from typing import Any

import boto3
import pytest
from botocore.stub import ANY, Stubber

from handlers import clock, intake, notification, sweeper, timeout, verify
from handlers.models import customer_token
from handlers.models.keyring import Keyring, RingKey
from handlers.store.keys import budget_key
from handlers.store.table import Store
from handlers.usecases.limits import utc_day
from tests.handlers.conftest import CUSTOMER_PHONE, PARTNER_PHONE, REGION, RESERVATION, TABLE

CUSTOMER_KEY = b"customer-token-key-0123456789abcdef"
CUSTOMER_KEYS = "/partner-confirm/test/customer-token-key"
STATUS_PAGE = "https://confirm.example/"


@pytest.fixture(autouse=True)
def _texting_on(monkeypatch: pytest.MonkeyPatch) -> None:
    for name, value in {
        "CUSTOMER_VERIFICATION": "sms",
        "CUSTOMER_KEY_PARAMETER": CUSTOMER_KEYS,
        "CUSTOMER_SMS": "on",
        "STATUS_PAGE_URL": STATUS_PAGE,
        "SMS_DAILY_BUDGET_PARTS": "100",
        "REPLY_WINDOW_HOURS": "24",
    }.items():
        monkeypatch.setenv(name, value)


class Customer:
    """A verified customer's request driven through the real handlers; every SNS text kept."""

    def __init__(self, flow: Any, load_event: Any, context: Any, aws_client: Any) -> None:
        self.flow, self.load_event, self.context, self.aws_client = flow, load_event, context, aws_client
        self.texts: list[dict[str, Any]] = []
        aws_client("sns", "ap-northeast-1").meta.events.register(
            "provide-client-params.sns.Publish", lambda params, **_: self.texts.append(dict(params))
        )
        boto3.client("ssm", region_name=REGION).put_parameter(
            Name=CUSTOMER_KEYS,
            Value=json.dumps(Keyring((RingKey(CUSTOMER_KEY, 0),)).to_document()),
            Type="SecureString",
            Overwrite=True,
        )

    def token(self) -> str:
        return customer_token.issue(CUSTOMER_KEY, RESERVATION, CUSTOMER_PHONE, int(clock.now()) + 1800).value

    def ask(self) -> str:
        body = {"customerPhone": "010-1234-5678", "reservationNumber": RESERVATION, "message": "예약 변경"}
        event = self.load_event("chat.json", body=body)
        event["headers"]["authorization"] = f"Bearer {self.token()}"
        stub = Stubber(self.aws_client("lambda"))
        stub.add_response(
            "invoke", {"StatusCode": 202}, {"FunctionName": ANY, "InvocationType": "Event", "Payload": ANY}
        )
        with stub:
            answer = intake.handler(event, self.context)
        assert answer["statusCode"] == 202, answer
        request_id = str(json.loads(answer["body"])["requestId"])
        from handlers import orchestrator, sms_sender

        orchestrator.handler({"requestId": request_id}, self.context)
        sms_sender.handler({"requestId": request_id, "taskToken": "task-token-1"}, self.context)
        return request_id

    def answered(self, response: str, proposed: datetime | None = None) -> str:
        """A request the partner answered, its message stored by the notification step."""
        request_id = self.ask()
        link = self.to(PARTNER_PHONE)[-1]["Message"].rsplit("/", 1)[1]
        body: dict[str, Any] = {"token": link, "response": response}
        if proposed is not None:
            body["alternativeTime"] = proposed.isoformat()
        stub = Stubber(self.aws_client("stepfunctions"))
        stub.add_response("send_task_success", {}, {"taskToken": ANY, "output": ANY})
        with stub:
            assert self.flow.respond(body)["statusCode"] == 200
        outcome = {"response": response, "alternativeTime": proposed.isoformat() if proposed else None}
        notification.handler({"requestId": request_id, "outcome": outcome}, self.context)
        return request_id

    def reply(self, request_id: str, choice: str, token: str | None = "valid") -> dict[str, Any]:  # noqa: S107
        event = self.load_event("reply.json", body={"choice": choice}, REQUEST_ID=request_id)
        if token is not None:
            event["headers"]["authorization"] = f"Bearer {self.token() if token == 'valid' else token}"
        return verify.handler(event, self.context)

    def to(self, phone: str) -> list[dict[str, Any]]:
        return [t for t in self.texts if t["PhoneNumber"] == phone]


@pytest.fixture
def customer(flow: Any, load_event: Any, context: Any, aws_client: Any) -> Customer:
    return Customer(flow, load_event, context, aws_client)


def _body(answer: dict[str, Any]) -> dict[str, Any]:
    return dict(json.loads(answer["body"]))


def _proposed() -> datetime:
    return (datetime.now(UTC) + timedelta(days=3)).replace(hour=6, minute=0, second=0, microsecond=0)


# -- the customer text --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("response", "says"),
    [("accept", "변경 수락"), ("reject", "변경 불가"), ("alternative", "다른 시간을 제안")],
)
def test_an_answered_request_texts_the_customer_once_with_the_status_link(
    customer: Customer, context: Any, response: str, says: str
) -> None:
    request_id = customer.answered(response, _proposed() if response == "alternative" else None)
    # A retried notification step finds the claim and texts nothing.
    notification.handler({"requestId": request_id, "outcome": {"response": response}}, context)

    texts = customer.to(CUSTOMER_PHONE)
    assert len(texts) == 1
    assert texts[0]["Message"].startswith(f"[예약확인센터] 예약 {RESERVATION} ")
    assert says in texts[0]["Message"]
    assert texts[0]["Message"].endswith(f"\n{STATUS_PAGE}?request={request_id}")
    assert customer.flow.request_item(request_id)["customerSms"]["sentAt"] > 0


def test_an_unverified_request_is_not_texted(
    flow: Any, load_event: Any, context: Any, aws_client: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("CUSTOMER_VERIFICATION", "off")
    customer = Customer(flow, load_event, context, aws_client)  # on the clients of these settings
    request_id = customer.answered("accept")

    assert customer.to(CUSTOMER_PHONE) == []
    assert _body(customer.flow.status(request_id))["customerSms"] is False


def test_the_customer_text_counts_on_the_budget_and_waits_when_it_does_not_fit(
    customer: Customer, monkeypatch: pytest.MonkeyPatch
) -> None:
    request_id = customer.ask()
    budget = Store(boto3.client("dynamodb", region_name=REGION), TABLE)
    (spent,) = budget.get_many([budget_key(utc_day(time.time()))])
    assert spent is not None
    # Room for one more part only: the customer's text (two parts at least) does not fit.
    monkeypatch.setenv("SMS_DAILY_BUDGET_PARTS", str(int(spent["parts"]) + 1))
    customer = Customer(customer.flow, customer.load_event, customer.context, customer.aws_client)

    timeout.handler({"requestId": request_id, "error": {"Error": "States.Timeout"}}, customer.context)
    notification.handler({"requestId": request_id, "outcome": {"response": "timeout"}}, customer.context)

    assert customer.to(CUSTOMER_PHONE) == []
    assert customer.flow.request_item(request_id)["customerSms"]["refused"] == "budget"


def test_the_sweeper_texts_a_message_the_workflow_stored_without_one(
    customer: Customer, context: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    request_id = customer.ask()
    # The workflow's last-resort path: status and message written directly, no function, no text.
    boto3.client("dynamodb", region_name=REGION).update_item(
        TableName=TABLE,
        Key={"PK": {"S": f"REQUEST#{request_id}"}, "SK": {"S": "METADATA"}},
        UpdateExpression="SET #s = :t, notification = :n",
        ExpressionAttributeNames={"#s": "status"},
        ExpressionAttributeValues={
            ":t": {"S": "Timeout"},
            ":n": {"M": {"message": {"S": "안녕하세요."}, "source": {"S": "template"}}},
        },
    )
    start = time.time()
    monkeypatch.setattr(clock, "now", lambda: start + 421)

    sweeper.handler({}, context)
    sweeper.handler({}, context)

    texts = customer.to(CUSTOMER_PHONE)
    assert len(texts) == 1
    assert "제시간에 답하지 않았습니다" in texts[0]["Message"]
    assert "1588-0000" in texts[0]["Message"]


# -- the reply ----------------------------------------------------------------------------------------


def test_confirming_the_proposal_records_the_event_and_texts_the_partner_once(customer: Customer) -> None:
    proposed = _proposed()
    request_id = customer.answered("alternative", proposed)
    partner_texts = len(customer.to(PARTNER_PHONE))

    answer = customer.reply(request_id, "confirm")
    again = customer.reply(request_id, "decline")

    assert answer["statusCode"] == 200, answer
    assert _body(answer)["choice"] == "confirm"
    assert (again["statusCode"], _body(again)["error"], _body(again)["choice"]) == (
        409,
        "ALREADY_REPLIED",
        "confirm",
    )
    told = customer.to(PARTNER_PHONE)[partner_texts:]
    assert len(told) == 1
    assert told[0]["Message"].startswith(f"[예약확인센터] 예약 {RESERVATION}: 고객이 제안하신 시간으로 확정")
    status = _body(customer.flow.status(request_id))
    assert status["reply"]["choice"] == "confirm"
    event = status["events"][-1]
    assert (event["type"], event["choice"]) == ("CustomerConfirmed", "confirm")
    assert datetime.fromisoformat(event["alternativeTime"]) == proposed
    assert customer.flow.request_item(request_id)["customerReply"]["partnerTexted"] == "sent"


def test_declining_records_customer_declined(customer: Customer) -> None:
    request_id = customer.answered("alternative", _proposed())

    assert customer.reply(request_id, "decline")["statusCode"] == 200
    assert _body(customer.flow.status(request_id))["events"][-1]["type"] == "CustomerDeclined"
    assert "다른 시간이 필요하다고" in customer.to(PARTNER_PHONE)[-1]["Message"]


@pytest.mark.parametrize("token", [None, "not-a-token"])
def test_a_reply_needs_the_customer_token(customer: Customer, token: str | None) -> None:
    request_id = customer.answered("alternative", _proposed())

    answer = customer.reply(request_id, "confirm", token=token)

    assert (answer["statusCode"], _body(answer)["error"]) == (401, "VERIFICATION_REQUIRED")
    assert "customerReply" not in customer.flow.request_item(request_id)


def test_a_reply_to_an_answer_that_proposed_nothing_is_409(customer: Customer) -> None:
    request_id = customer.answered("accept")

    answer = customer.reply(request_id, "confirm")

    assert (answer["statusCode"], _body(answer)["error"]) == (409, "NO_PROPOSAL")


def test_a_reply_after_the_window_is_410(customer: Customer, monkeypatch: pytest.MonkeyPatch) -> None:
    request_id = customer.answered("alternative", _proposed())
    start = time.time()
    monkeypatch.setattr(clock, "now", lambda: start + 24 * 3600 + 1)

    answer = customer.reply(request_id, "confirm")

    assert (answer["statusCode"], _body(answer)["error"]) == (410, "REPLY_CLOSED")


def test_the_status_answer_says_until_when_a_proposal_can_be_answered(customer: Customer) -> None:
    request_id = customer.answered("alternative", _proposed())

    status = _body(customer.flow.status(request_id))

    responded = customer.flow.request_item(request_id)["respondedAt"]
    until = datetime.fromisoformat(status["replyUntil"]).timestamp() * 1000
    assert until == responded + 24 * 3_600_000
    assert (status["customerSms"], status["reply"]) == (True, None)


@pytest.mark.parametrize("body", [{"choice": "maybe"}, {"choice": "confirm", "extra": 1}, {}])
def test_a_malformed_reply_is_400(customer: Customer, load_event: Any, context: Any, body: Any) -> None:
    request_id = customer.answered("alternative", _proposed())
    event = load_event("reply.json", body=body, REQUEST_ID=request_id)

    assert verify.handler(event, context)["statusCode"] == 400
