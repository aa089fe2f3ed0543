"""The operator console's sign-in: the user pool, its group and client, the JWT authorizer on every /admin
route, and what the console page gets (config.js, its CSP), in the program and in its building blocks."""

from __future__ import annotations

import json
import re
from typing import Any

import pulumi
import pytest
from component_harness import defaults, resolve
from pulumi_mocks import ACCOUNT, REGION
from test_program import _evaluate, of_type

from components.api import declare_routes, requires_sign_in
from components.console import AUTH_FLOWS, OPERATORS_GROUP, cognito_endpoint
from components.functions import deploy_function
from components.site import content_security_policy

POOL_ID = f"{REGION}_CoNsOlE01"
CLIENT_ID = "1example23456789clientid0"
COGNITO = f"https://cognito-idp.{REGION}.amazonaws.com/"


@pytest.fixture(params=["dev", "demo"])
def program(request: pytest.FixtureRequest) -> dict[str, Any]:
    return _evaluate(request.param)


def one(program: dict[str, Any], typ: str) -> dict[str, Any]:
    (resource,) = of_type(program, typ)
    return resource


def test_nobody_signs_up_to_the_pool_and_usernames_are_email_addresses(program: dict[str, Any]) -> None:
    pool = one(program, "aws:cognito/userPool:UserPool")["inputs"]

    assert pool["adminCreateUserConfig"]["allowAdminCreateUserOnly"] is True
    assert "usernameAttributes" not in pool
    assert "aliasAttributes" not in pool
    assert pool["autoVerifiedAttributes"] == ["email"]
    message = pool["adminCreateUserConfig"]["inviteMessageTemplate"]["emailMessage"]
    assert "{username}" in message
    assert "{####}" in message
    assert pool["passwordPolicy"]["minimumLength"] >= 12


@pytest.mark.parametrize(("stack", "mfa"), [("dev", "OFF"), ("demo", "ON")])
def test_totp_is_required_where_the_stack_turns_it_on(stack: str, mfa: str) -> None:
    pool = one(_evaluate(stack), "aws:cognito/userPool:UserPool")["inputs"]

    assert pool["mfaConfiguration"] == mfa
    assert pool.get("softwareTokenMfaConfiguration", {}).get("enabled", False) is (mfa == "ON")
    assert "smsConfiguration" not in pool


@pytest.mark.parametrize(("stack", "protected"), [("dev", "INACTIVE"), ("demo", "ACTIVE")])
def test_the_pool_is_deletion_protected_with_the_stack(stack: str, protected: str) -> None:
    pool = one(_evaluate(stack), "aws:cognito/userPool:UserPool")["inputs"]

    assert pool["deletionProtection"] == protected


def test_operators_is_a_group_of_the_pool(program: dict[str, Any]) -> None:
    group = one(program, "aws:cognito/userGroup:UserGroup")["inputs"]

    assert (group["name"], group["userPoolId"]) == (OPERATORS_GROUP, POOL_ID)


def test_the_page_client_has_no_secret_and_only_the_password_and_refresh_flows(
    program: dict[str, Any],
) -> None:
    client = one(program, "aws:cognito/userPoolClient:UserPoolClient")["inputs"]

    assert client["userPoolId"] == POOL_ID
    assert client["generateSecret"] is False
    assert sorted(client["explicitAuthFlows"]) == sorted(AUTH_FLOWS)
    assert client["preventUserExistenceErrors"] == "ENABLED"
    assert client["enableTokenRevocation"] is True
    assert "allowedOauthFlows" not in client
    assert "callbackUrls" not in client


def test_the_authorizer_trusts_the_pools_tokens_for_the_console_client_only(program: dict[str, Any]) -> None:
    authorizer = one(program, "aws:apigatewayv2/authorizer:Authorizer")
    api = one(program, "aws:apigatewayv2/api:Api")

    assert authorizer["inputs"]["apiId"] == api["id"]
    assert authorizer["inputs"]["authorizerType"] == "JWT"
    assert authorizer["inputs"]["identitySources"] == ["$request.header.Authorization"]
    assert authorizer["inputs"]["jwtConfiguration"] == {
        "issuer": f"https://cognito-idp.{REGION}.amazonaws.com/{POOL_ID}",
        "audiences": [CLIENT_ID],
    }


def test_every_admin_route_and_only_those_need_the_authorizer(program: dict[str, Any]) -> None:
    authorizer = one(program, "aws:apigatewayv2/authorizer:Authorizer")
    routes = of_type(program, "aws:apigatewayv2/route:Route")

    assert routes
    for route in routes:
        inputs = route["inputs"]
        if requires_sign_in(inputs["routeKey"]):
            assert (inputs.get("authorizationType"), inputs.get("authorizerId")) == ("JWT", authorizer["id"])
        else:
            assert "authorizerId" not in inputs
            assert inputs.get("authorizationType", "NONE") == "NONE"


