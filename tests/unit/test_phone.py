from __future__ import annotations

import pytest

from handlers.models.phone import InvalidPhoneError, mask, to_e164


@pytest.mark.parametrize(
    "raw",
    [
        "010-1234-5678",
        "01012345678",
        "+82 10 1234 5678",
        "+82-10-1234-5678",
        "+821012345678",
        "+82 010-1234-5678",
        " 010.1234.5678 ",
        "(010) 1234-5678",
        "(010)1234-5678",
        "010 1234 5678",
        "+82 10-1234-5678",
        "０１０－１２３４－５６７８",  # full-width, as some Korean keyboards type it
    ],
)
def test_korean_mobile_numbers_normalise_to_e164(raw):
    assert to_e164(raw) == "+821012345678"


def test_old_ten_digit_mobile_numbers_are_accepted():
    assert to_e164("011-123-4567") == "+82111234567"


@pytest.mark.parametrize(
    "raw",
    ["02-123-4567", "+1 415 555 0100", "010-1234", "010-1234-56789", "abc", "", "+8210", "8210123456789"],
)
def test_anything_else_is_refused(raw):
    with pytest.raises(InvalidPhoneError):
        to_e164(raw)


def test_mask_keeps_only_country_code_and_last_two_digits():
    assert mask("+821012345678") == "+8210******78"


def test_full_width_input_normalises_to_ascii_e164():
    assert to_e164("０１０－１２３４－５６７８") == "+821012345678"
    assert to_e164("＋８２ １０ １２３４ ５６７８") == "+821012345678"


@pytest.mark.parametrize("raw", ["010١٢٣٤٥٦٧٨", "010१२३४५६७८", "010-1234-5678\u200b9"])
def test_digits_of_other_scripts_are_refused(raw):
    with pytest.raises(InvalidPhoneError):
        to_e164(raw)
