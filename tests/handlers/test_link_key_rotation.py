"""The link keyring on moto as the functions read it (Powertools Parameters, SecureString), and a rotation
between a link being texted and being answered."""

from __future__ import annotations

import json

import boto3
from botocore.stub import ANY, Stubber

from handlers import clock
from handlers.clients import reset_clients
from handlers.models import link_token
from handlers.models.keyring import CACHE_SECONDS, Keyring
from ops.rotate import MARGIN_SECONDS, rotate_link_key
from tests.handlers.conftest import LINK_KEY_PARAMETER, ORIGIN_KEY_PARAMETER, REGION, SIGNING_KEY

WAIT = 300  # PARTNER_WAIT_SECONDS of the handler tests


def _ssm():
    return boto3.client("ssm", region_name=REGION)


def _keyring() -> Keyring:
    value = _ssm().get_parameter(Name=LINK_KEY_PARAMETER, WithDecryption=True)["Parameter"]["Value"]
    return Keyring.parse(json.loads(value))


def _rotate(activate_in: int = CACHE_SECONDS):
    return rotate_link_key(
        _ssm(), LINK_KEY_PARAMETER, now=int(clock.now()), wait_seconds=WAIT, activate_in=activate_in
    )


def _later(monkeypatch, seconds):
    start = clock.now()
    monkeypatch.setattr(clock, "now", lambda: start + seconds)
    # Past the functions' cache age: they read the parameter again.
    reset_clients()


def _accept(flow, aws_client, token):
    stub = Stubber(aws_client("stepfunctions"))
    stub.add_response("send_task_success", {}, {"taskToken": ANY, "output": ANY})
    with stub:
        return flow.respond({"token": token, "response": "accept"})


def test_the_functions_read_the_keyring_once_per_cache_age(flow, recorded_calls):
    reads = recorded_calls("ssm", "GetParameter")

    _, token = flow.texted()
    flow.confirm(token)
    flow.confirm(token)

    link_reads = [
        (call["Name"], call["WithDecryption"]) for call in reads if call["Name"] == LINK_KEY_PARAMETER
    ]
    assert link_reads == [(LINK_KEY_PARAMETER, True)]
    # The origin keyring (the edge's header, read by every API function) is cached the same way.
    assert [call["Name"] for call in reads if call["Name"] != LINK_KEY_PARAMETER] == [ORIGIN_KEY_PARAMETER]


def test_a_link_texted_before_a_rotation_is_answered_after_it(flow, aws_client, monkeypatch):
    _, token = flow.texted()

    _rotate()
    _later(monkeypatch, CACHE_SECONDS + 5)

    assert flow.confirm(token)["statusCode"] == 200
    assert _accept(flow, aws_client, token)["statusCode"] == 200


def test_links_texted_after_the_switch_carry_the_new_key(flow, monkeypatch):
    _rotate()
    _later(monkeypatch, CACHE_SECONDS + 5)

    _, token = flow.texted()

    new_key = _keyring().keys[0].secret
    assert link_token.verify(new_key, token, int(clock.now())) > clock.now()
    assert flow.confirm(token)["statusCode"] == 200


def test_until_the_switch_links_are_still_signed_with_the_old_key(flow):
    _rotate()

    _, token = flow.texted()

    assert link_token.verify(SIGNING_KEY, token, int(clock.now())) > clock.now()


def test_the_old_key_stops_verifying_once_its_grace_has_passed(flow, monkeypatch):
    # A link from before the rotation is expired by then anyway; here a forged one carries a fresh expiry.
    _rotate()
    _later(monkeypatch, CACHE_SECONDS + WAIT + MARGIN_SECONDS + 1)
    forged = link_token.issue(SIGNING_KEY, int(clock.now()) + 100).value

    assert flow.confirm(forged)["statusCode"] == 401


def test_the_rotation_keeps_the_parameter_under_its_own_kms_key(aws):
    before = _ssm().describe_parameters()["Parameters"][0]["KeyId"]

    rotation = _rotate()

    assert _ssm().describe_parameters()["Parameters"][0]["KeyId"] == before
    assert rotation.keys == 2
    assert rotation.previous_until == rotation.active_from + WAIT + MARGIN_SECONDS
