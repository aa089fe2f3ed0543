"""The local runtime's Converse stand-in (`local/converse.py`), reached by the notifier's own adapter and a
real bedrock-runtime client: what it accepts, what it refuses as Converse would, and what it answers."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from typing import Any
from urllib.parse import unquote, urlsplit

import boto3
import pytest
from botocore.awsrequest import AWSResponse

from handlers.adapters.notifier import MODEL_ERROR, UNFINISHED, BedrockNotifier, Guardrail
from handlers.clients import BEDROCK_CONFIG
from handlers.models.domain import OutcomeKind
from handlers.models.intents import Intent
from handlers.models.messages import MessageFacts, notification_template
from handlers.models.notification_check import problem
from handlers.models.notification_prompt import build_prompt
from local import converse, faults

MODEL = "apac.anthropic.claude-haiku-4-5-20251001-v1:0"
GUARDRAIL_ID = "abc123def456"
GUARDRAIL_ARN = f"arn:aws:bedrock:ap-northeast-2:123456789012:guardrail/{GUARDRAIL_ID}"
VERSIONS = {"DRAFT", "1"}
OUTCOMES: tuple[OutcomeKind, ...] = ("accept", "reject", "alternative", "timeout", "failed")


def _facts(intent: Intent = Intent.CHANGE_RESERVATION, outcome: OutcomeKind = "accept") -> MessageFacts:
    return MessageFacts(
        intent=intent,
        outcome=outcome,
        reservation_number="RSV-20261205-001",
        partner_name="제주 바다뜰 펜션",
        alternative_time=datetime(2026, 12, 5, 6, 0, tzinfo=UTC) if outcome == "alternative" else None,
        support_phone="1588-0000",
    )


@pytest.fixture
def stand_in() -> converse.ConverseStandIn:
    versions = set(VERSIONS)
    return converse.ConverseStandIn({MODEL}, {GUARDRAIL_ID: versions, GUARDRAIL_ARN: versions})


@pytest.fixture
def client(stand_in: converse.ConverseStandIn) -> Any:
    """The notifier's client (its own config: two attempts), its HTTP attempts answered by the stand-in."""
    client = boto3.client("bedrock-runtime", region_name="ap-northeast-2", config=BEDROCK_CONFIG)

    def answered_by_the_stand_in(request: Any, **_: Any) -> AWSResponse:
        model = unquote(urlsplit(request.url).path.split("/")[2])
        answer = stand_in.answer(model, json.loads(request.body))
        headers = {"Content-Type": "application/json"}
        if answer.error_type:
            headers["x-amzn-ErrorType"] = answer.error_type
        return AWSResponse(
            request.url, answer.status, headers, faults._Body(json.dumps(answer.body).encode())
        )

    client.meta.events.register_last("before-send.bedrock-runtime.Converse", answered_by_the_stand_in)
    return client


def _notifier(client: Any, model: str = MODEL, guardrail: str = GUARDRAIL_ID, version: str = "1") -> Any:
    return BedrockNotifier(client, model, Guardrail(guardrail, version))


@pytest.mark.parametrize("intent", list(Intent))
@pytest.mark.parametrize("outcome", OUTCOMES)
def test_the_answer_is_the_template_for_the_prompts_facts_and_passes_the_check(
    client: Any, intent: Intent, outcome: OutcomeKind
) -> None:
    facts = _facts(intent, outcome)

    draft = _notifier(client).write(
        build_prompt(facts, "예약 날짜를 바꿀 수 있을까요", "주차장은 뒤편입니다")
    )

    assert draft.message == notification_template(facts)
    assert problem(draft.message, facts) is None


def test_the_guardrail_may_be_named_by_its_arn_and_its_draft(client: Any) -> None:
    draft = _notifier(client, guardrail=GUARDRAIL_ARN, version="DRAFT").write(build_prompt(_facts(), "문의"))

    assert draft.message == notification_template(_facts())


@pytest.mark.parametrize(
    ("model", "guardrail", "version"),
    [
        ("anthropic.claude-unknown-v1:0", GUARDRAIL_ID, "1"),
        (MODEL, "nosuchguardrail", "1"),
        (MODEL, GUARDRAIL_ID, "7"),
    ],
    ids=["unknown model", "unknown guardrail", "unpublished version"],
)
def test_a_call_converse_would_refuse_is_a_validation_error(
    client: Any, model: str, guardrail: str, version: str
) -> None:
    draft = _notifier(client, model, guardrail, version).write(build_prompt(_facts(), "문의"))

    assert (draft.message, draft.reason, draft.detail) == (None, MODEL_ERROR, ("ValidationException",))


def _request(**changes: Any) -> dict[str, Any]:
    instructions = build_prompt(_facts(), "문의").instructions
    request: dict[str, Any] = {
        "messages": [{"role": "user", "content": [{"text": instructions}]}],
        "inferenceConfig": {"maxTokens": 400, "temperature": 0.3},
        "guardrailConfig": {"guardrailIdentifier": GUARDRAIL_ID, "guardrailVersion": "1", "trace": "enabled"},
    }
    request.update(changes)
    return {key: value for key, value in request.items() if value is not None}


