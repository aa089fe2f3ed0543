"""Operator sign-in on the local runtime: moto's Cognito issues the tokens, the played JWT authorizer guards
every /admin route as API Gateway would (401 before any function runs), and the admin function refuses a
signed-in user outside `operators` (403) and a token that is not an access token (401)."""

from __future__ import annotations

import base64
import json
import time
from collections.abc import Iterator
from typing import Any

import pytest
import requests
from e2e_client import LocalClient, emulator_client
from joserfc import jwk, jwt
from moto.cognitoidp.models import load_resource

from handlers.models.keyring import Keyring
from local.console import DEMO_NON_OPERATOR, DEMO_OPERATOR
from local.testing import running_system

pytestmark = pytest.mark.e2e

ADMIN = "/admin/requests"
# The emulator's pool signing key is moto's published one: with it a test mints tokens the pool's JWKS
# verifies, to show that the gateway checks more than the signature.
POOL_KEY = jwk.RSAKey.import_key(load_resource("cognitoidp/resources/jwks-private.json"))


@pytest.fixture(scope="module")
def system() -> Iterator[str]:
    with running_system() as base_url:
        yield base_url


@pytest.fixture
def client(system: str) -> LocalClient:
    return LocalClient(system)


def _sign_in(client: LocalClient, username: str, password: str) -> dict[str, Any]:
    answer = client.http.post(
        f"{client.base_url}/_local/cognito-idp/",
        headers={
            "Content-Type": "application/x-amz-json-1.1",
            "X-Amz-Target": "AWSCognitoIdentityProviderService.InitiateAuth",
        },
        data=json.dumps(
            {
                "AuthFlow": "USER_PASSWORD_AUTH",
                "ClientId": client.outputs()["consoleClientId"],
                "AuthParameters": {"USERNAME": username, "PASSWORD": password},
            }
        ),
        timeout=30,
    )
    assert answer.status_code == 200, answer.text
    return dict(answer.json()["AuthenticationResult"])


def _claims(token: str) -> dict[str, Any]:
    payload = token.split(".")[1]
    return dict(json.loads(base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4))))


def _minted(client: LocalClient, **changes: Any) -> str:
    """An access token like the pool's for the demo operator, with `changes`, signed with the pool's key."""
    signed_in = _sign_in(client, *DEMO_OPERATOR)
    claims = {**_claims(signed_in["AccessToken"]), **changes}
    return str(jwt.encode({"kid": "dummy", "alg": "RS256"}, claims, POOL_KEY))


def _admin(client: LocalClient, token: str | None, *, edge: bool = True) -> requests.Response:
    headers = {"Authorization": f"Bearer {token}"} if token is not None else {}
    if edge:
        return client.http.get(f"{client.base_url}/api{ADMIN}", headers=headers, timeout=30)
    # Straight to execute-api with the header CloudFront adds: the API's own answer, before the distribution
    # turns a 403 into its 404 page (its custom error response is distribution-wide).
    headers["X-Origin-Verify"] = _origin_header(client)
    return client.http.get(f"{client.base_url}/_local/execute-api/api{ADMIN}", headers=headers, timeout=30)


def _origin_header(client: LocalClient) -> str:
    ssm = emulator_client(client.base_url, "ssm")
    parameters = ssm.get_parameters_by_path(Path="/partner-confirm/dev", WithDecryption=True)["Parameters"]
    (origin,) = [p for p in parameters if p["Name"].endswith("/origin-verify-secret")]
    keyring = Keyring.parse(json.loads(origin["Value"]))
    return base64.b64encode(keyring.signing_key(int(time.time()))).decode("ascii")


def _refused_by_the_gateway(answer: requests.Response) -> None:
    assert answer.status_code == 401
    assert answer.json() == {"message": "Unauthorized"}
    assert answer.headers["WWW-Authenticate"].startswith('Bearer scope="" error="invalid_token"')


def test_the_demo_operators_access_token_opens_the_admin_api(client: LocalClient) -> None:
    token = _sign_in(client, *DEMO_OPERATOR)["AccessToken"]

    answer = _admin(client, token)

    assert answer.status_code == 200, answer.text
    assert "items" in answer.json()
    assert _claims(token)["iss"] == (
        f"https://cognito-idp.ap-northeast-2.amazonaws.com/{client.outputs()['consoleUserPoolId']}"
    )


def _admin_invocations(client: LocalClient) -> int:
    return int(client.http.get(f"{client.base_url}/_local/calls", timeout=30).json()["invocations"]["admin"])


