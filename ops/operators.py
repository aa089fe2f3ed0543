"""Who may use the operator console: the users of the stack's Cognito pool in the group `operators`.

`add` creates the user (username = the email address) and puts it in the group. On AWS Cognito mails the
address an invitation with a temporary password; the operator sets their own at the first sign-in (and,
where the stack requires it, their TOTP app). `remove` signs the user out everywhere (their refresh tokens
stop working) and deletes them. The local runtime uses `add` with a permanent password for its demo users.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Final

from botocore.exceptions import ClientError

OPERATORS_GROUP: Final = "operators"  # components/console.py, handlers/api.py
_EMAIL: Final = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")


class OperatorError(ValueError):
    """A request the pool cannot carry out, said in a line the operator can act on."""


@dataclass(frozen=True)
class Added:
    username: str
    created: bool
    """False: the user existed already (now in the group too)."""
    invited: bool
    """Cognito mailed an invitation with a temporary password."""


def _email(address: str) -> str:
    email = address.strip()
    if not _EMAIL.match(email):
        raise OperatorError(f"{address!r} is not an email address: operators sign in with theirs")
    return email


def _code(error: ClientError) -> str:
    return str(error.response.get("Error", {}).get("Code", ""))


def add(
    client: Any, user_pool_id: str, address: str, *, password: str | None = None, group: str = OPERATORS_GROUP
) -> Added:
    """Create the user `address` (if new) and put it in `group`. Idempotent.

    Without `password` Cognito mails the address a temporary one (the invitation). With it the user is
    created silently with that password, already permanent: the local runtime's demo users.
    """
    email = _email(address)
    created = True
    request: dict[str, Any] = {
        "UserPoolId": user_pool_id,
        "Username": email,
        "UserAttributes": [
            {"Name": "email", "Value": email},
            {"Name": "email_verified", "Value": "true"},
        ],
    }
    if password is None:
        request["DesiredDeliveryMediums"] = ["EMAIL"]
    else:
        request["MessageAction"] = "SUPPRESS"
    try:
        client.admin_create_user(**request)
    except ClientError as error:
        if _code(error) != "UsernameExistsException":
            raise
        created = False
    if password is not None:
        client.admin_set_user_password(
            UserPoolId=user_pool_id, Username=email, Password=password, Permanent=True
        )
    client.admin_add_user_to_group(UserPoolId=user_pool_id, Username=email, GroupName=group)
    return Added(username=email, created=created, invited=created and password is None)


def _iso(value: Any) -> str:
    return value.isoformat(timespec="seconds") if isinstance(value, datetime) else str(value or "")


def list_operators(client: Any, user_pool_id: str, group: str = OPERATORS_GROUP) -> list[dict[str, Any]]:
    """The group's users, by username: status (`FORCE_CHANGE_PASSWORD` until the first sign-in), enabled."""
    users: list[dict[str, Any]] = []
    request: dict[str, Any] = {"UserPoolId": user_pool_id, "GroupName": group}
    while True:
        page = client.list_users_in_group(**request)
        for user in page.get("Users", []):
            attributes = {a["Name"]: a["Value"] for a in user.get("Attributes", [])}
            users.append(
                {
                    "username": user["Username"],
                    "email": attributes.get("email", ""),
                    "status": user.get("UserStatus", ""),
                    "enabled": bool(user.get("Enabled", True)),
                    "createdAt": _iso(user.get("UserCreateDate")),
                }
            )
        token = page.get("NextToken")
        if not token:
            break
        request["NextToken"] = token
    return sorted(users, key=lambda user: str(user["username"]))


def remove(client: Any, user_pool_id: str, address: str) -> None:
    """Sign the user out of every session (refresh tokens revoked), then delete them."""
    email = _email(address)
    try:
        client.admin_user_global_sign_out(UserPoolId=user_pool_id, Username=email)
        client.admin_delete_user(UserPoolId=user_pool_id, Username=email)
    except ClientError as error:
        if _code(error) == "UserNotFoundException":
            raise OperatorError(f"no operator {email} in user pool {user_pool_id}") from None
        raise
