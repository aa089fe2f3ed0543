"""The operator console's demo users on the local runtime (docs/local.md), made at every start."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Final

from local.deploy import REGION

# Who can sign in here: an operator, and a signed-in user who is none (the console and its API refuse them;
# the authorization tests use both). Printed at start; the browser tests sign in as the operator.
DEMO_OPERATOR: Final = ("operator@example.com", "Operator-local-1")
DEMO_NON_OPERATOR: Final = ("viewer@example.com", "Viewer-local-1")


def create_demo_users(outputs: Mapping[str, Any]) -> None:
    """Both users in the program's user pool (stack output `consoleUserPoolId`), the operator as
    `python -m ops operators add` makes one, with permanent passwords instead of mailed temporary ones."""
    pool = outputs.get("consoleUserPoolId")
    if not pool:
        return
    import boto3

    from ops import operators

    client = boto3.client("cognito-idp", region_name=REGION)  # AWS_ENDPOINT_URL: the emulator
    operators.add(client, str(pool), DEMO_OPERATOR[0], password=DEMO_OPERATOR[1])
    email, password = DEMO_NON_OPERATOR
    client.admin_create_user(
        UserPoolId=str(pool),
        Username=email,
        UserAttributes=[{"Name": "email", "Value": email}, {"Name": "email_verified", "Value": "true"}],
        MessageAction="SUPPRESS",
    )
    client.admin_set_user_password(UserPoolId=str(pool), Username=email, Password=password, Permanent=True)
