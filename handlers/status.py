"""`GET /requests/{requestId}`: what the customer page polls."""

from __future__ import annotations

from typing import Any

from handlers import api, wiring
from handlers.observability import instrumented
from handlers.resolver import APIGatewayHttpResolver, Response
from handlers.settings import get_settings
from handlers.usecases.status import view


@api.per_thread
def _app() -> APIGatewayHttpResolver:
    app = api.build()

    @app.get("/requests/<requestId>")
    def request_status(requestId: str) -> Response:
        settings = get_settings()
        answer = view(requestId, store=wiring.store(settings), reply_window_hours=settings.reply_window_hours)
        return api.json_response(200, answer)

    return app


@instrumented()
def handler(event: dict[str, Any], context: Any) -> dict[str, Any]:
    return api.resolve(_app(), event, context)
