"""`python -m ops rotate-link-key`: a new key for partner links, without breaking the links already sent.

The keyring (`handlers/models/keyring.py`) gets a new key that starts signing once every function has
re-read the parameter (their cache age), and the key it replaces keeps verifying for one partner wait
after that plus a margin, so a link texted just before the switch lives its whole life. Key material is
never printed.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any, Final

from handlers.models.keyring import CACHE_SECONDS, Keyring, KeyringError, new_secret
from ops.stack import OpsError

# Clocks differ a little, and a text can go out a few seconds after its link was signed.
MARGIN_SECONDS: Final = 60


@dataclass(frozen=True, slots=True)
class Rotation:
    parameter: str
    active_from: int
    previous_until: int
    keys: int


def rotate_link_key(
    ssm: Any, parameter: str, *, now: int, wait_seconds: int, activate_in: int = CACHE_SECONDS
) -> Rotation:
    """Add a new key to the keyring in `parameter`, re-encrypted with the key the parameter already uses."""
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
    grace = wait_seconds + MARGIN_SECONDS
    rotated = keyring.rotated(new_secret(), now=now, activate_in=activate_in, grace_seconds=grace)
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
        previous_until=active_from + grace,
        keys=len(rotated.keys),
    )
