"""`python -m ops rotate-link-key` and `rotate-customer-key`: a new signing key, without breaking what the
previous one signed. `rotate-origin-secret`: the next step of the origin secret (`originSecretVersion`).

The keyring (`handlers/models/keyring.py`) gets a new key that starts signing once every function has
re-read the parameter (their cache age), and the key it replaces keeps verifying for the longest life of
what it signed, after that, plus a margin: one partner wait for a partner link, the customer token's life
for the customer keyring (its codes live shorter). Key material is never printed.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any, Final

from handlers.models.keyring import CACHE_SECONDS, Keyring, KeyringError, new_secret
from handlers.usecases.verify import CODE_SECONDS, TOKEN_SECONDS
from ops.stack import OpsError

# Clocks differ a little, and a text can go out a few seconds after its link was signed.
MARGIN_SECONDS: Final = 60
# A customer token (and, shorter, a texted code) signed just before the switch must live its whole life.
CUSTOMER_GRACE_SECONDS: Final = max(TOKEN_SECONDS, CODE_SECONDS) + MARGIN_SECONDS


@dataclass(frozen=True, slots=True)
class Rotation:
    parameter: str
    active_from: int
    previous_until: int
    keys: int


def rotate_link_key(
    ssm: Any, parameter: str, *, now: int, wait_seconds: int, activate_in: int = CACHE_SECONDS
) -> Rotation:
    """A new partner-link key; links signed before the switch verify for one partner wait after it."""
    return rotate_keyring(
        ssm, parameter, now=now, grace_seconds=wait_seconds + MARGIN_SECONDS, activate_in=activate_in
    )


def rotate_customer_key(ssm: Any, parameter: str, *, now: int, activate_in: int = CACHE_SECONDS) -> Rotation:
    """A new customer-token key; tokens and codes signed before the switch verify to the end of their life."""
    return rotate_keyring(
        ssm, parameter, now=now, grace_seconds=CUSTOMER_GRACE_SECONDS, activate_in=activate_in
    )


def rotate_keyring(ssm: Any, parameter: str, *, now: int, grace_seconds: int, activate_in: int) -> Rotation:
    """Add a new key to the keyring in `parameter`, re-encrypted with the key the parameter already uses;
    the key it replaces verifies `grace_seconds` after the new one starts signing."""
    try:
        stored = ssm.get_parameter(Name=parameter, WithDecryption=True)["Parameter"]
    except ssm.exceptions.ParameterNotFound as exc:
        raise OpsError(f"no parameter {parameter}: has the stack been deployed?") from exc
    try:
        keyring = Keyring.parse(json.loads(stored["Value"]))
    except (ValueError, KeyringError) as exc:
        raise OpsError(f"{parameter} does not hold a keyring: {exc}") from exc
    [described] = ssm.describe_parameters(ParameterFilters=[{"Key": "Name", "Values": [parameter]}])[
        "Parameters"
    ]
    rotated = keyring.rotated(new_secret(), now=now, activate_in=activate_in, grace_seconds=grace_seconds)
    request: dict[str, Any] = {
        "Name": parameter,
        "Value": json.dumps(rotated.to_document()),
        "Type": "SecureString",
        "Overwrite": True,
    }
    if described.get("KeyId"):
        request["KeyId"] = described["KeyId"]  # otherwise SSM would fall back to the account's default key
    ssm.put_parameter(**request)
    active_from = now + activate_in
    return Rotation(
        parameter=parameter,
        active_from=active_from,
        previous_until=active_from + grace_seconds,
        keys=len(rotated.keys),
    )


def next_origin_secret_version(*, deployed: Any, configured: str | None) -> int:
    """The `originSecretVersion` one step above what the stack runs (its output), once the stack file agrees
    with it: a second step before the first is deployed would make CloudFront send a key the functions may
    not have read yet (components/secrets.py)."""
    if deployed is None:
        raise OpsError(
            "the stack outputs have no originSecretVersion: deploy the stack once with this program first"
        )
    try:
        running, written = int(deployed), int(configured or 1)
    except ValueError as exc:
        raise OpsError(f"originSecretVersion is not a number: {exc}") from exc
    if written != running:
        raise OpsError(
            f"the stack file already says originSecretVersion {written}, the stack runs {running}: deploy it "
            "(pulumi up) and let it finish before the next step"
        )
    return running + 1
