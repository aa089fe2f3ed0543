from __future__ import annotations

import boto3
import pytest
from botocore.stub import ANY, Stubber

from handlers.adapters.notifier import BedrockNotifier, acceptable
from handlers.clients import BEDROCK_CONFIG

MODEL = "anthropic.claude-3-haiku-20240307-v1:0"
PARAMS = {"modelId": MODEL, "system": ANY, "messages": ANY, "inferenceConfig": ANY}


def _converse(text, stop="end_turn"):
    return {
        "output": {"message": {"role": "assistant", "content": [{"text": text}]}},
        "stopReason": stop,
        "usage": {"inputTokens": 10, "outputTokens": 10, "totalTokens": 20},
        "metrics": {"latencyMs": 100},
    }


def _notifier():
    client = boto3.client("bedrock-runtime", region_name="ap-northeast-2", config=BEDROCK_CONFIG)
    return client, BedrockNotifier(client, MODEL)


def test_model_message_is_used_when_it_is_sound():
    client, notifier = _notifier()
    with Stubber(client) as stub:
        stub.add_response("converse", _converse(" 예약이 확정되었습니다. "), PARAMS)
        assert notifier.write("prompt") == "예약이 확정되었습니다."


@pytest.mark.parametrize(
    "answer",
    [
        _converse(""),
        _converse("Your booking is confirmed."),
        _converse("자세한 내용은 https://evil.example 에서 확인하세요"),
        _converse("예약이 확정되었", stop="max_tokens"),
        _converse("죄송합니다. 이 요청에는 답변할 수 없습니다.", stop="guardrail_intervened"),
        _converse("예약이 확정되었습니다.", stop="content_filtered"),
        _converse("Your booking R-20261127-001 is confirmed. 감사합니다"),
        _converse("ご予約は確定しました。감사"),
        {
            "output": {"message": {"role": "assistant", "content": []}},
            "stopReason": "end_turn",
            "usage": {"inputTokens": 1, "outputTokens": 0, "totalTokens": 1},
            "metrics": {"latencyMs": 1},
        },
    ],
)
def test_empty_foreign_linked_or_cut_answers_are_refused(answer):
    client, notifier = _notifier()
    with Stubber(client) as stub:
        stub.add_response("converse", answer, PARAMS)
        assert notifier.write("prompt") is None


@pytest.mark.parametrize("code", ["ThrottlingException", "ModelTimeoutException", "AccessDeniedException"])
def test_bedrock_errors_give_no_message(code):
    client, notifier = _notifier()
    with Stubber(client) as stub:
        stub.add_client_error("converse", code)
        assert notifier.write("prompt") is None


def test_bedrock_budget_is_a_few_seconds_without_retry():
    assert BEDROCK_CONFIG.read_timeout <= 5
    assert BEDROCK_CONFIG.retries["total_max_attempts"] == 1


def test_the_partners_note_goes_in_a_content_block_of_its_own():
    client, notifier = _notifier()
    sent = []
    client.meta.events.register(
        "provide-client-params.bedrock-runtime.Converse", lambda params, **_: sent.append(params)
    )
    with Stubber(client) as stub:
        stub.add_response("converse", _converse("안내드립니다."), PARAMS)
        notifier.write("instructions", ["8시 반 가능"])
    assert sent[0]["messages"] == [
        {"role": "user", "content": [{"text": "instructions"}, {"text": "8시 반 가능"}]}
    ]


@pytest.mark.parametrize(
    ("message", "usable"),
    [
        ("급하시면 고객센터(1588-0000)로 연락해 주세요.", True),
        ("급하시면 1588 0000으로 연락해 주세요.", True),
        ("급하시면 업체(010-9876-5432)로 연락해 주세요.", False),
        ("급하시면 01098765432로 연락해 주세요.", False),
        ("급하시면 02-123-4567로 연락해 주세요.", False),
        ("예약번호 RSV-20261205-001, 12월 5일 (토) 오후 3:00 방문입니다.", True),
    ],
)
def test_only_the_support_phone_may_appear(message, usable):
    assert (acceptable(message, "1588-0000") is not None) is usable


def test_without_a_support_phone_no_phone_number_may_appear():
    assert acceptable("고객센터(1588-0000)로 연락해 주세요.") is None


def test_korean_message_may_name_a_latin_reservation_number():
    assert (
        acceptable("예약번호 R-20261127-001 예약이 확정되었습니다. Wi-Fi 비밀번호는 객실에 있습니다.")
        is not None
    )


def test_overlong_message_is_refused():
    assert acceptable("가" * 801) is None
