"""Customer verification and the limits on what one person can cost, through the real handlers on moto."""

from __future__ import annotations

import json
import re
from typing import Any

import boto3
import pytest
from botocore.stub import ANY, Stubber

from handlers import intake, verify, wiring
from handlers.models import customer_token
from handlers.models.keyring import Keyring, RingKey
from handlers.models.messages import PARTNER_TEXT_CAP, SMS_BUDGET_SPENT
from handlers.settings import get_settings
from handlers.store.table import from_dynamo, to_dynamo
from handlers.usecases import verify as verify_usecase

CODE = re.compile(r"[0-9]{6}")
CUSTOMER_KEYS = "/partner-confirm/test/customer-token-key"
OTHER = "R-20261127-999"


@pytest.fixture(autouse=True)
def _verification_on(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("CUSTOMER_VERIFICATION", "sms")
    monkeypatch.setenv("CUSTOMER_KEY_PARAMETER", CUSTOMER_KEYS)
    monkeypatch.setattr(verify_usecase, "VERIFY_FLOOR_SECONDS", 0.0)


def _body(answer: dict[str, Any]) -> dict[str, Any]:
    return dict(json.loads(answer["body"]))


class Customer:
    def __init__(self, load_event: Any, context: Any, aws_client: Any) -> None:
        self.load_event = load_event
        self.context = context
        self.aws_client = aws_client
        self.texts: list[dict[str, Any]] = []
        aws_client("sns", "ap-northeast-1").meta.events.register(
            "provide-client-params.sns.Publish", lambda params, **_: self.texts.append(dict(params))
        )

    def request_code(self, reservation: str = "R-20261127-001", ip: str | None = None) -> dict[str, Any]:
        event = self.load_event(
            "verify.json", body={"reservationNumber": reservation, "customerPhone": "010-1234-5678"}
        )
        if ip:
            event["requestContext"]["http"]["sourceIp"] = ip
        return verify.handler(event, self.context)

    def confirm(self, code: str, reservation: str = "R-20261127-001") -> dict[str, Any]:
        body = {"reservationNumber": reservation, "customerPhone": "010-1234-5678", "code": code}
        return verify.handler(self.load_event("verify_confirm.json", body=body), self.context)

    def last_code(self) -> str:
        found = CODE.search(self.texts[-1]["Message"])
        assert found is not None
        return found.group(0)

    def token(self) -> str:
        assert self.request_code()["statusCode"] == 202
        answer = self.confirm(self.last_code())
        assert answer["statusCode"] == 200, answer
        return str(_body(answer)["customerToken"])

    def chat(self, token: str | None, reservation: str = "R-20261127-001") -> dict[str, Any]:
        body = {"customerPhone": "010-1234-5678", "reservationNumber": reservation, "message": "예약 변경"}
        event = self.load_event("chat.json", body=body)
        if token is not None:
            event["headers"]["authorization"] = f"Bearer {token}"
        stub = Stubber(self.aws_client("lambda"))
        stub.add_response(
            "invoke", {"StatusCode": 202}, {"FunctionName": ANY, "InvocationType": "Event", "Payload": ANY}
        )
        with stub:
            return intake.handler(event, self.context)


@pytest.fixture
def customer(seed_reservation: Any, load_event: Any, context: Any, aws_client: Any) -> Customer:
    keyring = Keyring((RingKey(b"customer-token-key-0123456789abcdef", 0),))
    boto3.client("ssm", region_name="ap-northeast-2").put_parameter(
        Name=CUSTOMER_KEYS, Value=json.dumps(keyring.to_document()), Type="SecureString"
    )
    return Customer(load_event, context, aws_client)


def test_a_real_pair_gets_a_six_digit_code_in_one_korean_sms_part(customer: Customer) -> None:
    answer = customer.request_code()

    assert answer["statusCode"] == 202
    assert len(customer.texts) == 1
    text = customer.texts[0]
    assert text["PhoneNumber"] == "+821012345678"
    assert re.search(r"인증번호 [0-9]{6}", text["Message"])
    assert len(text["Message"]) <= 70


def test_an_unknown_pair_gets_the_same_answer_and_no_text(customer: Customer) -> None:
    real = customer.request_code()
    unknown = customer.request_code(reservation=OTHER)

    assert (unknown["statusCode"], unknown["body"]) == (real["statusCode"], real["body"])
    assert len(customer.texts) == 1


def test_a_code_publish_sns_never_answered_is_the_same_202_and_the_code_stands(
    customer: Customer, aws_client: Any
) -> None:
    from botocore.exceptions import ReadTimeoutError

    def lost(**_: Any) -> None:
        raise ReadTimeoutError(endpoint_url="https://sns")  # SNS may have texted; the answer never came

    sns = aws_client("sns", "ap-northeast-1")
    sns.meta.events.register("before-send.sns.Publish", lost)
    try:
        answer = customer.request_code()
    finally:
        sns.meta.events.unregister("before-send.sns.Publish", lost)

    assert answer["statusCode"] == 202, answer
    assert len(customer.texts) == 1  # one attempt only: a second could text the customer twice
    assert customer.confirm(customer.last_code())["statusCode"] == 200


def test_only_the_codes_hmac_is_stored(customer: Customer, aws: Any) -> None:
    customer.request_code()
    code = customer.last_code()

    items = aws.scan(TableName="partner-confirm-test")["Items"]

    assert code not in json.dumps(items)
    assert any(item["PK"]["S"].startswith("CODE#") and "codeDigest" in item for item in items)


def test_every_verify_answer_leaves_no_earlier_than_the_floor(
    customer: Customer, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(verify_usecase, "VERIFY_FLOOR_SECONDS", 0.8)
    slept: list[float] = []
    clock = iter([100.1])  # when the work is done
    body = verify_usecase.VerifyRequest(reservationNumber=OTHER, customerPhone="010-1234-5678")

    verify_usecase.request_code(
        body,
        "203.0.113.10",
        store=wiring.store(get_settings()),
        guards=wiring.guards(get_settings()),
        sms=_NoSms(),
        keys=(b"k",),
        codes_per_reservation=3,
        codes_per_address=10,
        sms_daily_budget_parts=45,
        started=100.0,
        monotonic=lambda: next(clock),
        sleep=slept.append,
    )

    assert slept == [pytest.approx(0.7)]


class _NoSms:
    def send(self, phone: str, body: str, *, give_up_at: float | None = None) -> str:
        raise AssertionError("an unknown pair is never texted")


def test_the_right_code_buys_a_token_that_chat_accepts(customer: Customer) -> None:
    token = customer.token()

    answer = customer.chat(token)

    assert answer["statusCode"] == 202, answer


def test_a_token_is_valid_for_thirty_minutes(customer: Customer) -> None:
    customer.request_code()
    answer = _body(customer.confirm(customer.last_code()))
    from datetime import UTC, datetime

    expires = datetime.fromisoformat(answer["expiresAt"].replace("Z", "+00:00"))
    left = (expires - datetime.now(UTC)).total_seconds()
    assert 1790 <= left <= 1800


def test_a_code_works_once(customer: Customer) -> None:
    customer.request_code()
    code = customer.last_code()
    assert customer.confirm(code)["statusCode"] == 200

    again = customer.confirm(code)

    assert (again["statusCode"], _body(again)["error"]) == (401, "CODE_INVALID")


def test_a_wrong_code_is_401_and_five_wrong_tries_lock_the_code(customer: Customer) -> None:
    customer.request_code()
    right = customer.last_code()
    wrong = "000000" if right != "000000" else "111111"

    answers = [customer.confirm(wrong) for _ in range(6)]
    after = customer.confirm(right)

    assert [a["statusCode"] for a in answers] == [401] * 5 + [429]
    assert [_body(a)["error"] for a in answers] == ["CODE_INVALID"] * 5 + ["CODE_LOCKED"]
    assert int(answers[5]["headers"]["Retry-After"]) >= 1
    assert (after["statusCode"], _body(after)["error"]) == (429, "CODE_LOCKED")


def test_a_new_code_replaces_a_locked_one(customer: Customer) -> None:
    customer.request_code()
    for _ in range(5):
        customer.confirm("999999" if customer.last_code() != "999999" else "888888")
    customer.request_code()

    assert customer.confirm(customer.last_code())["statusCode"] == 200


def test_an_expired_code_is_refused(customer: Customer, monkeypatch: pytest.MonkeyPatch) -> None:
    customer.request_code()
    code = customer.last_code()
    from handlers import clock

    later = clock.now() + verify_usecase.CODE_SECONDS + 1
    monkeypatch.setattr(clock, "now", lambda: later)

    answer = customer.confirm(code)

    assert (answer["statusCode"], _body(answer)["error"]) == (401, "CODE_INVALID")


@pytest.mark.parametrize("token", [None, "", "not-a-token", "A" * 38])
def test_chat_without_a_valid_token_is_401(customer: Customer, token: str | None) -> None:
    answer = customer.chat(token)

    assert (answer["statusCode"], _body(answer)["error"]) == (401, "VERIFICATION_REQUIRED")
    assert re.search(r"[가-힣]", _body(answer)["message"])


def test_a_token_for_another_reservation_is_refused(customer: Customer) -> None:
    token = customer.token()

    answer = customer.chat(token, reservation=OTHER)

    assert (answer["statusCode"], _body(answer)["error"]) == (401, "VERIFICATION_REQUIRED")


def test_an_expired_token_is_refused(customer: Customer, monkeypatch: pytest.MonkeyPatch) -> None:
    token = customer.token()
    from handlers import clock

    later = clock.now() + verify_usecase.TOKEN_SECONDS
    monkeypatch.setattr(clock, "now", lambda: later)

    answer = customer.chat(token)

    assert (answer["statusCode"], _body(answer)["error"]) == (401, "VERIFICATION_REQUIRED")


def test_a_token_signed_with_another_key_is_refused(customer: Customer) -> None:
    forged = customer_token.issue(b"another key", "R-20261127-001", "+821012345678", 2_000_000_000)

    answer = customer.chat(forged.value)

    assert (answer["statusCode"], _body(answer)["error"]) == (401, "VERIFICATION_REQUIRED")


def test_code_texts_per_reservation_stop_silently(customer: Customer) -> None:
    answers = [customer.request_code(ip=f"203.0.113.{i}") for i in range(5)]

    assert [a["statusCode"] for a in answers] == [202] * 5
    assert len({a["body"] for a in answers}) == 1
    assert len(customer.texts) == 3


def test_code_requests_per_address_are_limited_with_retry_after(
    customer: Customer, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("CODE_TEXTS_PER_ADDRESS", "2")

    answers = [customer.request_code(reservation=f"R-2026112{i}") for i in range(3)]

    assert [a["statusCode"] for a in answers] == [202, 202, 429]
    assert _body(answers[2])["error"] == "RATE_LIMITED"
    assert 1 <= int(answers[2]["headers"]["Retry-After"]) <= 600


def test_a_spent_budget_refuses_codes_and_questions_with_503(
    customer: Customer, monkeypatch: pytest.MonkeyPatch
) -> None:
    token = customer.token()  # one part spent
    monkeypatch.setenv("SMS_DAILY_BUDGET_PARTS", "1")

    code = customer.request_code()
    question = customer.chat(token)

    assert (code["statusCode"], _body(code)["error"]) == (503, "SMS_BUDGET")
    assert (question["statusCode"], _body(question)["error"]) == (503, "SMS_BUDGET")
    assert re.search(r"[가-힣]", _body(question)["message"])
    assert len(customer.texts) == 1


def test_a_second_question_while_one_waits_is_409_naming_the_open_one(customer: Customer) -> None:
    token = customer.token()
    first = customer.chat(token)

    second = customer.chat(token)

    assert second["statusCode"] == 409
    assert _body(second)["error"] == "REQUEST_OPEN"
    assert _body(second)["requestId"] == _body(first)["requestId"]


def test_a_question_after_the_open_one_ended_is_accepted(
    customer: Customer, aws: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    from handlers.models.domain import Status

    token = customer.token()
    first = _body(customer.chat(token))["requestId"]
    wiring.store(get_settings()).end_request(first, Status.FAILED, 1, {"reason": "test"})

    again = customer.chat(token)

    assert again["statusCode"] == 202
    assert _body(again)["requestId"] != first


# -- the sender's limits: per partner and the day's budget --------------------------------------------


def _send(flow: Any, request_id: str, *, refused: bool = False) -> list[dict[str, Any]]:
    """Run the workflow's SMS task for `request_id` (which fails the task when `refused`); the texts it
    published."""
    from handlers import sms_sender
    from handlers.usecases.send_sms import RequestEndedError

    sns = flow.aws_client("sns", "ap-northeast-1")
    published: list[dict[str, Any]] = []
    sns.meta.events.register(
        "provide-client-params.sns.Publish", lambda params, **_: published.append(params)
    )
    if refused:
        with pytest.raises(RequestEndedError):
            sms_sender.handler({"requestId": request_id, "taskToken": "task-1"}, flow.context)
    else:
        sms_sender.handler({"requestId": request_id, "taskToken": "task-1"}, flow.context)
    return published


@pytest.fixture
def off(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("CUSTOMER_VERIFICATION", "off")


def test_a_link_text_that_does_not_fit_the_budget_is_not_sent_and_the_request_fails(
    off: None, flow: Any, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("SMS_DAILY_BUDGET_PARTS", "1")  # the link takes 2 parts
    request_id = flow.orchestrated()

    published = _send(flow, request_id, refused=True)

    item = flow.request_item(request_id)
    assert published == []
    assert item["status"] == "Failed"
    assert item["failureReason"] == SMS_BUDGET_SPENT
    assert item["notification"]["message"]
    assert '"SmsBudgetExhausted"' in capsys.readouterr().out


def test_past_the_partner_cap_the_request_fails_without_a_text(
    off: None, flow: Any, aws: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("PARTNER_TEXTS_PER_HOUR", "1")
    same_partner = {**from_dynamo(aws.scan(TableName="partner-confirm-test")["Items"][0])}
    same_partner.update(PK="RES#R-20261127-002", reservationNumber="R-20261127-002", GSI1PK="R-20261127-002")
    aws.put_item(TableName="partner-confirm-test", Item=to_dynamo(same_partner))
    first = _send(flow, flow.orchestrated())

    second_id = flow.orchestrated(reservationNumber="R-20261127-002")
    second = _send(flow, second_id, refused=True)

    assert len(first) == 1
    assert second == []
    item = flow.request_item(second_id)
    assert (item["status"], item["failureReason"]) == ("Failed", PARTNER_TEXT_CAP)
