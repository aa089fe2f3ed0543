"""The status answer, built as a plain dict, is byte for byte the JSON its pydantic model wrote before."""

from __future__ import annotations

import json
from typing import Any, cast

from pydantic import BaseModel, ConfigDict

from handlers.api import json_response
from handlers.store.table import Store
from handlers.usecases.status import view

REQUEST_ID = "da018196-0845-4b3c-9a57-3f0c1d2e4b5a"


# The answer's schema as the function served it through pydantic: the oracle for the hand-built body.
class EventModel(BaseModel):
    model_config = ConfigDict(extra="allow")

    type: str
    at: str


class NotificationModel(BaseModel):
    message: str
    source: str


class ReplyModel(BaseModel):
    choice: str
    at: str


class RequestModel(BaseModel):
    model_config = ConfigDict(extra="forbid")

    requestId: str
    status: str
    intent: str
    intentSource: str
    reservationNumber: str
    customerQuery: str
    partnerName: str | None = None
    partnerNote: str | None = None
    failureReason: str | None = None
    partnerDeadline: str | None = None
    events: list[EventModel] = []
    notification: NotificationModel | None = None
    customerSms: bool = False  # issue 12
    reply: ReplyModel | None = None
    replyUntil: str | None = None


class _Store:
    def __init__(self, request: dict[str, Any], events: list[dict[str, Any]]) -> None:
        self.answer = (request, events)

    def request_with_events(self, request_id: str) -> tuple[dict[str, Any], list[dict[str, Any]]]:
        return self.answer


def _body(request: dict[str, Any], events: list[dict[str, Any]]) -> str:
    return str(json_response(200, view(REQUEST_ID, store=cast(Store, _Store(request, events)))).body)


def test_a_full_answer_is_the_models_json():
    request = {
        "status": "Responded",
        "intent": "ChangeReservation",
        "intentSource": "lex",
        "reservationNumber": "R-1",
        "query": '예약 날짜를 "다음 주" 토요일로 바꿀 수 있을까요?',
        "partnerName": "한강 게스트하우스",
        "partnerResponse": {"response": "alternative", "note": "8시 반 가능"},
        "notification": {"message": "파트너가 다른 시간을 제안했어요.", "source": "template"},
        "respondedAt": 1764633700000,
        "textCustomer": True,
        "customerReply": {"choice": "confirm", "at": 1764633800000},
    }
    events = [
        {"eventType": "Created", "at": 1764633600000, "details": {"intent": "ChangeReservation"}},
        {"eventType": "SMSSent", "at": 1764633601234, "details": {"channel": "sns", "linkDeadlineMs": 1}},
        {"eventType": "Responded", "at": 1764633700000, "details": {"response": "alternative", "by": "x"}},
        {"eventType": "CustomerConfirmed", "at": 1764633800000, "details": {"choice": "confirm", "by": "c"}},
    ]
    body = _body(request, events)
    assert body == RequestModel.model_validate_json(body).model_dump_json()
    answer = json.loads(body)
    assert (answer["customerSms"], answer["reply"]["choice"]) == (True, "confirm")
    assert answer["replyUntil"] == "2025-12-03T00:01:40.000Z"  # 24 hours after the answer
    assert answer["events"][-1] == {
        "type": "CustomerConfirmed",
        "at": "2025-12-02T00:03:20.000Z",
        "choice": "confirm",
    }
    assert "다음 주" in body  # UTF-8 as written, not \u escapes
    sent = {"type": "SMSSent", "at": "2025-12-02T00:00:01.234Z", "channel": "sns"}
    assert json.loads(body)["events"][1] == sent


def test_a_new_request_is_the_models_json():
    body = _body({"status": "Created"}, [])
    assert body == RequestModel.model_validate_json(body).model_dump_json()
    assert json.loads(body)["notification"] is None
