"""StackSecrets: the stack's KMS key and the SecureString parameters that hold its keys.

A secret never sits in a Lambda environment variable (anyone allowed `lambda:GetFunctionConfiguration`
reads those). Each one is a keyring (`handlers/models/keyring.py`) in SSM Parameter Store, encrypted with a
customer-managed key of this stack: only roles granted `kms:Decrypt` on that key, through SSM, can read it,
so a read-only role holding `ssm:GetParameter` still cannot. The functions read it with Powertools
Parameters; `python -m ops rotate-link-key` replaces it, so Pulumi writes only the first value and never
reverts a rotation (`ignore_changes` on the value).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Final

import pulumi
import pulumi_aws as aws
import pulumi_random as random

from handlers.models.keyring import KEY_BYTES, initial_document

# Secret -> the last part of its parameter name (`<prefix>/<name>`).
SECRETS: Final = {"link": "link-signing-key"}
KEY_DELETION_WINDOW_DAYS: Final = 7


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
            initial = random.RandomBytes(f"{name}-{secret}-initial", length=KEY_BYTES, opts=child)
            parameter = aws.ssm.Parameter(
                f"{name}-{secret}",
                name=parameter_name(args.parameter_prefix, secret),
                description=f"partner-confirm {SECRETS[secret]} keyring (python -m ops rotate-link-key)",
                type="SecureString",
                key_id=key.arn,
                # RandomBytes.base64 is secret, and so is everything built from it.
                value=pulumi.Output.json_dumps(initial.base64.apply(initial_document)),
                opts=pulumi.ResourceOptions(parent=self, ignore_changes=["value"]),
            )
            self.parameter_names[secret] = parameter.name
            self.parameter_arns[secret] = parameter.arn

        self.key_arn = key.arn
        self.register_outputs({"keyArn": self.key_arn, "parameterNames": self.parameter_names})
