"""The AWS roles GitHub Actions assumes (docs/delivery.md), as pure builders of their JSON documents.

`python -m ops ci-roles --account <id> --repo <owner/repo>` prints them for the one-time setup; the
delivery tests check that the workflows and the documentation agree with them.

The preview job runs code from the pull request, so its role may only do what `pulumi preview` needs
(no refresh: the diff is against the stack's state): who am I, and the state machine definition check the
AWS provider makes while planning. Every data read AWS offers on what this program stores is denied
outright, so attaching a broad read-only policy to the role later still cannot leak items, logs, secrets,
function environments or execution input.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, Final

OIDC_HOST: Final = "token.actions.githubusercontent.com"
AUDIENCE: Final = "sts.amazonaws.com"
VERSION: Final = "2012-10-17"

# What `pulumi preview` of this program calls, and why.
PREVIEW_ACTIONS: Final[dict[str, str]] = {
    "sts:GetCallerIdentity": "the AWS provider checks its credentials; __main__.py reads the account id",
    "states:ValidateStateMachineDefinition": "the AWS provider checks the workflow definition while planning",
}
# AWS's public parameter naming the Powertools layer of the pinned release (components/functions.py).
PUBLIC_LAYER_PARAMETERS: Final = "arn:aws:ssm:*::parameter/aws/service/powertools/*"
SSM_READS: Final = (
    "ssm:GetParameter",
    "ssm:GetParameters",
    "ssm:GetParametersByPath",
    "ssm:GetParameterHistory",
)

# Data reads on what the program stores or runs, denied whatever else the role is given.
DATA_READS: Final[dict[str, str]] = {
    "dynamodb:GetItem": "table items (reservations, phones, requests)",
    "dynamodb:BatchGetItem": "table items",
    "dynamodb:Query": "table items",
    "dynamodb:Scan": "table items",
    "dynamodb:PartiQLSelect": "table items",
    "dynamodb:GetRecords": "table stream records",
    "dynamodb:ExportTableToPointInTime": "a copy of the table",
    "logs:GetLogEvents": "function logs (log-mode texts carry partner links)",
    "logs:FilterLogEvents": "function logs",
    "logs:StartQuery": "function logs (Logs Insights)",
    "logs:GetQueryResults": "function logs (Logs Insights)",
    "logs:GetLogRecord": "function logs",
    "logs:StartLiveTail": "function logs",
    "kms:Decrypt": "anything encrypted with the stack's key",
    "secretsmanager:GetSecretValue": "secrets",
    "lambda:GetFunction": "function environment and a download link to the code",
    "lambda:GetFunctionConfiguration": "function environment",
    "s3:GetObject": "site files and anything else in the account's buckets",
    "s3:GetObjectVersion": "earlier site files",
    "states:DescribeExecution": "workflow input and output (request ids, task tokens)",
    "states:GetExecutionHistory": "workflow events with their data",
    "cloudfront:GetDistribution": "origin custom headers (the origin secret)",
    "cloudfront:GetDistributionConfig": "origin custom headers (the origin secret)",
    "cognito-idp:ListUsers": "the console's operators (email addresses)",
    "cognito-idp:ListUsersInGroup": "the console's operators (email addresses)",
    "cognito-idp:AdminGetUser": "an operator's attributes (email address)",
}


def oidc_provider_arn(account: str) -> str:
    return f"arn:aws:iam::{account}:oidc-provider/{OIDC_HOST}"


def trust_policy(account: str, subjects: str | Sequence[str]) -> dict[str, Any]:
    """Only GitHub's OIDC tokens for these subjects (`repo:OWNER/REPO:...`) may assume the role."""
    subject: str | list[str] = subjects if isinstance(subjects, str) else list(subjects)
    return {
        "Version": VERSION,
        "Statement": [
            {
                "Effect": "Allow",
                "Principal": {"Federated": oidc_provider_arn(account)},
                "Action": "sts:AssumeRoleWithWebIdentity",
                "Condition": {"StringEquals": {f"{OIDC_HOST}:aud": AUDIENCE, f"{OIDC_HOST}:sub": subject}},
            }
        ],
    }


def preview_trust_policy(account: str, repo: str) -> dict[str, Any]:
    """Pull requests of this repository only (forks get no OIDC token, so they never reach it)."""
    return trust_policy(account, f"repo:{repo}:pull_request")


def deploy_trust_policy(account: str, repo: str, stacks: Sequence[str]) -> dict[str, Any]:
    """Jobs that run in a stack's GitHub environment only (a branch or a pull request cannot)."""
    return trust_policy(account, [f"repo:{repo}:environment:{stack}" for stack in stacks])


def preview_policy(account: str) -> dict[str, Any]:
    """The preview role's only permissions: what preview calls, and a deny of every data read.

    Parameters are the one split: AWS's public Powertools parameter is read (no account in its ARN), every
    parameter of this account (the secret keyrings) is denied.
    """
    return {
        "Version": VERSION,
        "Statement": [
            {"Sid": "Preview", "Effect": "Allow", "Action": sorted(PREVIEW_ACTIONS), "Resource": "*"},
            {
                "Sid": "PowertoolsLayer",
                "Effect": "Allow",
                "Action": ["ssm:GetParameter"],
                "Resource": PUBLIC_LAYER_PARAMETERS,
            },
            {"Sid": "NoDataReads", "Effect": "Deny", "Action": sorted(DATA_READS), "Resource": "*"},
            {
                "Sid": "NoSecretReads",
                "Effect": "Deny",
                "Action": list(SSM_READS),
                "Resource": f"arn:aws:ssm:*:{account}:parameter/*",
            },
        ],
    }
