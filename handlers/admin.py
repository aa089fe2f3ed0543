"""The operator console's API (issue 13): `/admin/*`, behind the JWT authorizer, for the `operators` group.

Every route first reads the signed-in operator (`api.operator`: 401 without verified claims, 403 outside
the group), then calls one use case.
"""

from __future__ import annotations

from typing import Any

from handlers import api, wiring
from handlers.adapters.workflow import Workflow
from handlers.clients import client
from handlers.models.admin import AnswerBody, CloseBody, ResendLinkBody, RevealBody
from handlers.models.errors import SmsDeliveryError
from handlers.observability import instrumented, logger
from handlers.resolver import APIGatewayHttpResolver, Response
from handlers.settings import get_settings
from handlers.usecases import console, operator_actions

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

    @app.post("/admin/requests/<requestId>/resend-link")
    def resend_link(requestId: str) -> Response:
        who = api.operator(app)
        body = api.parse_body(app, ResendLinkBody)
        settings = get_settings()
        done = operator_actions.resend_link(
            requestId,
            by=who.username,
            note=body.note,
            store=wiring.console_store(settings),
            sms=wiring.sms(settings),
            channel=settings.sms_mode.value,
            signing_key=wiring.signing_key(settings),
            link_base_url=settings.require("link_base_url"),
            brand_name=settings.brand_name,
            guards=wiring.guards(settings),
            sms_daily_budget_parts=settings.sms_daily_budget_parts,
        )
        return api.json_response(200, done)

    @app.post("/admin/requests/<requestId>/answer")
    def answer(requestId: str) -> Response:
        who = api.operator(app)
        body = api.parse_body(app, AnswerBody)
        settings = get_settings()
        done = operator_actions.answer_for_partner(
            requestId,
            body,
            by=who.username,
            store=wiring.console_store(settings),
            workflow=Workflow(client("stepfunctions", settings)),
        )
        return api.json_response(200, done)

    @app.post("/admin/requests/<requestId>/close")
    def close(requestId: str) -> Response:
        who = api.operator(app)
        body = api.parse_body(app, CloseBody)
        settings = get_settings()
        done = operator_actions.close_request(
            requestId,
            body.note,
            by=who.username,
            store=wiring.console_store(settings),
            workflow=Workflow(client("stepfunctions", settings)),
            state_machine_arn=settings.require("state_machine_arn"),
        )
        return api.json_response(200, done)

    @app.post("/admin/requests/<requestId>/reveal")
    def reveal(requestId: str) -> Response:
        who = api.operator(app)
        body = api.parse_body(app, RevealBody)
        done = operator_actions.reveal_phone(
            requestId, body.who, body.note, by=who.username, store=wiring.console_store(get_settings())
        )
        return api.json_response(200, done)

    return app


@instrumented()
def handler(event: dict[str, Any], context: Any) -> dict[str, Any]:
    result = api.resolve(_app(), event, context)
    result.setdefault("headers", {}).update(PRIVATE_HEADERS)
    return result
