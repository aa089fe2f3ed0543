"""Only requests that came through CloudFront are served: the origin header, checked before any route."""

from __future__ import annotations

import base64
import json
from typing import Any

import pytest

from handlers import api, intake, partner_response, status
from handlers.models.keyring import Keyring, RingKey, accept_all_document
from tests.handlers.conftest import ORIGIN_KEY, ORIGIN_KEY_PARAMETER, put_keyring

ROUTES = [
    pytest.param(intake, "chat.json", {}, id="POST /chat"),
    pytest.param(
        partner_response,
        "confirm.json",
        {"TOKEN": "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA"},
        id="GET /confirm",
    ),
    pytest.param(
        partner_response,
        "respond.json",
        {"TOKEN": "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA"},
        id="POST /respond",
    ),
    pytest.param(status, "status.json", {"REQUEST_ID": "01JD0000000000000000000000"}, id="GET /requests"),
]


def _answer(module: Any, event: dict[str, Any], context: Any) -> tuple[int, dict[str, Any]]:
    answer = module.handler(event, context)
    return answer["statusCode"], json.loads(answer["body"])


@pytest.mark.parametrize(("module", "name", "replace"), ROUTES)
@pytest.mark.parametrize(
    "presented",
    [None, "", "dGVzdC1vcmlnaW4ta2V5LTAxMjM0NTY3ODlhYmNkZWX=", "test-origin-key-0123456789abcdef", "wrong"],
)
def test_a_request_without_the_edge_secret_is_refused_before_any_table_read(
    aws, load_event, context, recorded_calls, module, name, replace, presented
):
    reads = recorded_calls("dynamodb", "GetItem") + recorded_calls("dynamodb", "Query")
    event = load_event(name, **replace)
    del event["headers"]["x-origin-verify"]
    if presented is not None:
        event["headers"]["x-origin-verify"] = presented

    status_code, body = _answer(module, event, context)

    assert (status_code, body["error"]) == (403, "EDGE_REQUIRED")
    assert "직접" in body["message"]
    assert reads == []


# POST /chat through the edge is what every intake test sends.
@pytest.mark.parametrize(("module", "name", "replace"), ROUTES[1:])
def test_a_request_from_the_edge_reaches_its_route(
    seed_reservation, load_event, context, module, name, replace
):
    status_code, body = _answer(module, load_event(name, **replace), context)

    assert status_code != 403, body
    assert body.get("error") != "EDGE_REQUIRED"


def test_a_function_deployed_without_the_secret_refuses_everything(aws, load_event, context, monkeypatch):
    monkeypatch.delenv("ORIGIN_KEY_PARAMETER")

    status_code, body = _answer(
        status, load_event("status.json", REQUEST_ID="01JD0000000000000000000000"), context
    )

    assert (status_code, body["error"]) == (500, "INTERNAL")


@pytest.mark.parametrize(
    ("viewer", "expected"),
    [
        ("198.51.100.7:51234", "198.51.100.7"),
        ("2001:db8::c4a:42838", "2001:db8::c4a"),
        (None, "203.0.113.10"),  # no CloudFront header: the client API Gateway saw
    ],
)
def test_the_visitor_address_is_the_one_cloudfront_saw(aws, load_event, context, viewer, expected):
    app = api.build()
    seen: list[str] = []

    @app.get("/requests/<requestId>")
    def probe(requestId: str) -> dict[str, str]:
        seen.append(api.source_ip(app))
        return {}

    event = load_event("status.json", REQUEST_ID="01JD0000000000000000000000")
    if viewer is not None:
        event["headers"]["cloudfront-viewer-address"] = viewer
    app.resolve(event, context)

    assert seen == [expected]


def test_after_a_rotation_the_previous_origin_key_is_still_accepted(aws, load_event, context):
    put_keyring(Keyring((RingKey(b"n" * 32, 0), RingKey(ORIGIN_KEY, 0, None))), ORIGIN_KEY_PARAMETER)
    event = load_event("status.json", REQUEST_ID="01JD0000000000000000000000")

    status_code, body = _answer(status, event, context)

    assert (status_code, body["error"]) == (404, "NOT_FOUND")


def test_every_key_of_the_ring_the_program_writes_opens_the_api_and_no_other(aws, load_event, context):
    # What components/secrets.py writes for originSecretVersion 2: keys 1, 2 and 3 (previous, sent, next).
    keys = [bytes([version]) * 32 for version in (1, 2, 3)]
    ring = accept_all_document([base64.b64encode(key).decode() for key in keys])
    put_keyring(Keyring.parse(ring), ORIGIN_KEY_PARAMETER)

    def answer(header: bytes) -> int:
        event = load_event("status.json", REQUEST_ID="01JD0000000000000000000000")
        event["headers"]["x-origin-verify"] = base64.b64encode(header).decode()
        return _answer(status, event, context)[0]

    assert [answer(key) for key in keys] == [404, 404, 404]  # through the edge: the request is unknown
    assert answer(bytes([4]) * 32) == 403
