"""The operator behind an /admin request, from the claims API Gateway's JWT authorizer verified:
401 without an access token's claims, 403 outside `operators` (handlers/api.py::operator)."""

from __future__ import annotations

import copy
import json
from pathlib import Path
from typing import Any

import pytest

from handlers import api
from handlers.resolver import APIGatewayHttpResolver

EVENT = json.loads((Path(__file__).resolve().parents[1] / "events" / "admin_requests.json").read_text())


def _app() -> APIGatewayHttpResolver:
    app = api.build()

    @app.get("/admin/requests")
    def whoami() -> dict[str, Any]:
        signed_in = api.operator(app)
        return {"by": signed_in.username, "groups": sorted(signed_in.groups)}

    return app


def _call(claims: dict[str, Any] | None, context: Any) -> tuple[int, dict[str, Any]]:
    event = copy.deepcopy(EVENT)
    if claims is None:
        event["requestContext"].pop("authorizer")
    else:
        event["requestContext"]["authorizer"]["jwt"]["claims"] = claims
    result = api._resolve_own_event(_app(), event, context)
    return int(result["statusCode"]), json.loads(result["body"])


def _claims(**changes: str | None) -> dict[str, Any]:
    claims = dict(EVENT["requestContext"]["authorizer"]["jwt"]["claims"])
    for name, value in changes.items():
        key = name.replace("cognito_groups", "cognito:groups")
        if value is None:
            claims.pop(key, None)
        else:
            claims[key] = value
    return claims


def test_an_operator_is_known_by_the_access_tokens_username(context: Any) -> None:
    status, body = _call(_claims(), context)

    assert (status, body) == (200, {"by": "operator@example.com", "groups": ["operators"]})


@pytest.mark.parametrize("groups", ["[viewers operators]", '["operators","viewers"]', "operators"])
def test_operators_is_found_among_several_groups_in_any_form_the_claim_takes(
    groups: str, context: Any
) -> None:
    status, body = _call(_claims(cognito_groups=groups), context)

    assert status == 200
    assert "operators" in body["groups"]


@pytest.mark.parametrize("groups", ["[viewers]", None, "[]", "[operatorsx]"])
def test_a_signed_in_user_outside_operators_is_forbidden(groups: str | None, context: Any) -> None:
    status, body = _call(_claims(cognito_groups=groups), context)

    assert status == 403
    assert body["error"] == "FORBIDDEN"
    assert body["message"].startswith("운영자 권한이 없는")


@pytest.mark.parametrize(
    "claims",
    [None, {}, _claims(token_use="id"), _claims(token_use=None), _claims(username=None)],
    ids=["no-authorizer", "no-claims", "id-token", "no-token-use", "no-username"],
)
def test_without_an_access_tokens_claims_the_request_needs_sign_in(
    claims: dict[str, Any] | None, context: Any
) -> None:
    status, body = _call(claims, context)

    assert status == 401
    assert body["error"] == "UNAUTHORIZED"


@pytest.mark.parametrize(
    ("value", "values"),
    [
        ("[operators]", ["operators"]),
        ("[a b c]", ["a", "b", "c"]),
        ('["a", "b"]', ["a", "b"]),
        (["a", "b"], ["a", "b"]),
        ("a", ["a"]),
        ("", []),
        (None, []),
    ],
)
def test_list_claims_read_as_api_gateway_writes_them(value: Any, values: list[str]) -> None:
    assert api.claim_values(value) == values
