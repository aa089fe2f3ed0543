"""The operator console's API (issue 13): `/admin/*`, behind the JWT authorizer, for the `operators` group.

Every route first reads the signed-in operator (`api.operator`: 401 without verified claims, 403 outside
the group), then calls one use case. The reads are here; the four actions, `POST
/admin/requests/{requestId}/<action>`, are in `handlers/admin_actions.py`, imported by the first one the
function serves.
"""

from __future__ import annotations

from typing import Any

from handlers import api, wiring
from handlers.models.errors import SmsDeliveryError
from handlers.observability import instrumented, logger
from handlers.resolver import APIGatewayHttpResolver, NotFoundError, Response
from handlers.settings import get_settings
from handlers.usecases import console

# Operators' answers carry phones and customers' words: never cached, never leaked through a Referer.
PRIVATE_HEADERS = {"Referrer-Policy": "no-referrer", "Cache-Control": "no-store"}


@api.per_thread
def _app() -> APIGatewayHttpResolver:
    app = api.build()

    @app.exception_handler(SmsDeliveryError)
    def _not_texted(exc: SmsDeliveryError) -> Response:
        # A resent link replaced the old one, but SNS refused the text: the operator may resend at once.
        logger().warning("resent link not texted", extra={"error": "SMS_NOT_SENT"})
        return api.error_response(503, "SMS_NOT_SENT")

    def query(name: str) -> str | None:
        return app.current_event.get_query_string_value(name)

    @app.get("/admin/requests")
    def queue() -> Response:
        api.operator(app)
        page = console.queue(
            console.parse_statuses(query("status")),
            console.parse_limit(query("limit")),
            query("cursor"),
            store=wiring.console_store(get_settings()),
        )
        return api.json_response(200, page)

    @app.get("/admin/requests/<requestId>")
    def request_detail(requestId: str) -> Response:
        api.operator(app)
        return api.json_response(200, console.detail(requestId, store=wiring.console_store(get_settings())))

    @app.get("/admin/partners")
    def partners() -> Response:
        api.operator(app)
        days = console.parse_days(query("days"))
        return api.json_response(200, console.partners(days, store=wiring.console_store(get_settings())))

    @app.post("/admin/requests/<requestId>/<action>")
    def act(requestId: str, action: str) -> Response:
        # Imported on the first action: the queue, the console's first call, loads no body model (no
        # pydantic) and none of the actions' use cases (`make bench`, first call).
        from handlers.admin_actions import ACTIONS

        run = ACTIONS.get(action)
        if run is None:
            raise NotFoundError(action)  # as a route that does not exist
        who = api.operator(app)  # before the body is read: 401 or 403 whatever it holds
        return api.json_response(200, run(app, requestId, who.username, get_settings()))

    return app


@instrumented()
def handler(event: dict[str, Any], context: Any) -> dict[str, Any]:
    result = api.resolve(_app(), event, context)
    result.setdefault("headers", {}).update(PRIVATE_HEADERS)
    return result
