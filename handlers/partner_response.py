"""`GET /confirm/{token}` and `POST /respond` (the seed's Response Handler)."""

from __future__ import annotations

from typing import Any

from handlers import api, wiring
from handlers.adapters.workflow import Workflow
from handlers.clients import client
from handlers.models.errors import TokenInvalidError
from handlers.models.messages import RESPONSE_ACCEPTED
from handlers.models.partner import RespondAccepted
from handlers.observability import instrumented
from handlers.resolver import APIGatewayHttpResolver, Response
from handlers.settings import get_settings
from handlers.usecases.partner import open_link, respond

# Answers about a token must not be cached, nor leak the link through a Referer header.
TOKEN_HEADERS = {"Referrer-Policy": "no-referrer", "Cache-Control": "no-store"}


@api.per_thread
def _app() -> APIGatewayHttpResolver:
    app = api.build()

    @app.get("/confirm/<token>")
    def confirm(token: str) -> Response:
        # Powertools matches routes with `^...$`, and `$` also matches before a final newline: a token
        # followed by `%0A` arrives here without it. Only the exact encoding issued is a token.
        if app.current_event.path.rsplit("/", 1)[-1] != token:
            raise TokenInvalidError("not a token as issued")
        settings = get_settings()
        view = open_link(token, store=wiring.store(settings), link_keys=wiring.link_keys(settings))
        return api.json_response(200, view)

    @app.post("/respond")
    def answer() -> Response:
        # Imported here: opening the link, the usual cold start, parses no body and needs no pydantic.
        from handlers.models.respond import RespondRequest

        body = api.parse_body(app, RespondRequest)
        settings = get_settings()
        respond(
            body,
            store=wiring.store(settings),
            workflow=Workflow(client("stepfunctions", settings)),
            link_keys=wiring.link_keys(settings),
        )
        return api.json_response(200, RespondAccepted(success=True, message=RESPONSE_ACCEPTED))

    return app


@instrumented()
def handler(event: dict[str, Any], context: Any) -> dict[str, Any]:
    result = api.resolve(_app(), event, context)
    result.setdefault("headers", {}).update(TOKEN_HEADERS)
    return result
