"""`python -m ops operators add | list | remove` against an in-process moto Cognito user pool."""

from __future__ import annotations

import base64
import json
from collections.abc import Iterator
from typing import Any

import boto3
import pytest
from moto import mock_aws

from ops import operators
from ops.cli import main

REGION = "ap-northeast-2"


@pytest.fixture
def cognito(monkeypatch: pytest.MonkeyPatch) -> Iterator[tuple[Any, str, str]]:
    for name in ("AWS_ENDPOINT_URL", "AWS_PROFILE"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "testing")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "testing")
    monkeypatch.setenv("AWS_DEFAULT_REGION", REGION)
    with mock_aws():
        client = boto3.client("cognito-idp", region_name=REGION)
        pool = client.create_user_pool(
            PoolName="console",
            AdminCreateUserConfig={"AllowAdminCreateUserOnly": True},
        )["UserPool"]["Id"]
        client.create_group(GroupName="operators", UserPoolId=pool)
        app = client.create_user_pool_client(
            UserPoolId=pool,
            ClientName="console",
            GenerateSecret=False,
            ExplicitAuthFlows=["ALLOW_USER_PASSWORD_AUTH", "ALLOW_REFRESH_TOKEN_AUTH"],
        )["UserPoolClient"]["ClientId"]
        yield client, pool, app


def _run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, Any, str]:
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, json.loads(out) if out.strip().startswith(("{", "[")) else out, err


def test_add_invites_a_new_operator_by_email_into_the_group(
    cognito: tuple[Any, str, str], capsys: pytest.CaptureFixture[str]
) -> None:
    client, pool, _ = cognito

    code, out, _ = _run(capsys, "operators", "add", "kim@example.kr", "--user-pool", pool, "--json")

    assert code == 0
    assert out == {"username": "kim@example.kr", "created": True, "invited": True}
    user = client.admin_get_user(UserPoolId=pool, Username="kim@example.kr")
    assert user["UserStatus"] == "FORCE_CHANGE_PASSWORD"  # a new password at the first sign-in
    assert {a["Name"]: a["Value"] for a in user["UserAttributes"]}["email"] == "kim@example.kr"
    groups = client.admin_list_groups_for_user(UserPoolId=pool, Username="kim@example.kr")["Groups"]
    assert [g["GroupName"] for g in groups] == ["operators"]


def test_adding_an_existing_user_only_puts_them_in_the_group(
    cognito: tuple[Any, str, str], capsys: pytest.CaptureFixture[str]
) -> None:
    client, pool, _ = cognito
    client.admin_create_user(UserPoolId=pool, Username="lee@example.kr", MessageAction="SUPPRESS")

    code, out, _ = _run(capsys, "operators", "add", "lee@example.kr", "--user-pool", pool, "--json")

    assert code == 0
    assert out == {"username": "lee@example.kr", "created": False, "invited": False}
    listed = operators.list_operators(client, pool)
    assert [row["username"] for row in listed] == ["lee@example.kr"]


def test_list_shows_only_the_groups_users_with_their_status(
    cognito: tuple[Any, str, str], capsys: pytest.CaptureFixture[str]
) -> None:
    client, pool, _ = cognito
    operators.add(client, pool, "b@example.kr")
    operators.add(client, pool, "a@example.kr", password="Operator-local-1")
    client.admin_create_user(UserPoolId=pool, Username="viewer@example.kr", MessageAction="SUPPRESS")

    code, rows, _ = _run(capsys, "operators", "list", "--user-pool", pool, "--json")
    _, text, _ = _run(capsys, "operators", "list", "--user-pool", pool)

    assert code == 0
    assert [(r["username"], r["status"], r["enabled"]) for r in rows] == [
        ("a@example.kr", "CONFIRMED", True),
        ("b@example.kr", "FORCE_CHANGE_PASSWORD", True),
    ]
    assert text.splitlines()[0] == f"2 operator(s) in user pool {pool}"
    assert "USERNAME" in text
    assert "viewer@example.kr" not in text


def test_remove_signs_the_operator_out_and_deletes_them(
    cognito: tuple[Any, str, str], capsys: pytest.CaptureFixture[str]
) -> None:
    client, pool, app = cognito
    operators.add(client, pool, "park@example.kr", password="Operator-local-1")
    signed_in = client.initiate_auth(
        ClientId=app,
        AuthFlow="USER_PASSWORD_AUTH",
        AuthParameters={"USERNAME": "park@example.kr", "PASSWORD": "Operator-local-1"},
    )["AuthenticationResult"]

    code, out, _ = _run(capsys, "operators", "remove", "park@example.kr", "--user-pool", pool, "--json")

    assert code == 0
    assert out == {"username": "park@example.kr", "removed": True}
    assert operators.list_operators(client, pool) == []
    with pytest.raises(client.exceptions.NotAuthorizedException):
        client.initiate_auth(
            ClientId=app,
            AuthFlow="REFRESH_TOKEN_AUTH",
            AuthParameters={"REFRESH_TOKEN": signed_in["RefreshToken"]},
        )


def test_a_permanent_password_signs_in_at_once_with_the_group_in_the_access_token(
    cognito: tuple[Any, str, str],
) -> None:
    client, pool, app = cognito
    added = operators.add(client, pool, "demo@example.com", password="Operator-local-1")

    result = client.initiate_auth(
        ClientId=app,
        AuthFlow="USER_PASSWORD_AUTH",
        AuthParameters={"USERNAME": "demo@example.com", "PASSWORD": "Operator-local-1"},
    )

    assert (added.created, added.invited) == (True, False)
    payload = result["AuthenticationResult"]["AccessToken"].split(".")[1]
    claims = json.loads(base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4)))
    assert claims["username"] == "demo@example.com"
    assert claims["cognito:groups"] == ["operators"]
    assert claims["token_use"] == "access"


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["add", "not-an-email"], "is not an email address"),
        (["remove", "ghost@example.kr"], "no operator ghost@example.kr"),
    ],
)
def test_mistakes_are_one_line_and_exit_2(
    cognito: tuple[Any, str, str], capsys: pytest.CaptureFixture[str], argv: list[str], message: str
) -> None:
    _, pool, _ = cognito

    code, _, err = _run(capsys, "operators", *argv, "--user-pool", pool)

    assert code == 2
    assert message in err
    assert len(err.strip().splitlines()) == 1


def test_without_a_pool_the_outputs_must_name_one(tmp_path: Any, capsys: pytest.CaptureFixture[str]) -> None:
    outputs = tmp_path / "outputs.json"
    outputs.write_text(json.dumps({"tableName": "t"}))

    code, _, err = _run(capsys, "operators", "list", "--outputs-file", str(outputs))

    assert code == 2
    assert "consoleUserPoolId" in err


def test_a_password_is_only_set_on_the_local_runtime(
    cognito: tuple[Any, str, str], capsys: pytest.CaptureFixture[str]
) -> None:
    _, pool, _ = cognito

    code, _, err = _run(
        capsys, "operators", "add", "kim@example.kr", "--user-pool", pool, "--password", "Pw-123456789a"
    )

    assert code == 2
    assert "local runtime only" in err
