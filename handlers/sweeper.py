"""Scheduled (EventBridge Scheduler, every 5 minutes): end requests a workflow left open past their wait."""

from __future__ import annotations

from typing import Any

from handlers import wiring
from handlers.observability import instrumented
from handlers.settings import get_settings
from handlers.usecases.sweep import sweep


@instrumented()
def handler(event: dict[str, Any], context: Any) -> dict[str, Any]:
    settings = get_settings()
    return sweep(
        store=wiring.store(settings),
        wait_seconds=settings.partner_wait_seconds,
        margin_seconds=settings.sweep_margin_seconds,
        remaining_ms=context.get_remaining_time_in_millis,
        support_phone=settings.support_phone,
        text_customer=wiring.customer_texter(settings),
    )
