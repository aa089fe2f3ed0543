"""SMS parts: the UCS-2 rule for Korean, GSM-7 for plain ASCII."""

from __future__ import annotations

import pytest

from ops.sms import parts


@pytest.mark.parametrize(
    ("length", "expected"),
    [(0, 0), (1, 1), (160, 1), (161, 2), (306, 2), (307, 3)],
)
def test_ascii_text_uses_gsm7_sizes(length: int, expected: int) -> None:
    assert parts("a" * length) == expected


@pytest.mark.parametrize(
    ("length", "expected"),
    [(1, 1), (70, 1), (71, 2), (134, 2), (135, 3)],
)
def test_korean_text_uses_ucs2_sizes(length: int, expected: int) -> None:
    assert parts("가" * length) == expected


def test_one_korean_character_turns_a_long_ascii_text_into_ucs2() -> None:
    assert parts("a" * 69 + "가") == 1
    assert parts("a" * 70 + "가") == 2


def test_characters_outside_the_bmp_take_two_code_units() -> None:
    assert parts("가" * 68 + "😀") == 1
    assert parts("가" * 69 + "😀") == 2
