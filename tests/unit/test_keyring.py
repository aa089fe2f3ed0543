"""The link keyring: which key signs, which keys verify, and what a rotation keeps."""

from __future__ import annotations

import pytest

from handlers.models import link_token
from handlers.models.keyring import Keyring, KeyringError, RingKey, initial_document

OLD = b"o" * 32
NEW = b"n" * 32
NOW = 1_800_000_000


def test_the_first_keyring_signs_with_its_one_key() -> None:
    keyring = Keyring.parse(initial_document("b" * 44))

    assert keyring.signing_key(NOW) == keyring.verification_keys(NOW)[0]
    assert len(keyring.verification_keys(NOW)) == 1


def test_a_keyring_survives_its_stored_form() -> None:
    keyring = Keyring((RingKey(NEW, NOW + 60), RingKey(OLD, 0, NOW + 500)))

    assert Keyring.parse(keyring.to_document()) == keyring


def test_a_rotated_key_signs_only_once_it_is_active() -> None:
    rotated = Keyring((RingKey(OLD, 0),)).rotated(NEW, now=NOW, activate_in=60, grace_seconds=360)

    assert rotated.signing_key(NOW) == OLD
    assert rotated.signing_key(NOW + 59) == OLD
    assert rotated.signing_key(NOW + 60) == NEW


def test_every_function_accepts_the_new_key_before_it_signs() -> None:
    rotated = Keyring((RingKey(OLD, 0),)).rotated(NEW, now=NOW, activate_in=60, grace_seconds=360)

    assert set(rotated.verification_keys(NOW)) == {OLD, NEW}


def test_the_replaced_key_verifies_for_one_wait_after_the_switch_then_stops() -> None:
    rotated = Keyring((RingKey(OLD, 0),)).rotated(NEW, now=NOW, activate_in=60, grace_seconds=360)

    assert OLD in rotated.verification_keys(NOW + 60 + 359)
    assert rotated.verification_keys(NOW + 60 + 360) == (NEW,)


def test_a_later_rotation_drops_keys_past_their_grace() -> None:
    once = Keyring((RingKey(OLD, 0),)).rotated(NEW, now=NOW, activate_in=0, grace_seconds=100)
    third = b"t" * 32

    twice = once.rotated(third, now=NOW + 200, activate_in=0, grace_seconds=100)

    assert [key.secret for key in twice.keys] == [third, NEW]


@pytest.mark.parametrize(
    "document",
    [
        None,
        {},
        {"keys": []},
        {"keys": [{"secret": "not base64!", "activeFrom": 0}]},
        {"keys": [{"secret": "YQ=="}]},
    ],
)
def test_a_damaged_keyring_is_refused(document: object) -> None:
    with pytest.raises(KeyringError):
        Keyring.parse(document)


def test_a_link_signed_with_either_key_verifies_against_both() -> None:
    old_link = link_token.issue(OLD, NOW + 300)
    new_link = link_token.issue(NEW, NOW + 300)

    assert link_token.verify_any((NEW, OLD), old_link.value, NOW) == NOW + 300
    assert link_token.verify_any((NEW, OLD), new_link.value, NOW) == NOW + 300


def test_a_link_signed_with_a_dropped_key_is_forged() -> None:
    old_link = link_token.issue(OLD, NOW + 300)

    with pytest.raises(link_token.TokenFormatError):
        link_token.verify_any((NEW,), old_link.value, NOW)
