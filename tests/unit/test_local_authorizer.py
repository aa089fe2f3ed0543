"""The local gateway's JWT authorizer (local/authorizer.py) checks a token as API Gateway does: RS256 by a
key of the issuer's JWKS, exp/nbf/iat, iss, aud or else client_id; and hands the claims over as text."""

from __future__ import annotations

from typing import Any

import pytest
from joserfc import jwk, jwt
from moto.cognitoidp.models import load_resource

from local.authorizer import (
    JwtAuthorizer,
    Unauthorized,
    claim_text,
    request_context,
    token_from,
    unauthorized_headers,
    verify,
)

ISSUER = "https://cognito-idp.ap-northeast-2.amazonaws.com/ap-northeast-2_pool"
CLIENT = "console-client-id"
NOW = 1_795_669_200
# moto's pool signing key and its JWKS (what `<issuer>/.well-known/jwks.json` serves on the emulator).
SIGNING_KEY = jwk.RSAKey.import_key(load_resource("cognitoidp/resources/jwks-private.json"))
JWKS: dict[str, Any] = load_resource("cognitoidp/resources/jwks-public.json")
AUTHORIZER = JwtAuthorizer.from_inputs(
    "auth01",
    {
        "apiId": "api01",
        "authorizerType": "JWT",
        "identitySources": ["$request.header.Authorization"],
        "jwtConfiguration": {"issuer": ISSUER, "audiences": [CLIENT]},
    },
)


def access_token(key: Any = SIGNING_KEY, kid: str = "dummy", **changes: Any) -> str:
    claims: dict[str, Any] = {
        "iss": ISSUER,
        "sub": "7d8ca528-4931-4254-9273-ea5ee853f271",
        "client_id": CLIENT,
        "token_use": "access",
        "scope": "aws.cognito.signin.user.admin",
        "iat": NOW - 60,
        "auth_time": NOW - 60,
        "exp": NOW + 3600,
        "username": "operator@example.com",
        "cognito:groups": ["operators"],
    }
    for name, value in changes.items():
        name = name.replace("cognito_groups", "cognito:groups")
        if value is None:
            claims.pop(name, None)
        else:
            claims[name] = value
    return str(jwt.encode({"kid": kid, "alg": "RS256"}, claims, key))


def check(token: str | None) -> dict[str, Any]:
    return verify(token, AUTHORIZER, JWKS, clock=lambda: NOW)


def test_a_pool_token_for_the_client_passes_with_its_claims() -> None:
    claims = check(access_token())

    assert claims["username"] == "operator@example.com"
    assert claims["cognito:groups"] == ["operators"]


def test_an_id_token_for_the_client_passes_too_as_on_aws() -> None:
    # API Gateway checks `aud` when the token has one; the function refuses non-access tokens itself.
    claims = check(access_token(aud=CLIENT, client_id=None, token_use="id"))

    assert claims["token_use"] == "id"


def _tampered(token: str) -> str:
    header, payload, signature = token.split(".")
    other = access_token(username="someone-else@example.com").split(".")[1]
    assert other != payload
    return f"{header}.{other}.{signature}"


@pytest.mark.parametrize(
    ("token", "reason"),
    [
        (None, "no token"),
        ("", "no token"),
        ("not-a-jwt", "signature"),
        (_tampered(access_token()), "signature"),
        (access_token(key=jwk.RSAKey.generate_key(2048)), "signature"),
        (access_token(kid="another-key"), "signature"),
        (access_token(exp=NOW), "expired"),
        (access_token(exp=None), "expired"),
        (access_token(nbf=NOW + 60), "not valid yet"),
        (access_token(iat=NOW + 60), "not valid yet"),
        (access_token(iss=ISSUER + "x"), "issuer"),
        (access_token(iss="https://cognito-idp.ap-northeast-2.amazonaws.com/ap-northeast-2_other"), "issuer"),
        (access_token(client_id="another-client"), "audience"),
        (access_token(client_id=None), "audience"),
        (access_token(aud="another-client"), "audience"),
    ],
    ids=[
        "missing",
        "empty",
        "garbage",
        "tampered-payload",
        "another-key",
        "unknown-kid",
        "expired",
        "no-exp",
        "not-before",
        "issued-in-future",
        "issuer-suffix",
        "another-pool",
        "another-client",
        "no-client",
        "aud-wins-over-client-id",
    ],
)
def test_tokens_api_gateway_refuses_are_refused(token: str | None, reason: str) -> None:
    with pytest.raises(Unauthorized, match=reason):
        check(token)


def test_an_unsigned_token_is_refused() -> None:
    header = "eyJhbGciOiJub25lIiwidHlwIjoiSldUIn0"  # {"alg":"none","typ":"JWT"}
    payload = access_token().split(".")[1]

    with pytest.raises(Unauthorized):
        check(f"{header}.{payload}.")


@pytest.mark.parametrize(
    ("header", "token"),
    [
        ("Bearer abc.def.ghi", "abc.def.ghi"),
        ("bearer  abc", "abc"),
        ("abc", "abc"),
        ("Bearer ", None),
        ("", None),
    ],
)
def test_the_token_comes_from_the_identity_source_with_or_without_bearer(
    header: str, token: str | None
) -> None:
    assert token_from({"Authorization": header} if header else {}, "$request.header.Authorization") == token


def test_claims_reach_the_function_as_text_lists_in_brackets() -> None:
    context = request_context({"exp": NOW, "cognito:groups": ["operators", "viewers"], "ok": True, "u": "a"})

    assert context == {
        "jwt": {
            "claims": {"exp": str(NOW), "cognito:groups": "[operators viewers]", "ok": "true", "u": "a"},
            "scopes": None,
        }
    }
    assert claim_text([]) == "[]"


def test_the_refusal_names_the_reason_in_www_authenticate() -> None:
    headers = dict(unauthorized_headers("the token has expired"))

    assert headers["WWW-Authenticate"].startswith('Bearer scope="" error="invalid_token"')
    assert "the token has expired" in headers["WWW-Authenticate"]


def test_only_jwt_authorizers_with_an_issuer_and_audiences_are_played() -> None:
    with pytest.raises(ValueError, match="not played"):
        JwtAuthorizer.from_inputs("a", {"authorizerType": "REQUEST"})
    with pytest.raises(ValueError, match="issuer"):
        JwtAuthorizer.from_inputs(
            "a", {"authorizerType": "JWT", "identitySources": ["$request.header.Authorization"]}
        )
    assert AUTHORIZER.jwks_url == f"{ISSUER}/.well-known/jwks.json"
