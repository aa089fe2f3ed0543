"""`POST /verify` and `POST /verify/confirm`: the customer proves the reservation's phone with a code;
`POST /requests/{requestId}/reply`: with that proof, the customer answers the time the partner proposed."""

from __future__ import annotations

import time
from typing import Any

from handlers import api, clock, wiring
from handlers.models.reply import ReplyRequest
from handlers.models.verification import VerifyConfirm, VerifyRequest
from handlers.observability import instrumented
from handlers.resolver import APIGatewayHttpResolver, Response
from handlers.settings import CustomerVerification, get_settings
from handlers.usecases.limits import check_customer_route
from handlers.usecases.reply import reply
from handlers.usecases.verify import confirm_code, request_code

# The answer carries a customer token: never cached, never leaked through a Referer header.
TOKEN_HEADERS = {"Referrer-Policy": "no-referrer", "Cache-Control": "no-store"}


def _app() -> APIGatewayHttpResolver:
    # A resolver holds the current event, so each invocation gets its own: the local runtime may run
    # several at once in one process.
    app = api.build()

    @app.post("/verify")
    def verify() -> Response:
        started = time.monotonic()
        settings = get_settings()
        guards = wiring.guards(settings)
        # Before anything that costs: the address's share of the stage, then its share of code texts.
        check_customer_route(guards, api.source_ip(app), settings.rate_limit_per_minute, clock.now())
        body = api.parse_body(app, VerifyRequest)
        accepted = request_code(
            body,
            api.source_ip(app),
            store=wiring.store(settings),
            guards=guards,
            sms=wiring.sms(settings),
            keys=wiring.customer_keys(settings),
            codes_per_reservation=settings.code_texts_per_reservation,
            codes_per_address=settings.code_texts_per_address,
            sms_daily_budget_parts=settings.sms_daily_budget_parts,
            started=started,
        )
        return api.json_response(202, accepted)

    @app.post("/verify/confirm")
    def confirm() -> Response:
        settings = get_settings()
        guards = wiring.guards(settings)
        check_customer_route(guards, api.source_ip(app), settings.rate_limit_per_minute, clock.now())
        body = api.parse_body(app, VerifyConfirm)
        answer = confirm_code(body, guards=guards, keys=wiring.customer_keys(settings))
        return api.json_response(200, answer)

    @app.post("/requests/<requestId>/reply")
    def reply_to_proposal(requestId: str) -> Response:
        settings = get_settings()
        guards = wiring.guards(settings)
        check_customer_route(guards, api.source_ip(app), settings.rate_limit_per_minute, clock.now())
        body = api.parse_body(app, ReplyRequest)
        verified = settings.customer_verification is CustomerVerification.SMS
        answer = reply(
            requestId,
            body,
            token=api.bearer_token(app),
            store=wiring.store(settings),
            guards=guards,
            sms=wiring.sms(settings),
            customer_keys=wiring.customer_keys(settings) if verified else None,
            window_hours=settings.reply_window_hours,
            sms_daily_budget_parts=settings.sms_daily_budget_parts,
            brand_name=settings.brand_name,
        )
        return api.json_response(200, answer)

    return app


@instrumented()
def handler(event: dict[str, Any], context: Any) -> dict[str, Any]:
    result = api.resolve(_app(), event, context)
    result.setdefault("headers", {}).update(TOKEN_HEADERS)
    return result
