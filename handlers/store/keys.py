"""Every key of the single table is built here and nowhere else."""

from __future__ import annotations

import secrets
from typing import Final

METADATA: Final = "METADATA"
EVENT_PREFIX: Final = "EVENT#"
DAY_SECONDS: Final = 86_400
DEFAULT_RETENTION_DAYS: Final = 90


def expires_at(now_s: float, lifetime_seconds: int) -> int:
    """The TTL value (`schema.TTL_ATTRIBUTE`, epoch seconds) of an item that lives `lifetime_seconds`
    from `now_s`. Every item that expires is stamped through here or `retention_expiry` (DynamoDB deletes
    it up to a few days later, so code that cares still checks the time itself)."""
    return int(now_s) + lifetime_seconds


def retention_expiry(at_ms: int, retention_days: int) -> int:
    """The TTL of an item holding customer data written at `at_ms`: kept `retention_days` (stack setting
    `retentionDays`), then deleted."""
    return expires_at(at_ms / 1000, retention_days * DAY_SECONDS)


def request_key(request_id: str) -> dict[str, dict[str, str]]:
    return {"PK": {"S": f"REQ#{request_id}"}, "SK": {"S": METADATA}}


def request_partition(request_id: str) -> str:
    return f"REQ#{request_id}"


def event_sort_key(at_ms: int) -> str:
    """Sorts by time; the random suffix keeps two events in the same millisecond apart."""
    return f"{EVENT_PREFIX}{at_ms:013d}#{secrets.token_hex(3)}"


def token_key(token_digest: str) -> dict[str, dict[str, str]]:
    return {"PK": {"S": f"TOKEN#{token_digest}"}, "SK": {"S": METADATA}}


def reservation_key(reservation_number: str) -> dict[str, dict[str, str]]:
    return {"PK": {"S": f"RES#{reservation_number}"}, "SK": {"S": METADATA}}


# -- limits, budgets, verification (issue 10): one item per key and window ------------------------------


def limit_key(scope: str, subject: str) -> dict[str, dict[str, str]]:
    """A sliding-window log: `scope` names the limit (`chat-address`, `partner-texts`, ...)."""
    return {"PK": {"S": f"LIMIT#{scope}#{subject}"}, "SK": {"S": "SLIDING"}}


def budget_key(day: str) -> dict[str, dict[str, str]]:
    """The stack's SMS parts spent on one UTC day (`2026-12-02`)."""
    return {"PK": {"S": "BUDGET#SMS"}, "SK": {"S": f"DAY#{day}"}}


def open_request_key(reservation_number: str) -> dict[str, dict[str, str]]:
    """Which request of a reservation waits for its partner (at most one)."""
    return {"PK": {"S": f"RES#{reservation_number}"}, "SK": {"S": "OPEN"}}


def code_key(pair_digest: str) -> dict[str, dict[str, str]]:
    """The one-time code of a reservation and phone pair (only its HMAC)."""
    return {"PK": {"S": f"CODE#{pair_digest}"}, "SK": {"S": METADATA}}


def reservation_lookup(reservation_number: str) -> str:
    """GSI1's partition value: reservation numbers are matched trimmed and case-insensitively."""
    return reservation_number.strip().upper()


def reservation_item(
    *,
    reservation_number: str,
    customer_phone_e164: str,
    partner_id: str,
    partner_name: str,
    partner_phone_e164: str,
    service_type: str,
    reservation_date: str,
    customer_id: str | None = None,
    customer_name: str | None = None,
    created_at_ms: int = 0,
) -> dict[str, str | int]:
    """A reservation as plain attributes (seed data): the only item type that carries GSI1 keys."""
    item: dict[str, str | int] = {
        "PK": f"RES#{reservation_number}",
        "SK": METADATA,
        "GSI1PK": reservation_lookup(reservation_number),
        "GSI1SK": customer_phone_e164,
        "reservationNumber": reservation_number,
        "customerPhone": customer_phone_e164,
        "partnerId": partner_id,
        "partnerName": partner_name,
        "partnerPhone": partner_phone_e164,
        "serviceType": service_type,
        "reservationDate": reservation_date,
        "createdAt": created_at_ms,
    }
    if customer_id is not None:
        item["customerId"] = customer_id
    if customer_name is not None:
        item["customerName"] = customer_name
    return item