def test_a_request_without_a_token_never_reaches_the_function(client: LocalClient) -> None:
    token = _sign_in(client, *DEMO_OPERATOR)["AccessToken"]
    assert _admin(client, token).status_code == 200
    before = _admin_invocations(client)

    for refused in (None, "", "not-a-jwt", "Bearer"):
        _refused_by_the_gateway(_admin(client, refused))

    assert _admin_invocations(client) == before
    assert _admin(client, token).status_code == 200
    assert _admin_invocations(client) == before + 1  # the count is the admin function's


def test_a_tampered_token_is_refused(client: LocalClient) -> None:
    token = _sign_in(client, *DEMO_NON_OPERATOR)["AccessToken"]
    header, payload, signature = token.split(".")
    claims = _claims(token) | {"cognito:groups": ["operators"]}
    forged = base64.urlsafe_b64encode(json.dumps(claims).encode()).decode().rstrip("=")

    _refused_by_the_gateway(_admin(client, f"{header}.{forged}.{signature}"))
    _refused_by_the_gateway(_admin(client, f"{header}.{payload}.{signature[:-6]}AAAAAA"))


@pytest.mark.parametrize(
    "changes",
    [
        {"exp": int(time.time()) - 5},
        {"iss": "https://cognito-idp.ap-northeast-2.amazonaws.com/ap-northeast-2_another"},
        {"client_id": "another-app-client"},
    ],
    ids=["expired", "another-pool", "another-client"],
)
def test_a_validly_signed_token_that_is_expired_or_foreign_is_refused(
    client: LocalClient, changes: dict[str, Any]
) -> None:
    _refused_by_the_gateway(_admin(client, _minted(client, **changes)))


def test_a_token_signed_with_another_key_is_refused(client: LocalClient) -> None:
    claims = _claims(_sign_in(client, *DEMO_OPERATOR)["AccessToken"])
    token = jwt.encode({"kid": "dummy", "alg": "RS256"}, claims, jwk.RSAKey.generate_key(2048))

    _refused_by_the_gateway(_admin(client, str(token)))


def test_an_id_token_passes_the_gateway_but_not_the_function(client: LocalClient) -> None:
    id_token = _sign_in(client, *DEMO_OPERATOR)["IdToken"]

    answer = _admin(client, id_token)

    assert answer.status_code == 401
    assert answer.json()["error"] == "UNAUTHORIZED"


def test_a_signed_in_user_outside_operators_is_forbidden(client: LocalClient) -> None:
    token = _sign_in(client, *DEMO_NON_OPERATOR)["AccessToken"]

    direct = _admin(client, token, edge=False)
    through_the_edge = _admin(client, token)

    assert direct.status_code == 403
    assert direct.json()["error"] == "FORBIDDEN"
    # CloudFront's custom error response turns every origin 403 into the 404 page, as on AWS.
    assert through_the_edge.status_code == 404
    assert through_the_edge.headers["Content-Type"].startswith("text/html")


def test_a_wrong_password_gets_cognitos_refusal(client: LocalClient) -> None:
    answer = client.http.post(
        f"{client.base_url}/_local/cognito-idp/",
        headers={
            "Content-Type": "application/x-amz-json-1.1",
            "X-Amz-Target": "AWSCognitoIdentityProviderService.InitiateAuth",
        },
        data=json.dumps(
            {
                "AuthFlow": "USER_PASSWORD_AUTH",
                "ClientId": client.outputs()["consoleClientId"],
                "AuthParameters": {"USERNAME": DEMO_OPERATOR[0], "PASSWORD": "Wrong-password-1"},
            }
        ),
        timeout=30,
    )

    assert answer.status_code == 400
    assert answer.json()["__type"].endswith("NotAuthorizedException")


def test_the_console_page_reaches_cognito_at_the_runtimes_own_path(client: LocalClient) -> None:
    config = client.http.get(f"{client.base_url}/config.js", timeout=30).text
    customer = client.http.get(f"{client.base_url}/", timeout=30)
    endpoint = f"{client.base_url}/_local/cognito-idp/"

    assert f'"cognitoEndpoint": "{endpoint}"' in config
    assert "connect-src 'self';" in customer.headers["Content-Security-Policy"]
    for address in ("/admin/", "/admin"):
        console = client.http.get(f"{client.base_url}{address}", timeout=30, allow_redirects=False)
        assert console.status_code == 200, address
        assert '<script src="/admin/auth.js"' in console.text
        assert f"connect-src 'self' {endpoint};" in console.headers["Content-Security-Policy"]
        assert console.headers["Cache-Control"] == "no-store"
    script = client.http.get(f"{client.base_url}/admin/auth.js", timeout=30)
    assert script.status_code == 200
    assert "window.PartnerConfirmAuth" in script.text
