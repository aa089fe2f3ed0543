"""`POST /chat` (the seed's Lex Handler): validate, classify, store `Created`, hand over, answer 202."""

from __future__ import annotations

from typing import Any

from handlers import api, clock, wiring
from handlers.adapters.classifier import (
    BedrockTieBreak,
    LexClassifier,
    LocalClassifier,
    TieBreakingClassifier,
)
from handlers.adapters.handover import AsyncInvoker
from handlers.clients import client, intent_tie_break_client
from handlers.models.chat import ChatRequest
from handlers.observability import instrumented
from handlers.resolver import APIGatewayHttpResolver, Response
from handlers.settings import CustomerVerification, IntentClassifier, Settings, get_settings
from handlers.usecases.intake import Classifier, submit
from handlers.usecases.limits import check_customer_route, check_customer_token


def _classifier(settings: Settings) -> Classifier:
    if settings.intent_classifier is IntentClassifier.LOCAL:
        return LocalClassifier()
    lex = LexClassifier(
        client("lexv2-runtime", settings),
        settings.require("bot_id"),
        settings.require("bot_alias_id"),
        settings.bot_locale_id,
        settings.intent_confidence_threshold,
    )
    if not settings.intent_tie_break:
        return lex
    tie_break = BedrockTieBreak(intent_tie_break_client(settings), settings.require("bedrock_model_id"))
    return TieBreakingClassifier(lex, tie_break)


@api.per_thread
def _app() -> APIGatewayHttpResolver:
    app = api.build()

    @app.post("/chat")
    def chat() -> Response:
        settings = get_settings()
        guards = wiring.guards(settings)
        # Cheap checks first, and all of them before the classifier (Lex bills every call).
        check_customer_route(guards, api.source_ip(app), settings.rate_limit_per_minute, clock.now())
        body = api.parse_body(app, ChatRequest)
        if settings.customer_verification is CustomerVerification.SMS:
            check_customer_token(
                wiring.customer_keys(settings),
                api.bearer_token(app),
                body.reservationNumber,
                body.customerPhone,
                clock.now(),
            )
        accepted = submit(
            body,
            store=wiring.store(settings),
            classifier=_classifier(settings),
            hand_over=AsyncInvoker(client("lambda", settings), settings.require("orchestrator_function")),
            support_phone=settings.support_phone,
            sms_daily_budget_parts=settings.sms_daily_budget_parts,
            text_customer=settings.customer_sms
            and settings.customer_verification is CustomerVerification.SMS,
        )
        return api.json_response(202, accepted)

    return app


@instrumented()
def handler(event: dict[str, Any], context: Any) -> dict[str, Any]:
    return api.resolve(_app(), event, context)
