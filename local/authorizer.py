"""An HTTP API's JWT authorizer, played as API Gateway applies it before a route's integration.

API Gateway takes the token from the identity source (`$request.header.Authorization`, with or without a
`Bearer ` prefix) and accepts it only when: it is a JWS signed with RS256 by a key (`kid`) of the issuer's
JWKS (`<issuer>/.well-known/jwks.json`), `exp` has not passed, `nbf` and `iat` (when present) have, `iss`
is the declared issuer, and `aud` names a declared audience, or, for a token without `aud` (a Cognito
access token), `client_id` does. Anything else gets 401 `{"message": "Unauthorized"}` and the function never
runs. The verified claims reach the function as `requestContext.authorizer.jwt.claims`, every value as
text (a list as `[a b]`). API Gateway checks nothing else: not `token_use`, not revocation.
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any, cast

from joserfc import jwk, jwt
from joserfc.errors import JoseError

ALGORITHMS = ["RS256"]


@dataclass(frozen=True)
class JwtAuthorizer:
    """What the program declared (`aws.apigatewayv2.Authorizer`, type JWT)."""

    authorizer_id: str
    api_id: str
    identity_source: str
    issuer: str
    audiences: tuple[str, ...]

    @classmethod
    def from_inputs(cls, authorizer_id: str, inputs: Mapping[str, Any]) -> JwtAuthorizer:
        if str(inputs.get("authorizerType")) != "JWT":
            raise ValueError(f"authorizer type {inputs.get('authorizerType')!r} is not played locally")
        sources = list(inputs.get("identitySources") or [])
        configuration = inputs.get("jwtConfiguration") or {}
        if len(sources) != 1 or not configuration.get("issuer") or not configuration.get("audiences"):
            raise ValueError("a JWT authorizer needs one identity source, an issuer and audiences")
        return cls(
            authorizer_id=authorizer_id,
            api_id=str(inputs.get("apiId")),
            identity_source=str(sources[0]),
            issuer=str(configuration["issuer"]),
            audiences=tuple(str(audience) for audience in configuration["audiences"]),
        )

    @property
    def jwks_url(self) -> str:
        return f"{self.issuer.rstrip('/')}/.well-known/jwks.json"


class Unauthorized(Exception):
    """The token is missing or fails a check; `str(self)` is the reason API Gateway gives."""


def token_from(headers: Mapping[str, str], identity_source: str) -> str | None:
    """The token at the identity source (`$request.header.<Name>`), without a `Bearer ` prefix."""
    prefix = "$request.header."
    if not identity_source.startswith(prefix):
        raise ValueError(f"identity source {identity_source!r} is not played locally")
    wanted = identity_source.removeprefix(prefix).lower()
    value = next((str(v) for k, v in headers.items() if k.lower() == wanted), "").strip()
    scheme, _, rest = value.partition(" ")
    if scheme.lower() == "bearer":
        value = rest.strip()
    return value or None


def verify(
    token: str | None,
    authorizer: JwtAuthorizer,
    jwks: Mapping[str, Any],
    *,
    clock: Callable[[], float] = time.time,
) -> dict[str, Any]:
    """The token's claims once every check passes; `Unauthorized` at the first that fails."""
    if not token:
        raise Unauthorized("no token at the identity source")
    try:
        decoded = jwt.decode(token, jwk.KeySet.import_key_set(cast(Any, dict(jwks))), algorithms=ALGORITHMS)
    except JoseError as exc:
        raise Unauthorized(f"signature: {exc}") from None
    except ValueError as exc:  # not a JWS at all
        raise Unauthorized(f"malformed token: {exc}") from None
    claims = dict(decoded.claims)
    now = clock()
    expires = claims.get("exp")
    if not isinstance(expires, int | float) or expires <= now:
        raise Unauthorized("the token has expired")
    for name in ("nbf", "iat"):
        value = claims.get(name)
        if value is not None and (not isinstance(value, int | float) or value > now):
            raise Unauthorized(f"the token is not valid yet ({name})")
    if claims.get("iss") != authorizer.issuer:
        raise Unauthorized("the token's issuer is not the authorizer's")
    if "aud" in claims:
        audiences = claims["aud"] if isinstance(claims["aud"], list) else [claims["aud"]]
    else:
        audiences = [claims.get("client_id")]
    if not any(audience in authorizer.audiences for audience in audiences):
        raise Unauthorized("the token is for another audience")
    return claims


def claim_text(value: Any) -> str:
    """A claim as API Gateway writes it into the event: text; a list as `[a b]`."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, list | tuple):
        return "[" + " ".join(claim_text(item) for item in value) + "]"
    if isinstance(value, dict):
        return json.dumps(value, separators=(",", ":"))
    return str(value)


def request_context(claims: Mapping[str, Any]) -> dict[str, Any]:
    """`requestContext.authorizer` of a request the authorizer let through (no route scopes declared)."""
    return {"jwt": {"claims": {name: claim_text(value) for name, value in claims.items()}, "scopes": None}}


def unauthorized_headers(reason: str) -> list[tuple[str, str]]:
    """API Gateway's 401: its own body and a `WWW-Authenticate` naming the failure."""
    return [
        ("Content-Type", "application/json"),
        ("WWW-Authenticate", f'Bearer scope="" error="invalid_token" error_description="{reason}"'),
    ]