def test_config_js_tells_the_console_page_how_to_sign_in(program: dict[str, Any]) -> None:
    config = next(
        r
        for r in of_type(program, "aws:s3/bucketObjectv2:BucketObjectv2")
        if r["inputs"]["key"] == "config.js"
    )
    match = re.fullmatch(r"window\.PARTNER_CONFIRM_CONFIG = (.*);\n", config["inputs"]["content"], re.S)

    assert match is not None
    assert json.loads(match[1])["console"] == {
        "region": REGION,
        "userPoolId": POOL_ID,
        "clientId": CLIENT_ID,
        "cognitoEndpoint": COGNITO,
    }
    assert program["exports"]["consoleUserPoolId"] == POOL_ID
    assert program["exports"]["consoleClientId"] == CLIENT_ID
    assert program["exports"]["consoleUrl"] == "https://d111111abcdef8.cloudfront.net/admin/"


def _csp(policy: dict[str, Any]) -> dict[str, str]:
    text = policy["inputs"]["securityHeadersConfig"]["contentSecurityPolicy"]["contentSecurityPolicy"]
    return dict(part.strip().split(" ", 1) for part in text.split(";"))


def test_only_the_console_page_may_reach_cognito(program: dict[str, Any]) -> None:
    distribution = one(program, "aws:cloudfront/distribution:Distribution")["inputs"]
    policies = {
        p["id"]: p for p in of_type(program, "aws:cloudfront/responseHeadersPolicy:ResponseHeadersPolicy")
    }
    functions = {f["outputs"]["arn"]: f for f in of_type(program, "aws:cloudfront/function:Function")}
    consoles = [
        b for b in distribution["orderedCacheBehaviors"] if b["pathPattern"] in ("/admin", "/admin/*")
    ]
    assert [b["pathPattern"] for b in consoles] == ["/admin", "/admin/*"]
    assert consoles[0] == {**consoles[1], "pathPattern": "/admin"}
    console = consoles[1]

    console_csp = _csp(policies[console["responseHeadersPolicyId"]])
    assert console_csp["connect-src"] == f"'self' {COGNITO}"
    assert {k: v for k, v in console_csp.items() if k != "connect-src"} == {
        k: v
        for k, v in _csp(policies[distribution["defaultCacheBehavior"]["responseHeadersPolicyId"]]).items()
        if k != "connect-src"
    }
    for behaviour in [distribution["defaultCacheBehavior"], *distribution["orderedCacheBehaviors"]]:
        if behaviour not in consoles and behaviour.get("responseHeadersPolicyId"):
            assert _csp(policies[behaviour["responseHeadersPolicyId"]])["connect-src"] == "'self'"
    (association,) = console["functionAssociations"]
    code = functions[association["functionArn"]]["inputs"]["code"]
    assert "request.uri === '/admin' || request.uri === '/admin/'" in code
    assert "request.uri = '/admin/index.html'" in code
    assert console["cachePolicyId"] == "4135ea2d-6df8-44a3-9df3-4b5a84be39ad"  # CachingDisabled


def test_the_csp_names_extra_endpoints_exactly() -> None:
    assert "connect-src 'self';" in content_security_policy()
    assert f"connect-src 'self' {cognito_endpoint('eu-west-1')};" in content_security_policy(
        (cognito_endpoint("eu-west-1"),)
    )


# --- declare_routes: the one way a route reaches the API -----------------------------------------------


def _routes(route_keys: list[str], authorizer_id: str | None) -> dict[str, Any]:
    def build() -> dict[str, Any]:
        component = pulumi.ComponentResource("test:index:Routes", "routes")
        function = deploy_function(
            "routes",
            "status",
            defaults=defaults(),
            description="test",
            environment={},
            statements=[],
            parent=component,
        )
        declare_routes(
            "routes",
            api_id="a1b2c3d4e5",
            execution_arn=f"arn:aws:execute-api:{REGION}:{ACCOUNT}:a1b2c3d4e5",
            routes=dict.fromkeys(route_keys, function),
            authorizer_id=authorizer_id,
            opts=pulumi.ResourceOptions(parent=component),
        )
        return {}

    built = resolve(build)
    return {r["routeKey"]: r for r in built.of_type("aws:apigatewayv2/route:Route")}


def test_declared_admin_routes_get_the_authorizer_and_others_do_not() -> None:
    routes = _routes(
        ["GET /admin/requests", "POST /admin/requests/{id}/close", "GET /requests/{id}"], "auth01"
    )

    for key in ("GET /admin/requests", "POST /admin/requests/{id}/close"):
        assert (routes[key]["authorizationType"], routes[key]["authorizerId"]) == ("JWT", "auth01")
    assert "authorizerId" not in routes["GET /requests/{id}"]


@pytest.mark.parametrize("route_key", ["GET /admin/requests", "GET /admin"])
def test_an_admin_route_without_an_authorizer_is_refused(route_key: str) -> None:
    with pytest.raises(ValueError, match="need sign-in"):
        _routes([route_key], None)


@pytest.mark.parametrize(
    ("route_key", "guarded"),
    [
        ("GET /admin/partners", True),
        ("GET /admin", True),
        ("GET /administrator", False),
        ("POST /chat", False),
    ],
)
def test_sign_in_is_required_exactly_under_admin(route_key: str, guarded: bool) -> None:
    assert requires_sign_in(route_key) is guarded
