"""The partner link token: short, authentic, expiring exactly on time, and rejected when touched."""

from __future__ import annotations

import base64

import pytest
from hypothesis import assume, given
from hypothesis import strategies as st

from handlers.models import link_token

KEY = b"unit-test-signing-key"
NOW = 1_800_000_000
TOKEN = link_token.issue(KEY, NOW + 300)
ALPHABET = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_"


def test_token_is_43_url_safe_characters():
    assert len(TOKEN.value) == 43
    assert set(TOKEN.value) <= set(ALPHABET)


def test_two_tokens_differ_for_the_same_expiry():
    assert link_token.issue(KEY, NOW + 300).value != link_token.issue(KEY, NOW + 300).value


def test_valid_token_returns_its_expiry():
    assert link_token.verify(KEY, TOKEN.value, NOW) == NOW + 300


def test_only_the_hash_is_derived_for_storage():
    assert TOKEN.digest == link_token.digest(TOKEN.value)
    assert TOKEN.value not in TOKEN.digest
    assert len(TOKEN.digest) == 64


@given(st.integers(min_value=0, max_value=2**32 - 2))
def test_expiry_is_exact_to_the_second(expires_at):
    token = link_token.issue(KEY, expires_at)
    if expires_at > 0:
        assert link_token.verify(KEY, token.value, expires_at - 1) == expires_at
    with pytest.raises(link_token.ExpiredTokenError):
        link_token.verify(KEY, token.value, expires_at)


@given(st.integers(min_value=0, max_value=42), st.sampled_from(ALPHABET))
def test_any_changed_character_is_rejected(position, replacement):
    assume(TOKEN.value[position] != replacement)
    changed = TOKEN.value[:position] + replacement + TOKEN.value[position + 1 :]
    with pytest.raises(link_token.TokenFormatError):
        link_token.verify(KEY, changed, NOW)


@given(st.integers(min_value=0, max_value=42))
def test_truncated_token_is_rejected(length):
    with pytest.raises(link_token.TokenFormatError):
        link_token.verify(KEY, TOKEN.value[:length], NOW)


@given(st.text(min_size=1, max_size=20))
def test_extended_token_is_rejected(suffix):
    with pytest.raises(link_token.TokenFormatError):
        link_token.verify(KEY, TOKEN.value + suffix, NOW)


@pytest.mark.parametrize(
    "encode",
    [
        lambda raw: base64.urlsafe_b64encode(raw).decode(),  # padded
        lambda raw: base64.b64encode(raw).decode(),  # standard alphabet, padded
        lambda raw: base64.b32encode(raw).decode(),
        lambda raw: raw.hex(),
    ],
)
def test_re_encoded_token_is_rejected(encode):
    raw = base64.urlsafe_b64decode(TOKEN.value + "=")
    reencoded = encode(raw)
    with pytest.raises(link_token.TokenFormatError):
        link_token.verify(KEY, reencoded, NOW)


def test_token_signed_with_another_key_is_rejected():
    forged = link_token.issue(b"another-key", NOW + 300)
    with pytest.raises(link_token.TokenFormatError):
        link_token.verify(KEY, forged.value, NOW)


@given(st.binary(min_size=32, max_size=32))
def test_random_32_bytes_are_rejected(raw):
    candidate = base64.urlsafe_b64encode(raw).rstrip(b"=").decode()
    with pytest.raises(link_token.TokenFormatError):
        link_token.verify(KEY, candidate, NOW)


def test_non_canonical_last_character_is_rejected():
    # The last character carries two unused bits; setting one must not decode to the same token.
    last = ALPHABET.index(TOKEN.value[-1])
    twin = TOKEN.value[:-1] + ALPHABET[last | 1]
    with pytest.raises(link_token.TokenFormatError):
        link_token.verify(KEY, twin, NOW)
