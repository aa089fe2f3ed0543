"""The local intent model: TF-IDF over Korean character and jamo n-grams and word stems, nearest centroid.

Pure Python (no new dependency in the Lambda package), deterministic, and trained in a few milliseconds
from the bot's own sample utterances, so the local runtime answers as the bot was taught.

- Normalisation: NFC, lower case, the commonest Korean misspellings (되요 -> 돼요, 결재 -> 결제, ...),
  punctuation and emoticons (ㅠㅠ, ㅋㅋ) dropped, digits folded to one symbol (3박 and 4박 look alike).
- Features: syllable bigrams and trigrams of the text without spaces (robust to missing spacing), jamo
  trigrams and four-grams (robust to a wrong vowel or final consonant), and each word's stem with its
  particles and polite endings stripped (예약을/예약은 -> 예약, 바꿔주세요/바꿔줘 -> 바꿔).
- Weights: sublinear term frequency times smoothed IDF, each vector L2-normalised.
- Decision: cosine similarity to each intent's centroid (the normalised sum of its utterances' vectors).

The design was chosen by leave-one-out accuracy over the utterances (tests/unit/test_intent_quality.py),
not on the held-out set, which only measures it.
"""

from __future__ import annotations

import math
import re
import unicodedata
from collections import Counter
from collections.abc import Iterable, Mapping
from typing import Final, Generic, TypeVar

Label = TypeVar("Label")
Vector = dict[str, float]

# The commonest misspellings in customers' messages, mapped to the standard spelling before anything else.
TYPOS: Final[Mapping[str, str]] = {
    "되요": "돼요",
    "됬": "됐",
    "안되": "안돼",
    "결재": "결제",
    "에어콘": "에어컨",
    "네비": "내비",
    "배드": "베드",
    "잇나": "있나",
    "잇어": "있어",
    "시퍼": "싶어",
    "낫어": "났어",
    "날자": "날짜",
    "렌트카": "렌터카",
    "애기": "아기",
}
_NOISE: Final = re.compile(r"[^0-9a-z가-힣\s]")  # punctuation, emoticons, lone jamo (ㅠㅠ, ㅋㅋ)
_DIGITS: Final = re.compile(r"\d+")

# Polite and plain sentence endings, then case particles; longest first, stripped repeatedly from a word
# while at least two syllables remain (so 추가 keeps its 가 and 예약 its 약).
_ENDINGS: Final = (
    "습니다",
    "합니다",
    "해요",
    "했어요",
    "어요",
    "아요",
    "여요",
    "예요",
    "에요",
    "세요",
    "까요",
    "나요",
    "가요",
    "네요",
    "데요",
    "대요",
    "래요",
    "려고요",
    "려구요",
    "구요",
    "고요",
    "게요",
    "께요",
    "지요",
    "죠",
    "는데",
    "은데",
    "던데",
    "어",
    "아",
    "요",
    "여",
    "용",
    "야",
    "다",
    "니",
    "줘",
)
_PARTICLES: Final = (
    "에서는",
    "으로는",
    "에게서",
    "에서",
    "으로",
    "에게",
    "한테",
    "까지",
    "부터",
    "이랑",
    "랑",
    "처럼",
    "보다",
    "은",
    "는",
    "이",
    "가",
    "을",
    "를",
    "에",
    "로",
    "도",
    "만",
    "의",
    "와",
    "과",
    "좀",
)
_SUFFIXES: Final = tuple(sorted(_ENDINGS + _PARTICLES, key=len, reverse=True))

_HANGUL_FIRST: Final = 0xAC00
_HANGUL_COUNT: Final = 11172


def words(text: str) -> list[str]:
    """The message's words after normalisation."""
    text = unicodedata.normalize("NFC", text).lower()
    for wrong, right in TYPOS.items():
        text = text.replace(wrong, right)
    text = _NOISE.sub(" ", text)
    return _DIGITS.sub("0", text).split()


def stem(word: str) -> str:
    """The word without its trailing particles and endings (keeps at least two syllables)."""
    stripped = True
    while stripped and len(word) > 2:
        stripped = False
        for suffix in _SUFFIXES:
            if word.endswith(suffix) and len(word) - len(suffix) >= 2:
                word = word[: -len(suffix)]
                stripped = True
                break
    return word


def jamo(text: str) -> str:
    """Hangul syllables decomposed into their initial, medial and (if any) final jamo."""
    out: list[str] = []
    for char in text:
        index = ord(char) - _HANGUL_FIRST
        if 0 <= index < _HANGUL_COUNT:
            out.append(chr(0x1100 + index // 588))
            out.append(chr(0x1161 + (index % 588) // 28))
            if index % 28:
                out.append(chr(0x11A7 + index % 28))
        else:
            out.append(char)
    return "".join(out)


def _ngrams(prefix: str, text: str, sizes: Iterable[int]) -> Iterable[str]:
    for size in sizes:
        for start in range(len(text) - size + 1):
            yield prefix + text[start : start + size]


def features(text: str) -> Counter[str]:
    tokens = words(text)
    compact = "".join(tokens)
    found: Counter[str] = Counter()
    found.update(_ngrams("c", compact, (2, 3)))
    found.update(_ngrams("j", jamo(compact), (3, 4)))
    found.update("w" + stem(token) for token in tokens)
    return found


def _normalised(vector: Mapping[str, float]) -> Vector:
    norm = math.sqrt(sum(value * value for value in vector.values()))
    return {key: value / norm for key, value in vector.items()} if norm else {}


class CentroidModel(Generic[Label]):
    """Nearest centroid over TF-IDF vectors; `scores` gives each label's cosine similarity."""

    def __init__(self, examples: Iterable[tuple[Label, str]]) -> None:
        self._fit([(label, features(text)) for label, text in examples])

    @classmethod
    def from_features(cls, counted: list[tuple[Label, Counter[str]]]) -> CentroidModel[Label]:
        """A model from examples already turned into features (leave-one-out refits many times)."""
        model = cls.__new__(cls)
        model._fit(counted)
        return model

    def _fit(self, counted: list[tuple[Label, Counter[str]]]) -> None:
        frequency: Counter[str] = Counter()
        for _, found in counted:
            frequency.update(found.keys())
        total = len(counted)
        self._idf = {gram: math.log((1 + total) / (1 + count)) + 1 for gram, count in frequency.items()}
        sums: dict[Label, Vector] = {}
        for label, found in counted:
            centroid = sums.setdefault(label, {})
            for gram, weight in self._vector(found).items():
                centroid[gram] = centroid.get(gram, 0.0) + weight
        self._centroids = {label: _normalised(centroid) for label, centroid in sums.items()}

    def _vector(self, found: Mapping[str, int]) -> Vector:
        idf = self._idf
        return _normalised({gram: (1 + math.log(n)) * idf[gram] for gram, n in found.items() if gram in idf})

    def scores(self, text: str) -> dict[Label, float]:
        vector = self._vector(features(text))
        return {
            label: sum(weight * centroid.get(gram, 0.0) for gram, weight in vector.items())
            for label, centroid in self._centroids.items()
        }

    def predict(self, text: str) -> tuple[Label, float]:
        """The best label and its similarity; ties resolve in the order labels were first seen."""
        return max(self.scores(text).items(), key=lambda pair: pair[1])
