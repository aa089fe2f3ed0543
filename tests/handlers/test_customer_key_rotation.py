"""`python -m ops rotate-customer-key` on moto: customers who signed in (or were texted a code) before a
rotation are not asked again after it, and the replaced key stops opening `/chat` once its grace is over."""

from __future__ import annotations

import base64
import json
from pathlib import Path
from typing import Any

import boto3
import pytest

from handlers import clock
from handlers.clients import reset_clients
from handlers.models import customer_token
from handlers.models.keyring import CACHE_SECONDS, Keyring, RingKey
from handlers.usecases import verify as verify_usecase
from ops.cli import main
from ops.rotate import CUSTOMER_GRACE_SECONDS, MARGIN_SECONDS, rotate_customer_key
from tests.handlers.conftest import CUSTOMER_PHONE, REGION, RESERVATION
from tests.handlers.test_verify import CUSTOMER_KEYS, Customer

OLD_KEY = b"customer-token-key-0123456789abcdef-old"


@pytest.fixture(autouse=True)
def _verification_on(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("CUSTOMER_VERIFICATION", "sms")
    monkeypatch.setenv("CUSTOMER_KEY_PARAMETER", CUSTOMER_KEYS)
    monkeypatch.setattr(verify_usecase, "VERIFY_FLOOR_SECONDS", 0.0)


@pytest.fixture
def customer(seed_reservation: Any, load_event: Any, context: Any, aws_client: Any) -> Customer:
    """A customer of a stack whose customer keyring holds one key, `OLD_KEY`, under a KMS key of its own."""
    key_id = boto3.client("kms", region_name=REGION).create_key()["KeyMetadata"]["Arn"]
    _ssm().put_parameter(
        Name=CUSTOMER_KEYS,
        Value=json.dumps(Keyring((RingKey(OLD_KEY, 0),)).to_document()),
        Type="SecureString",
        KeyId=key_id,
    )
    return Customer(load_event, context, aws_client)


def _ssm() -> Any:
    return boto3.client("ssm", region_name=REGION)


def _keyring() -> Keyring:
    value = _ssm().get_parameter(Name=CUSTOMER_KEYS, WithDecryption=True)["Parameter"]["Value"]
    return Keyring.parse(json.loads(value))


def _rotate() -> None:
    rotate_customer_key(_ssm(), CUSTOMER_KEYS, now=int(clock.now()), activate_in=CACHE_SECONDS)


def _later(customer: Customer, monkeypatch: pytest.MonkeyPatch, seconds: int) -> Customer:
    """The same customer `seconds` later, past the functions' cache age: they read the keyring again (with
    new clients, so the texts are watched on the new SNS client)."""
    start = clock.now()
    monkeypatch.setattr(clock, "now", lambda: start + seconds)
    reset_clients()
    return Customer(customer.load_event, customer.context, customer.aws_client)


def test_a_token_issued_before_a_rotation_opens_chat_after_the_switch(
    customer: Customer, monkeypatch: pytest.MonkeyPatch
) -> None:
    token = customer.token()

    _rotate()
    customer = _later(customer, monkeypatch, CACHE_SECONDS + 5)

    assert customer.chat(token)["statusCode"] == 202


def test_a_code_texted_before_a_rotation_is_confirmed_after_the_switch(
    customer: Customer, monkeypatch: pytest.MonkeyPatch
) -> None:
    assert customer.request_code()["statusCode"] == 202
    code = customer.last_code()

    _rotate()
    customer = _later(customer, monkeypatch, CACHE_SECONDS + 5)

    assert customer.confirm(code)["statusCode"] == 200


def test_tokens_issued_after_the_switch_carry_the_new_key(
    customer: Customer, monkeypatch: pytest.MonkeyPatch
) -> None:
    _rotate()
    customer = _later(customer, monkeypatch, CACHE_SECONDS + 5)

    token = customer.token()

    new_key = _keyring().keys[0].secret
    assert customer_token.verify((new_key,), token, RESERVATION, CUSTOMER_PHONE, int(clock.now()))
    with pytest.raises(customer_token.CustomerTokenError):
        customer_token.verify((OLD_KEY,), token, RESERVATION, CUSTOMER_PHONE, int(clock.now()))


def test_until_the_switch_tokens_are_still_signed_with_the_old_key(customer: Customer) -> None:
    _rotate()

    token = customer.token()

    assert customer_token.verify((OLD_KEY,), token, RESERVATION, CUSTOMER_PHONE, int(clock.now()))


def test_the_old_key_stops_opening_chat_once_its_grace_has_passed(
    customer: Customer, monkeypatch: pytest.MonkeyPatch
) -> None:
    # A token from before the rotation has expired by then anyway; this one is forged with a fresh expiry.
    _rotate()
    customer = _later(customer, monkeypatch, CACHE_SECONDS + CUSTOMER_GRACE_SECONDS + 1)
    forged = customer_token.issue(OLD_KEY, RESERVATION, CUSTOMER_PHONE, int(clock.now()) + 600).value

    answer = customer.chat(forged)

    assert (answer["statusCode"], json.loads(answer["body"])["error"]) == (401, "VERIFICATION_REQUIRED")


def test_the_grace_covers_a_whole_token_life() -> None:
    from handlers.usecases.verify import CODE_SECONDS, TOKEN_SECONDS

    assert max(TOKEN_SECONDS, CODE_SECONDS) + MARGIN_SECONDS == CUSTOMER_GRACE_SECONDS


def test_the_command_rotates_the_parameter_the_stack_outputs_name(
    customer: Customer, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    outputs = tmp_path / "outputs.json"
    outputs.write_text(json.dumps({"customerKeyParameter": CUSTOMER_KEYS}), encoding="utf-8")

    code = main(["rotate-customer-key", "--outputs-file", str(outputs), "--region", REGION, "--json"])

    key_id = _ssm().describe_parameters()["Parameters"][0]["KeyId"]
    printed = capsys.readouterr().out
    rotation = json.loads(printed)
    assert code == 0
    assert rotation["parameter"] == CUSTOMER_KEYS
    assert key_id.startswith("arn:aws:kms:")  # still the stack's key, not the account's default one
    assert rotation["keysInRing"] == len(_keyring().keys) == 2
    assert rotation["previousKeyValidUntil"] > rotation["newKeyActiveFrom"]
    assert all(base64.b64encode(key.secret).decode() not in printed for key in _keyring().keys)


def test_the_command_needs_the_stack_output(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    outputs = tmp_path / "outputs.json"
    outputs.write_text(json.dumps({"tableName": "t"}), encoding="utf-8")

    assert main(["rotate-customer-key", "--outputs-file", str(outputs)]) == 2
    assert "customerKeyParameter" in capsys.readouterr().err