@pytest.mark.parametrize(
    "request_body",
    [
        _request(guardrailConfig=None),
        _request(
            guardrailConfig={"guardrailIdentifier": GUARDRAIL_ID, "guardrailVersion": "1", "trace": "on"}
        ),
        _request(messages=[]),
        _request(messages=[{"role": "assistant", "content": [{"text": "안녕하세요"}]}]),
        _request(messages=[{"role": "user", "content": []}]),
        _request(messages=[{"role": "user", "content": [{"text": "  "}]}]),
        _request(messages=[{"role": "user", "content": [{"text": "a", "image": {}}]}]),
        _request(messages=[{"role": "user", "content": [{"image": {"format": "png"}}]}]),
        _request(messages=[{"role": "user", "content": [{"guardContent": {"text": "bare"}}]}]),
        _request(inferenceConfig={"maxTokens": 0}),
        _request(inferenceConfig={"temperature": 1.5}),
        _request(system=[{"toolUse": {}}]),
        _request(messages=[{"role": "user", "content": [{"text": "아무 질문이나 답해 주세요"}]}]),
    ],
    ids=[
        "no guardrail",
        "unknown trace",
        "no messages",
        "assistant first",
        "empty content",
        "blank text",
        "two kinds in a block",
        "a block it cannot read",
        "guarded content without text",
        "no tokens",
        "temperature",
        "system block",
        "not the notification prompt",
    ],
)
def test_what_it_cannot_answer_is_refused_not_invented(
    stand_in: converse.ConverseStandIn, request_body: dict[str, Any]
) -> None:
    answer = stand_in.answer(MODEL, request_body)

    assert (answer.status, answer.error_type) == (400, "ValidationException")
    assert answer.body["message"]


def test_an_answer_longer_than_max_tokens_is_cut_and_unfinished(stand_in: converse.ConverseStandIn) -> None:
    answer = stand_in.answer(MODEL, _request(inferenceConfig={"maxTokens": 10}))

    assert answer.body["stopReason"] == "max_tokens"
    assert len(answer.body["output"]["message"]["content"][0]["text"]) == 10


def test_the_adapter_reads_a_cut_answer_as_unfinished(client: Any) -> None:
    notifier = BedrockNotifier(client, MODEL, Guardrail(GUARDRAIL_ID, "1"), max_tokens=10)

    assert notifier.write(build_prompt(_facts(), "문의")).reason == UNFINISHED


def test_the_trace_names_the_guardrail_with_no_findings_and_usage_counts_characters(
    stand_in: converse.ConverseStandIn,
) -> None:
    request = _request()
    text = request["messages"][0]["content"][0]["text"]

    body = stand_in.answer(MODEL, request).body

    assert body["stopReason"] == "end_turn"
    assert body["trace"] == {
        "guardrail": {"inputAssessment": {GUARDRAIL_ID: {}}, "outputAssessments": {GUARDRAIL_ID: [{}]}}
    }
    written = len(body["output"]["message"]["content"][0]["text"])
    assert body["usage"] == {
        "inputTokens": len(text),
        "outputTokens": written,
        "totalTokens": len(text) + written,
    }


def test_no_trace_unless_asked(stand_in: converse.ConverseStandIn) -> None:
    config = {"guardrailIdentifier": GUARDRAIL_ID, "guardrailVersion": "1"}

    assert "trace" not in stand_in.answer(MODEL, _request(guardrailConfig=config)).body


# -- faults: the notifier's client makes two attempts (handlers/clients.py BEDROCK_CONFIG) ---------------


def _faulted(client: Any, times: int) -> faults.FaultBook:
    book = faults.FaultBook({"notification"})
    book.add({"operation": converse.OPERATION, "error": "ThrottlingException", "times": times})
    client.meta.events.register_first("before-send.bedrock-runtime.Converse", faults.hook(book))
    return book


def test_one_throttled_attempt_is_retried_and_the_stand_in_writes_the_message(client: Any) -> None:
    book = _faulted(client, times=1)
    calling = faults.current_function.set("notification")
    try:
        draft = _notifier(client).write(build_prompt(_facts(), "문의"))
    finally:
        faults.current_function.reset(calling)

    assert draft.message == notification_template(_facts())
    assert book.active() == []  # the one throttled attempt was made


def test_two_throttled_attempts_leave_no_message(client: Any) -> None:
    _faulted(client, times=2)
    calling = faults.current_function.set("notification")
    try:
        draft = _notifier(client).write(build_prompt(_facts(), "문의"))
    finally:
        faults.current_function.reset(calling)

    assert (draft.message, draft.reason, draft.detail) == (None, MODEL_ERROR, ("ThrottlingException",))
