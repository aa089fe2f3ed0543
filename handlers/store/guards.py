"""Limits, the SMS budget and one-time codes: conditional writes on one item per key and window.

- A limit is a sliding-window log: the item holds the times (ms) of the hits still inside the window and a
  version; a hit is written only if the log it was computed from is still the stored one. So the window
  slides (no calendar-minute boundary lets a burst through twice), and two callers can never both take the
  last slot.
- The SMS budget is one counter per UTC day, raised by a message's parts only while it stays within the
  budget (one conditional `ADD`).
- A code item holds the HMAC of the code, its expiry and the wrong tries so far.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

from botocore.exceptions import ClientError

from handlers.observability import logger
from handlers.store import keys
from handlers.store.retry import RetryingClient
from handlers.store.schema import TTL_ATTRIBUTE
from handlers.store.table import Item, from_dynamo, to_dynamo

# Optimistic writes under contention: after this many lost races the caller is told to come back later.
LIMIT_ATTEMPTS = 4


@dataclass(frozen=True, slots=True)
class Verdict:
    allowed: bool
    retry_after: int = 0  # seconds until the oldest hit leaves the window (when refused)


def _conditional(exc: ClientError) -> bool:
    return exc.response.get("Error", {}).get("Code") == "ConditionalCheckFailedException"


class Guards:
    def __init__(self, client: Any, table_name: str) -> None:
        self._client = RetryingClient(client)
        self._table = table_name

    def _get(self, key: dict[str, Any]) -> Item | None:
        answer = self._client.get_item(TableName=self._table, Key=key, ConsistentRead=True)
        item = answer.get("Item")
        return from_dynamo(item) if item else None

    # -- sliding-window limits -------------------------------------------------------------------------

    def take(self, scope: str, subject: str, limit: int, window_seconds: int, now: float) -> Verdict:
        """Count one hit for `subject` unless `limit` hits already fall in the last `window_seconds`."""
        key = keys.limit_key(scope, subject)
        now_ms = int(now * 1000)
        window_ms = window_seconds * 1000
        for _ in range(LIMIT_ATTEMPTS):
            item = self._get(key) or {}
            version = int(item.get("version", 0))
            hits = sorted(int(t) for t in item.get("hits", []) if int(t) > now_ms - window_ms)
            if len(hits) >= limit:
                oldest = hits[len(hits) - limit]
                return Verdict(False, max(1, math.ceil((oldest + window_ms - now_ms) / 1000)))
            fresh = {
                "hits": [*hits, now_ms],
                "version": version + 1,
                TTL_ATTRIBUTE: keys.expires_at(now, window_seconds + 60),
            }
            guard: dict[str, Any] = {"ConditionExpression": "attribute_not_exists(PK)"}
            if item:
                guard = {
                    "ConditionExpression": "version = :seen",
                    "ExpressionAttributeValues": to_dynamo({":seen": version}),
                }
            try:
                self._client.put_item(TableName=self._table, Item={**key, **to_dynamo(fresh)}, **guard)
            except ClientError as exc:
                if _conditional(exc):
                    logger().info("limit write lost a race; recounting", extra={"scope": scope})
                    continue  # another hit landed first: recount
                raise
            return Verdict(True)
        logger().warning("limit write kept losing races", extra={"scope": scope, "seen": item})
        return Verdict(False, 1)

    # -- the daily SMS budget --------------------------------------------------------------------------

    def spend_sms_parts(self, day: str, parts: int, budget: int, now: float) -> bool:
        """Book `parts` on `day` if the total stays within `budget`; False (nothing booked) otherwise."""
        if parts > budget:
            return False
        try:
            self._client.update_item(
                TableName=self._table,
                Key=keys.budget_key(day),
                UpdateExpression="ADD parts :parts SET #ttl = :expires",
                ExpressionAttributeNames={"#ttl": TTL_ATTRIBUTE},
                ConditionExpression="attribute_not_exists(parts) OR parts <= :room",
                ExpressionAttributeValues=to_dynamo(
                    {
                        ":parts": parts,
                        ":room": budget - parts,
                        ":expires": keys.expires_at(now, 3 * keys.DAY_SECONDS),
                    }
                ),
            )
        except ClientError as exc:
            if _conditional(exc):
                return False
            raise
        return True

    def sms_parts_spent(self, day: str) -> int:
        item = self._get(keys.budget_key(day))
        return int(item.get("parts", 0)) if item else 0

    # -- one-time codes ------------------------------------------------------------------------------

    def put_code(self, pair: str, digest: str, now: float, expires_at: int) -> None:
        """A new code replaces the pair's previous one (and its wrong tries)."""
        self._client.put_item(
            TableName=self._table,
            Item={
                **keys.code_key(pair),
                **to_dynamo(
                    {
                        "codeDigest": digest,
                        "attempts": 0,
                        "createdAt": int(now * 1000),
                        TTL_ATTRIBUTE: expires_at,
                    }
                ),
            },
        )

    def get_code(self, pair: str) -> Item | None:
        return self._get(keys.code_key(pair))

    def count_wrong_try(self, pair: str, digest: str, max_tries: int) -> int:
        """One more wrong try on the code with `digest`; the tries so far (`max_tries` once it is dead)."""
        try:
            answer = self._client.update_item(
                TableName=self._table,
                Key=keys.code_key(pair),
                UpdateExpression="ADD attempts :one",
                ConditionExpression="codeDigest = :digest AND attempts < :max",
                ExpressionAttributeValues=to_dynamo({":one": 1, ":digest": digest, ":max": max_tries}),
                ReturnValues="UPDATED_NEW",
            )
        except ClientError as exc:
            if _conditional(exc):
                return max_tries
            raise
        return int(from_dynamo(answer["Attributes"])["attempts"])

    def use_code(self, pair: str, digest: str, max_tries: int, now: float) -> bool:
        """Spend the code once: False if it was replaced, used, locked or expired meanwhile."""
        try:
            self._client.delete_item(
                TableName=self._table,
                Key=keys.code_key(pair),
                ConditionExpression="codeDigest = :digest AND attempts < :max AND #ttl > :now",
                ExpressionAttributeNames={"#ttl": TTL_ATTRIBUTE},
                ExpressionAttributeValues=to_dynamo({":digest": digest, ":max": max_tries, ":now": int(now)}),
            )
        except ClientError as exc:
            if _conditional(exc):
                return False
            raise
        return True
