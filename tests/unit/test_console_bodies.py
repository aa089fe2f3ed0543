"""The console's read answers (queue, detail, partners), built as plain dicts, are byte for byte the JSON
their pydantic models wrote before."""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any, cast

from pydantic import BaseModel, ConfigDict

from handlers.api import json_response
from handlers.models.domain import Status
from handlers.store.console import ConsoleStore
from handlers.usecases import console

NOW = 1_764_633_900.0  # 2025-12-02T00:05:00Z
OPEN = "0e5d8c1a-3f2b-4c6d-9e8f-7a6b5c4d3e2f"
CLOSED = "1f6e9d2b-4a3c-4d7e-8f9a-8b7c6d5e4f3a"
OPERATOR = "operator@example.com"


# The answers' schemas as the function served them through pydantic: the oracle for the hand-built bodies.
class LastEventModel(BaseModel):
    type: str
    at: str


class RowModel(BaseModel):
    requestId: str
    status: str
    createdAt: str
    ageSeconds: int
    partnerDeadline: str | None = None
    partnerId: str | None = None
    partnerName: str | None = None
    intent: str
    reservationNumber: str
    lastEvent: LastEventModel | None = None
    answeredBy: str | None = None
    closedBy: str | None = None


class PageModel(BaseModel):
    items: list[RowModel]
    cursor: str | None = None


class EventModel(BaseModel):
    model_config = ConfigDict(extra="allow")

    type: str
    at: str


class SmsAttemptModel(BaseModel):
    at: str
    to: str
    kind: str
    outcome: str


class NotificationModel(BaseModel):
    message: str
    source: str
    at: str | None = None
    by: str | None = None


class FailureModel(BaseModel):
    error: str | None = None
    cause: str | None = None
    reason: str | None = None


class ActionModel(BaseModel):
    model_config = ConfigDict(extra="allow")

    type: str
    at: str
    by: str
    note: str | None = None


class AnswerModel(BaseModel):
    response: str
    alternativeTime: str | None = None
    note: str | None = None
    at: str | None = None
    by: str | None = None


class DetailModel(RowModel):
    intentSource: str | None = None
    customerQuery: str
    customerPhone: str | None = None
    partnerPhone: str | None = None
    reservationDate: str | None = None
    serviceType: str | None = None
    answer: AnswerModel | None = None
    events: list[EventModel] = []
    smsAttempts: list[SmsAttemptModel] = []
    notification: NotificationModel | None = None
    failure: FailureModel | None = None
    actions: list[ActionModel] = []
    allowedActions: list[str] = []


class PartnerModel(BaseModel):
    partnerId: str
    partnerName: str | None = None
    requests: int
    answered: int
    answeredByOperator: int
    timedOut: int
    open: int
    answerRate: float | None = None
    medianAnswerSeconds: float | None = None
    lastAnswerAt: str | None = None


class PartnersModel(BaseModel):
    days: int
    since: str
    items: list[PartnerModel]


WAITING = {
    "requestId": OPEN,
    "status": "SMSSent",
    "createdAt": 1_764_633_600_000,
    "partnerId": "P-1",
    "partnerName": "한강 게스트하우스",
    "partnerPhone": "+821098765432",
    "customerPhone": "+821012345678",
    "intent": "ChangeReservation",
    "intentSource": "lex",
    "query": '예약 날짜를 "다음 주" 토요일로 바꿀 수 있을까요?',
    "reservationNumber": "R-1",
    "reservationDate": "2025-12-20",
    "serviceType": "숙박",
    "tokenDigest": "abc123",
    "smsSentAt": 1_764_633_601_234,
}
ENDED = {
    "requestId": CLOSED,
    "status": "Closed",
    "createdAt": 1_764_633_500_000,
    "partnerId": "P-1",
    "intent": "AddService",
    "reservationNumber": "R-2",
    "query": "수건 추가",
    "partnerResponse": {"response": "alternative", "alternativeTime": "2025-12-20T20:30", "by": OPERATOR},
    "respondedAt": 1_764_633_700_000,
    "closedBy": OPERATOR,
    "notification": {"message": "운영자가 요청을 마쳤어요.", "source": "operator", "at": 1_764_633_800_000},
    "failure": {"error": "SmsDeliveryError", "cause": "refused"},
    "failureReason": "파트너에게 연락하지 못했어요.",
}
TOKEN = {"tokenDigest": "abc123", "deadlineMs": 1_764_633_901_234, "used": False}
EVENTS = [
    {"eventType": "Created", "at": 1_764_633_500_000, "details": {"intent": "AddService", "x": None}},
    {"eventType": "SMSSent", "at": 1_764_633_501_000, "details": {"channel": "sns", "uncertain": True}},
    {"eventType": "Failed", "at": 1_764_633_502_000, "details": {"reason": "sms"}},
    {"eventType": "LinkResent", "at": 1_764_633_503_000, "details": {"by": OPERATOR, "outcome": "failed"}},
    {
        "eventType": "AnsweredByOperator",
        "at": 1_764_633_700_000,
        "details": {"note": "전화로 수락", "by": OPERATOR, "response": "alternative"},
    },
    {
        "eventType": "Responded",
        "at": 1_764_633_700_000,
        "details": {"response": "alternative", "by": OPERATOR},
    },
    {"eventType": "PhoneRevealed", "at": 1_764_633_750_000, "details": {"by": OPERATOR, "who": "customer"}},
    {"eventType": "ClosedByOperator", "at": 1_764_633_800_000, "details": {"by": OPERATOR, "note": "마침"}},
]


