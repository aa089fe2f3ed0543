"""StackSecrets: the stack's KMS key and the SecureString parameters that hold its keys.

A secret never sits in a Lambda environment variable (anyone allowed `lambda:GetFunctionConfiguration`
reads those). Each one is a keyring (`handlers/models/keyring.py`) in SSM Parameter Store, encrypted with a
customer-managed key of this stack: only roles granted `kms:Decrypt` on that key, through SSM, can read it,
so a read-only role holding `ssm:GetParameter` still cannot. The functions read it with Powertools
Parameters; `python -m ops rotate-link-key` replaces it.

No key is ever in the Pulumi state, which a preview token (Stack Read) can decrypt: the first keyring is
generated when the program runs and written through the write-only `value_wo` (never stored, never read
back by a refresh), once, for `INITIAL_VALUE_VERSION`; later runs and rotations leave the value alone.

The exception is the origin secret: CloudFront's origin header carries it, so it is in the distribution's
configuration and the state anyway (secret). Its keyring is the program's own, rotated by the stack setting
`originSecretVersion` (N): CloudFront sends key N, and the keyring holds keys N-1, N and N+1 (generated
bytes in the state, one `RandomBytes` per version, named for it). Raising N by one is one `pulumi up`
without a refused request: the key CloudFront starts sending (N+1) has been in the functions' keyring since
the previous `up`, and the one edges still send while the change spreads (N) stays in it.
"""

from __future__ import annotations

import base64
import json
from dataclasses import dataclass
from typing import Final

import pulumi
import pulumi_aws as aws
import pulumi_random as random

from handlers.models.keyring import KEY_BYTES, accept_all_document, initial_document, new_secret

# Secret -> the last part of its parameter name (`<prefix>/<name>`).
SECRETS: Final = {
    "link": "link-signing-key",
    "customer": "customer-token-key",
    "origin": "origin-verify-secret",
}
DESCRIPTIONS: Final = {
    "link": "partner-confirm link-signing-key keyring (python -m ops rotate-link-key)",
    "customer": "partner-confirm customer-token-key keyring",
    # CloudFront sends one of its keys as a header (components/site.py); `originSecretVersion` rotates both.
    "origin": "partner-confirm origin-verify-secret keyring: the header CloudFront sends the API",
}
KEY_DELETION_WINDOW_DAYS: Final = 7
# Raising it writes a fresh first keyring over the live one (every sent link breaks): rotate instead.
INITIAL_VALUE_VERSION: Final = 1
# The origin keyring's `value_wo_version` is this plus `originSecretVersion`, so each rotation rewrites it
# (and the stacks deployed before the origin keyring held a next key rewrite it once, with the same key 1).
ORIGIN_VALUE_VERSION_BASE: Final = 1


def origin_versions(current: int) -> tuple[int, ...]:
    """The origin keys the API accepts while CloudFront sends key `current`: the previous one (edges may
    still send it while a rotation spreads), the current one, and the next one (ready for the next)."""
    if current < 1:
        raise ValueError("originSecretVersion starts at 1")
    return tuple(version for version in (current - 1, current, current + 1) if version >= 1)


def origin_key_name(name: str, version: int) -> str:
    """The `RandomBytes` of origin key `version`: version 1 keeps the name it had before rotations existed."""
    return f"{name}-origin-initial" if version == 1 else f"{name}-origin-v{version}"


def first_keyring() -> str:
    """A new keyring with one random key, as the parameter's first value."""
    return json.dumps(initial_document(base64.b64encode(new_secret()).decode("ascii")))


def parameter_name(prefix: str, secret: str) -> str:
    return f"{prefix.rstrip('/')}/{SECRETS[secret]}"


@dataclass(frozen=True, kw_only=True)
class StackSecretsArgs:
    parameter_prefix: str
    """`/<project>/<stack>`: every parameter name starts with it."""
    key_alias: str
    """`alias/<project>-<stack>-secrets`: the KMS key's name for people."""
    origin_secret_version: int = 1
    """The origin key CloudFront sends (stack setting `originSecretVersion`); raise it by one to rotate."""


class StackSecrets(pulumi.ComponentResource):
    """A KMS key (yearly rotation) and one SecureString keyring per secret, first value generated here."""

    key_arn: pulumi.Output[str]
    parameter_names: dict[str, pulumi.Output[str]]
    parameter_arns: dict[str, pulumi.Output[str]]
    origin_header: pulumi.Output[str]
    """The origin key CloudFront sends, base64 (secret)."""

    def __init__(self, name: str, args: StackSecretsArgs, opts: pulumi.ResourceOptions | None = None) -> None:
        super().__init__("partnerconfirm:index:StackSecrets", name, None, opts)
        child = pulumi.ResourceOptions(parent=self)

        key = aws.kms.Key(
            f"{name}-key",
            description=f"partner-confirm secrets ({args.parameter_prefix})",
            enable_key_rotation=True,
            deletion_window_in_days=KEY_DELETION_WINDOW_DAYS,
            opts=child,
        )
        aws.kms.Alias(f"{name}-key-alias", name=args.key_alias, target_key_id=key.key_id, opts=child)

        self.parameter_names = {}
        self.parameter_arns = {}
        # The keys that must be in the state: CloudFront's origin header carries one (the distribution's
        # config), and the keyring holds the same generated bytes.
        origin_keys = {
            version: random.RandomBytes(origin_key_name(name, version), length=KEY_BYTES, opts=child).base64
            for version in origin_versions(args.origin_secret_version)
        }
        self.origin_header = pulumi.Output.secret(origin_keys[args.origin_secret_version])
        for secret in SECRETS:
            value: pulumi.Input[str] = first_keyring()
            version = INITIAL_VALUE_VERSION
            if secret == "origin":  # noqa: S105 - the secret's name, not its value
                value = pulumi.Output.all(*origin_keys.values()).apply(
                    lambda keys: json.dumps(accept_all_document(list(keys)))
                )
                version = ORIGIN_VALUE_VERSION_BASE + args.origin_secret_version
            parameter = aws.ssm.Parameter(
                f"{name}-{secret}",
                name=parameter_name(args.parameter_prefix, secret),
                description=DESCRIPTIONS[secret],
                type="SecureString",
                key_id=key.arn,
                value_wo=pulumi.Output.secret(value),
                value_wo_version=version,
                opts=child,
            )
            self.parameter_names[secret] = parameter.name
            self.parameter_arns[secret] = parameter.arn

        self.key_arn = key.arn
        self.register_outputs({"keyArn": self.key_arn, "parameterNames": self.parameter_names})
