"""How well the intents are taught: Lex's limits, no utterance in two intents, leave-one-out, held-out.

The held-out set (`intent_heldout.py`) was written before the utterances and is never used to train or
tune them; its figure below is what `make test` holds the local classifier to.
"""

from __future__ import annotations

import re
import unicodedata
from collections import Counter

import pytest

from handlers.adapters.classifier import LOCAL_THRESHOLD, LocalClassifier
from handlers.adapters.intent_model import CentroidModel, features
from handlers.models.domain import IntentSource
from handlers.models.intents import DEFAULT_INTENT, INTENTS, Intent
from tests.unit.intent_heldout import HELD_OUT

# Amazon Lex V2 build-time quotas (docs.aws.amazon.com/lexv2/latest/dg/quotas.html), for ko_KR.
LEX_MAX_UTTERANCES_PER_INTENT = 1_500
LEX_MAX_UTTERANCE_CHARS = 500
LEX_MAX_UTTERANCE_CHARS_PER_LOCALE = 200_000  # 2,000,000 only in en-AU, en-GB and en-US

MINIMUM_ACCURACY = 0.90
HELD_OUT_MEASURED = (99, 105)
"""Right answers of the local classifier on the held-out set (the first figure, before this rewrite of
utterances and classifier, was 61/105). Update it when the classifier or the utterances change."""
LEAVE_ONE_OUT_MEASURED = (315, 333)

UTTERANCES = [(definition.intent, u) for definition in INTENTS for u in definition.utterances]


def _key(text: str) -> str:
    """An utterance as Lex compares them: case, spacing and punctuation do not make it another one."""
    return re.sub(r"[\W_]+", "", unicodedata.normalize("NFC", text).lower())


def test_each_intent_stays_within_lex_quotas():
    for definition in INTENTS:
        assert 0 < len(definition.utterances) <= LEX_MAX_UTTERANCES_PER_INTENT, definition.lex_name
        for utterance in definition.utterances:
            assert 0 < len(utterance.encode("utf-16-le")) // 2 <= LEX_MAX_UTTERANCE_CHARS, utterance
            assert not set("{}") & set(utterance), f"braces name a slot in Lex: {utterance}"
    total = sum(len(u.encode("utf-16-le")) // 2 for _, u in UTTERANCES)
    assert total <= LEX_MAX_UTTERANCE_CHARS_PER_LOCALE


def test_no_utterance_appears_twice_not_even_in_another_spacing():
    counts = Counter(_key(u) for _, u in UTTERANCES)
    assert [key for key, n in counts.items() if n > 1] == []


def test_every_intent_covers_the_four_kinds_of_partner():
    words = {
        Intent.CHANGE_RESERVATION: ("체크인", "렌터카", "식당", "투어"),
        Intent.REPORT_TROUBLE: ("객실", "차", "음식", "투어"),
        Intent.EXTRA_SERVICE: ("체크아웃", "카시트", "자리", "투어"),
    }
    for definition in INTENTS:
        text = " ".join(definition.utterances)
        assert all(word in text for word in words[definition.intent]), definition.lex_name


def test_held_out_messages_are_not_training_data():
    taught = {_key(u) for _, u in UTTERANCES}
    assert [m for messages in HELD_OUT.values() for m in messages if _key(m) in taught] == []
    assert all(len(messages) >= 30 for messages in HELD_OUT.values())
    assert set(HELD_OUT) == set(Intent)


def test_held_out_accuracy_is_at_least_ninety_percent():
    classifier = LocalClassifier()
    misses = [
        (intent.value, message, classifier.classify(message).intent.value)
        for intent, messages in HELD_OUT.items()
        for message in messages
        if classifier.classify(message).intent is not intent
    ]
    total = sum(len(messages) for messages in HELD_OUT.values())
    right = total - len(misses)
    assert right / total >= MINIMUM_ACCURACY, misses
    assert (right, total) == HELD_OUT_MEASURED, f"now {right}/{total}: update the figure; misses {misses}"


def test_leave_one_out_accuracy_over_the_utterances():
    # Each utterance is classified by a model refitted (IDF included) on all the others.
    counted = [(intent, features(u)) for intent, u in UTTERANCES]
    right = sum(
        CentroidModel.from_features(counted[:i] + counted[i + 1 :]).predict(u)[0] is intent
        for i, (intent, u) in enumerate(UTTERANCES)
    )
    assert right / len(UTTERANCES) >= MINIMUM_ACCURACY
    assert (right, len(UTTERANCES)) == LEAVE_ONE_OUT_MEASURED


@pytest.mark.parametrize("text", ["오늘 날씨 어때요", "감사합니다", "ㅋㅋㅋ", "asdf qwer", "12345"])
def test_small_talk_falls_below_the_threshold(text):
    result = LocalClassifier().classify(text)
    assert (result.intent, result.source) == (DEFAULT_INTENT, IntentSource.DEFAULT)
    assert (result.confidence or 0.0) < LOCAL_THRESHOLD


@pytest.mark.parametrize(
    ("text", "intent"),
    [
        ("예약 변경", Intent.CHANGE_RESERVATION),
        ("예약을 변경하고 싶습니다", Intent.CHANGE_RESERVATION),
        ("예약변경하고싶어요", Intent.CHANGE_RESERVATION),
        ("에어콘이 안되요", Intent.REPORT_TROUBLE),
        ("에어컨이 안 돼요!!", Intent.REPORT_TROUBLE),
    ],
)
def test_spacing_typos_and_punctuation_do_not_change_the_answer(text, intent):
    assert LocalClassifier().classify(text).intent is intent
