"""`python -m ops smoke`, `rotate-link-key` and `rotate-customer-key` against the local runtime, as an
operator runs them on a deployed stack."""

from __future__ import annotations

import json
from collections.abc import Iterator

import pytest

from handlers.models.keyring import Keyring
from local.testing import running_system
from ops.cli import main
from tests.e2e.e2e_client import LocalClient, emulator_client

pytestmark = pytest.mark.e2e

# The local runtime verifies customers (its config.js says `customerVerification: sms`), as the stacks do.
STEPS = ["page", "verify", "chat", "partner text", "partner page", "confirm", "respond", "notification"]


@pytest.fixture(scope="module")
def url() -> Iterator[str]:
    with running_system(wait_seconds=30) as base_url:
        yield base_url


def test_the_flow_passes_step_by_step(url: str, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["smoke", "--endpoint", url]) == 0

    lines = capsys.readouterr().out.splitlines()
    assert [line.split()[1] for line in lines[1:-1]] == [step.split()[0] for step in STEPS]
    assert lines[-1].split()[:2] == ["ok", "total"]


def test_json_names_every_step_with_its_latency(url: str, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["smoke", "--endpoint", url, "--json"]) == 0

    report = json.loads(capsys.readouterr().out)
    assert report["ok"] is True
    assert [step["step"] for step in report["steps"]] == STEPS
    assert all(step["seconds"] >= 0 for step in report["steps"])


def test_a_failing_step_fails_the_run_and_is_named(url: str, capsys: pytest.CaptureFixture[str]) -> None:
    code = main(["smoke", "--endpoint", url, "--reservation", "RSV-20990101-999", "--step-timeout", "10"])

    # An unknown reservation gets the same 202 from /verify as a real one, and never a code.
    assert code == 1
    assert "verify: no the verification code text after 10 s" in capsys.readouterr().err


def test_a_flow_slower_than_the_bound_fails(url: str, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["smoke", "--endpoint", url, "--max-seconds", "0.01"]) == 1

    assert "over the bound" in capsys.readouterr().err


def test_a_link_texted_before_a_key_rotation_is_answered_after_it(
    url: str, capsys: pytest.CaptureFixture[str]
) -> None:
    client = LocalClient(url)
    request_id = client.ask(client.reservations()[0])
    token = client.link_token(request_id, timeout=30)

    assert main(["rotate-link-key", "--endpoint", url, "--json"]) == 0
    rotation = json.loads(capsys.readouterr().out)

    assert client.respond(token, "accept").status_code == 200
    assert client.wait_for_notification(request_id, timeout=30)["status"] == "Responded"
    assert rotation["keysInRing"] == 2
    assert rotation["previousKeyValidUntil"] > rotation["newKeyActiveFrom"]


def test_a_customer_signed_in_before_a_key_rotation_asks_after_it(
    url: str, capsys: pytest.CaptureFixture[str]
) -> None:
    client = LocalClient(url)
    reservation = client.reservations()[1]
    client.verify(reservation)

    assert main(["rotate-customer-key", "--endpoint", url, "--activate-in", "0", "--json"]) == 0
    rotation = json.loads(capsys.readouterr().out)

    assert client.ask(reservation)  # the token bought before the rotation: 202, else ask asserts
    assert rotation["keysInRing"] == 2
    assert rotation["parameter"] == client.outputs()["customerKeyParameter"]


def test_the_link_key_is_a_secure_string_under_the_stacks_key(url: str) -> None:
    parameter = LocalClient(url).outputs()["linkKeyParameter"]
    ssm = emulator_client(url, "ssm")

    [described] = ssm.describe_parameters(ParameterFilters=[{"Key": "Name", "Values": [parameter]}])[
        "Parameters"
    ]
    assert described["Type"] == "SecureString"
    assert described["KeyId"].startswith("arn:aws:kms:")
    stored = ssm.get_parameter(Name=parameter, WithDecryption=True)["Parameter"]["Value"]
    assert len(Keyring.parse(json.loads(stored)).keys) >= 1
