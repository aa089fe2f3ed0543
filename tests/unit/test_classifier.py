from __future__ import annotations

import boto3
import pytest
from botocore.exceptions import ReadTimeoutError
from botocore.stub import ANY, Stubber

from handlers.adapters.classifier import LexClassifier, LocalClassifier
from handlers.clients import LEX_CONFIG
from handlers.models.domain import IntentSource
from handlers.models.intents import DEFAULT_INTENT, Intent


@pytest.mark.parametrize(
    ("text", "intent"),
    [
        ("예약 날짜를 토요일로 바꾸고 싶어요", Intent.CHANGE_RESERVATION),
        ("방에 온수가 안 나와요", Intent.REPORT_TROUBLE),
        ("조식 추가 가능할까요?", Intent.EXTRA_SERVICE),
    ],
)
def test_local_classifier_learns_from_the_bot_utterances(text, intent):
    result = LocalClassifier().classify(text)
    assert (result.intent, result.source) == (intent, IntentSource.LOCAL)


def test_local_classifier_defaults_on_unrelated_text():
    result = LocalClassifier().classify("xyz")
    assert (result.intent, result.source, result.fallback_reason) == (
        DEFAULT_INTENT,
        IntentSource.DEFAULT,
        "local_low_similarity",
    )


def test_local_classifier_is_deterministic():
    assert LocalClassifier().classify("와이파이 비밀번호") == LocalClassifier().classify("와이파이 비밀번호")


def _lex():
    client = boto3.client("lexv2-runtime", region_name="ap-northeast-2", config=LEX_CONFIG)
    return client, LexClassifier(client, "BOTID12345", "ALIAS12345", "ko_KR", threshold=0.5)


def _answer(name, score):
    interpretation = {"intent": {"name": name}}
    if score is not None:
        interpretation["nluConfidence"] = {"score": score}
    return {"interpretations": [interpretation], "sessionId": "session-1"}


PARAMS = {
    "botId": "BOTID12345",
    "botAliasId": "ALIAS12345",
    "localeId": "ko_KR",
    "sessionId": ANY,
    "text": ANY,
}


def test_lex_intent_above_threshold_is_used():
    client, lex = _lex()
    with Stubber(client) as stub:
        stub.add_response("recognize_text", _answer("ReportTrouble", 0.91), PARAMS)
        result = lex.classify("에어컨이 고장났어요")
    assert (result.intent, result.source, result.confidence) == (
        Intent.REPORT_TROUBLE,
        IntentSource.LEX,
        0.91,
    )


@pytest.mark.parametrize(
    ("answer", "reason"),
    [
        (_answer("FallbackIntent", None), "lex_fallback"),
        (_answer("RequestExtraService", 0.2), "lex_low_confidence"),
        ({"interpretations": [], "sessionId": "session-1"}, "lex_no_interpretation"),
    ],
)
def test_lex_fallback_or_low_confidence_gives_the_default_intent(answer, reason):
    client, lex = _lex()
    with Stubber(client) as stub:
        stub.add_response("recognize_text", answer, PARAMS)
        result = lex.classify("음")
    assert (result.intent, result.source, result.fallback_reason) == (
        DEFAULT_INTENT,
        IntentSource.DEFAULT,
        reason,
    )


def test_lex_error_gives_the_default_intent():
    client, lex = _lex()
    with Stubber(client) as stub:
        stub.add_client_error("recognize_text", "ThrottlingException", http_status_code=429)
        result = lex.classify("예약 변경")
    assert (result.source, result.fallback_reason) == (IntentSource.DEFAULT, "lex_error")


def test_lex_timeout_gives_the_default_intent():
    client, lex = _lex()

    def time_out(**_):
        raise ReadTimeoutError(endpoint_url="https://runtime-v2-lex")

    client.meta.events.register("before-send.lex-runtime-v2.RecognizeText", time_out)
    assert lex.classify("예약 변경").fallback_reason == "lex_error"


def test_lex_budget_is_three_seconds_without_retry():
    assert LEX_CONFIG.connect_timeout + LEX_CONFIG.read_timeout <= 3
    assert LEX_CONFIG.retries["total_max_attempts"] == 1
