"""What one person can cost: the per-address limits, the customer token check, the daily SMS budget.

Every check here runs before any paid call (Lex, Bedrock, SNS) and refuses with a domain error that the API
answers in the shared error shape (429 with `Retry-After`, 401, 503).
"""

from __future__ import annotations

import hashlib
from datetime import UTC, datetime

from handlers.models import customer_token
from handlers.models.errors import RateLimitedError, SmsBudgetError, VerificationRequiredError
from handlers.observability import count, logger
from handlers.store.guards import Guards

ADDRESS_WINDOW_SECONDS = 60


def client_digest(source_ip: str) -> str:
    """Limits are keyed by a hash: the table never stores a caller's address."""
    return hashlib.sha256(source_ip.encode()).hexdigest()[:20]


def utc_day(now: float) -> str:
    """The budget's day: UTC, like AWS's SMS spend."""
    return datetime.fromtimestamp(now, UTC).strftime("%Y-%m-%d")


def check_address(
    guards: Guards, scope: str, source_ip: str, limit: int, window_seconds: int, now: float
) -> None:
    """One hit for this address in `scope`'s sliding window, or `RateLimitedError` with its Retry-After."""
    verdict = guards.take(scope, client_digest(source_ip), limit, window_seconds, now)
    if not verdict.allowed:
        count("RateLimited", scope=scope)
        raise RateLimitedError(f"{scope} limit reached", retry_after=verdict.retry_after)


def check_customer_route(guards: Guards, source_ip: str, per_minute: int, now: float) -> None:
    """The address's share of the customer routes (`/chat`, `/verify`, `/verify/confirm`, counted together):
    `per_minute` requests in a sliding minute (stack setting `rateLimitPerMinute`), before anything costs."""
    check_address(guards, "address", source_ip, per_minute, ADDRESS_WINDOW_SECONDS, now)


def check_customer_token(
    keys: tuple[bytes, ...], token: str | None, reservation_number: str, phone: str, now: float
) -> None:
    if not token:
        raise VerificationRequiredError("no customer token")
    try:
        customer_token.verify(keys, token, reservation_number, phone, int(now))
    except customer_token.CustomerTokenError as exc:
        logger().info("customer token refused", extra={"why": str(exc)})
        raise VerificationRequiredError(str(exc)) from exc


def check_budget_left(guards: Guards, budget: int, now: float) -> None:
    """New questions and code requests stop once the day's SMS budget is spent."""
    if guards.sms_parts_spent(utc_day(now)) >= budget:
        count("SmsBudgetExhausted", refused="request")
        raise SmsBudgetError("daily SMS budget spent")


def spend_budget(guards: Guards, parts: int, budget: int, now: float) -> None:
    """Book a text's parts before it is sent (atomic); `SmsBudgetError` if they do not fit today."""
    if not guards.spend_sms_parts(utc_day(now), parts, budget, now):
        count("SmsBudgetExhausted", refused="send")
        logger().warning("daily SMS budget spent; text not sent", extra={"parts": parts, "budget": budget})
        raise SmsBudgetError("daily SMS budget spent")