class _Store:
    def newest(self, status: Status, count: int, before: Any = None) -> list[dict[str, Any]]:
        return [r for r in (WAITING, ENDED) if r["status"] == status.value][:count]

    def last_events(self, request_ids: list[str]) -> dict[str, dict[str, Any]]:
        return {OPEN: EVENTS[1]}

    def tokens(self, digests: list[str]) -> dict[str, dict[str, Any]]:
        return {"abc123": TOKEN}

    def get_token(self, digest: str) -> dict[str, Any] | None:
        return TOKEN if digest == "abc123" else None

    def request_with_events(self, request_id: str) -> tuple[dict[str, Any], list[dict[str, Any]]]:
        return (WAITING, EVENTS[:2]) if request_id == OPEN else (ENDED, EVENTS)

    def created_since(self, status: Status, since_ms: int) -> Iterator[dict[str, Any]]:
        more = {**ENDED, "status": "Responded", "partnerName": "한강", "respondedAt": 1_764_633_633_333}
        by_status = {
            "SMSSent": [WAITING],
            "Responded": [ENDED, more],
            "Timeout": [{**WAITING, "partnerId": "P-2"}],
        }
        yield from by_status.get(status.value, [])


STORE = cast(ConsoleStore, _Store())


def _json(answer: Any) -> str:
    return str(json_response(200, answer).body)


def test_the_queue_is_the_models_json():
    page = console.queue((Status.CLOSED, Status.SMS_SENT), 1, None, store=STORE, clock=lambda: NOW)
    body = _json(page)
    assert body == PageModel.model_validate_json(body).model_dump_json()
    assert json.loads(body)["items"][0]["lastEvent"] == {"type": "SMSSent", "at": "2025-12-01T23:58:21.000Z"}
    assert json.loads(body)["cursor"]


def test_a_detail_with_every_part_is_the_models_json():
    body = _json(console.detail(CLOSED, store=STORE, clock=lambda: NOW))
    assert body == DetailModel.model_validate_json(body).model_dump_json()
    answer = json.loads(body)
    assert [a["type"] for a in answer["actions"]] == [
        "LinkResent",
        "AnsweredByOperator",
        "PhoneRevealed",
        "ClosedByOperator",
    ]
    assert answer["actions"][0]["note"] is None
    assert [s["outcome"] for s in answer["smsAttempts"]] == ["uncertain", "failed", "failed"]
    assert "x" not in answer["events"][0]


def test_a_waiting_requests_detail_is_the_models_json():
    body = _json(console.detail(OPEN, store=STORE, clock=lambda: NOW))
    assert body == DetailModel.model_validate_json(body).model_dump_json()
    assert json.loads(body)["allowedActions"] == ["resend-link", "answer", "close", "reveal"]


def test_the_partners_record_is_the_models_json():
    body = _json(console.partners(7, store=STORE, clock=lambda: NOW))
    assert body == PartnersModel.model_validate_json(body).model_dump_json()
    first = json.loads(body)["items"][0]
    assert (first["partnerId"], first["answerRate"], first["medianAnswerSeconds"]) == ("P-1", 1.0, 166.7)
