"""StackSecrets: the stack's KMS key and the SecureString parameters that hold its keys.

A secret never sits in a Lambda environment variable (anyone allowed `lambda:GetFunctionConfiguration`
reads those). Each one is a keyring (`handlers/models/keyring.py`) in SSM Parameter Store, encrypted with a
customer-managed key of this stack: only roles granted `kms:Decrypt` on that key, through SSM, can read it,
so a read-only role holding `ssm:GetParameter` still cannot. The functions read it with Powertools
Parameters; `python -m ops rotate-link-key` replaces it.

No key is ever in the Pulumi state, which a preview token (Stack Read) can decrypt: the first keyring is
generated when the program runs and written through the write-only `value_wo` (never stored, never read
back by a refresh), once, for `INITIAL_VALUE_VERSION`; later runs and rotations leave the value alone.
"""

from __future__ import annotations

import base64
import json
from dataclasses import dataclass
from typing import Final

import pulumi
import pulumi_aws as aws

from handlers.models.keyring import initial_document, new_secret

# Secret -> the last part of its parameter name (`<prefix>/<name>`).
SECRETS: Final = {"link": "link-signing-key", "customer": "customer-token-key"}
KEY_DELETION_WINDOW_DAYS: Final = 7
# Raising it writes a fresh first keyring over the live one (every sent link breaks): rotate instead.
INITIAL_VALUE_VERSION: Final = 1


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


class StackSecrets(pulumi.ComponentResource):
    """A KMS key (yearly rotation) and one SecureString keyring per secret, first value generated here."""

    key_arn: pulumi.Output[str]
    parameter_names: dict[str, pulumi.Output[str]]
    parameter_arns: dict[str, pulumi.Output[str]]

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
        for secret in SECRETS:
            parameter = aws.ssm.Parameter(
                f"{name}-{secret}",
                name=parameter_name(args.parameter_prefix, secret),
                description=f"partner-confirm {SECRETS[secret]} keyring",
                type="SecureString",
                key_id=key.arn,
                value_wo=pulumi.Output.secret(first_keyring()),
                value_wo_version=INITIAL_VALUE_VERSION,
                opts=child,
            )
            self.parameter_names[secret] = parameter.name
            self.parameter_arns[secret] = parameter.arn

        self.key_arn = key.arn
        self.register_outputs({"keyArn": self.key_arn, "parameterNames": self.parameter_names})
