"""Intent classification: Lex V2 `RecognizeText`, or a local classifier learned from the bot's utterances.

Both answer an `Classification`; any Lex failure, FallbackIntent or low confidence falls back to the
default intent with the reason recorded, because a customer must never wait on the classifier.
"""

from __future__ import annotations

import math
import uuid
from collections import Counter
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

from botocore.exceptions import BotoCoreError, ClientError

from handlers.models.domain import IntentSource
from handlers.models.intents import DEFAULT_INTENT, INTENTS, Intent
from handlers.observability import logger

_BY_LEX_NAME = {definition.lex_name: definition.intent for definition in INTENTS}


@dataclass(frozen=True, slots=True)
class Classification:
    intent: Intent
    source: IntentSource
    confidence: float | None = None
    fallback_reason: str | None = None  # why the default intent was used


def default(reason: str, confidence: float | None = None) -> Classification:
    return Classification(DEFAULT_INTENT, IntentSource.DEFAULT, confidence, reason)


class LexClassifier:
    def __init__(self, client: Any, bot_id: str, bot_alias_id: str, locale_id: str, threshold: float) -> None:
        self._client = client
        self._bot_id = bot_id
        self._alias_id = bot_alias_id
        self._locale_id = locale_id
        self._threshold = threshold

    def classify(self, text: str) -> Classification:
        try:
            answer = self._client.recognize_text(
                botId=self._bot_id,
                botAliasId=self._alias_id,
                localeId=self._locale_id,
                sessionId=uuid.uuid4().hex,  # one-shot classification: no conversation to keep
                text=text,
            )
        except (ClientError, BotoCoreError) as exc:
            logger().warning("Lex failed; using the default intent", extra={"lexError": type(exc).__name__})
            return default("lex_error")
        interpretations = answer.get("interpretations") or []
        if not interpretations:
            return default("lex_no_interpretation")
        best = interpretations[0]
        name = (best.get("intent") or {}).get("name")
        score = (best.get("nluConfidence") or {}).get("score")
        confidence = float(score) if score is not None else None
        intent = _BY_LEX_NAME.get(str(name))
        if intent is None:
            return default("lex_fallback", confidence)
        if confidence is None or confidence < self._threshold:
            return default("lex_low_confidence", confidence)
        return Classification(intent, IntentSource.LEX, confidence)


def _grams(text: str) -> Counter[str]:
    """Character bigrams and trigrams of the text without spaces: robust to Korean spacing and endings."""
    compact = "".join(text.split())
    grams: Counter[str] = Counter()
    for size in (2, 3):
        grams.update(compact[i : i + size] for i in range(len(compact) - size + 1))
    return grams


def _cosine(a: Counter[str], b: Counter[str]) -> float:
    shared = sum(a[g] * b[g] for g in a.keys() & b.keys())
    if not shared:
        return 0.0
    norm = math.sqrt(sum(v * v for v in a.values())) * math.sqrt(sum(v * v for v in b.values()))
    return shared / norm


@lru_cache(maxsize=1)
def _examples() -> tuple[tuple[Intent, Counter[str]], ...]:
    return tuple((d.intent, _grams(u)) for d in INTENTS for u in d.utterances)


class LocalClassifier:
    """Nearest sample utterance by character n-gram cosine similarity; deterministic, no network."""

    def __init__(self, threshold: float = 0.15) -> None:
        self._threshold = threshold

    def classify(self, text: str) -> Classification:
        grams = _grams(text)
        best: dict[Intent, float] = {}
        for intent, example in _examples():
            best[intent] = max(best.get(intent, 0.0), _cosine(grams, example))
        # Ties resolve in INTENTS order (dicts keep insertion order and max keeps the first).
        intent, score = max(best.items(), key=lambda pair: pair[1])
        if score < self._threshold:
            return default("local_low_similarity", round(score, 3))
        return Classification(intent, IntentSource.LOCAL, round(score, 3))
